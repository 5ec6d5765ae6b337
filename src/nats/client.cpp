// The public operations of nats::client. Each coroutine keeps its own reference to
// the shared state while it waits, so close() or ~client() meanwhile is safe.
#include "nats/client.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

#include "nats/client_impl.hpp"
#include "nats/proto/commands.hpp"
#include "nats/proto/error.hpp"

namespace remaphore::nats {
namespace asio = boost::asio;
using asio::awaitable;

namespace {

// Waits until `timer` expires or is cancelled; an error is the normal way to wake.
awaitable<void> wait_on(asio::steady_timer& timer) {
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

}  // namespace

client::client(asio::any_io_executor ex, options opts) : impl_(std::make_shared<impl>(ex, std::move(opts))) {}

// Closes without waiting: the loop, if it runs, ends at the executor's next turn on
// the shared state it holds. No event reaches the application after this.
client::~client() {
  impl_->opts_.on_event = nullptr;
  impl_->teardown();
}

awaitable<std::error_code> client::connect() {
  auto self = impl_;
  co_return co_await self->connect();
}

std::error_code client::publish(std::string_view subject, std::string_view payload, std::string_view reply,
                                std::string_view headers) {
  auto& s = *impl_;
  if (s.closing()) return errc::connection_closed;
  if (payload.size() + headers.size() > s.info_.max_payload) return errc::max_payload_exceeded;
  if (s.state_ != impl::state::connected &&
      s.pending_.size() + publish_size(subject, reply, headers, payload) > s.opts_.reconnect_buffer)
    return errc::buffer_full;
  append_publish(s.pending_, subject, reply, headers, payload);
  s.wake_writer();
  return {};
}

awaitable<std::error_code> client::publish_async(std::string_view subject, std::string_view payload,
                                                 std::string_view reply) {
  auto self = impl_;
  while (self->pending_.size() > self->opts_.pending_high_water && !self->closing()) {
    self->drained_.expires_at(asio::steady_timer::time_point::max());
    co_await wait_on(self->drained_);
    if (co_await detail::cancelled()) co_return make_error_code(asio::error::operation_aborted);
  }
  co_return publish(subject, payload, reply);
}

subscription_ptr client::subscribe(std::string_view subject, std::uint64_t max) {
  auto& s = *impl_;
  subscription_ptr sub(new subscription(s.ex_));
  sub->sid_ = s.next_sid_++;
  sub->subject_ = subject;
  sub->max_ = max;
  if (s.closing()) {
    sub->closed_ = true;
    return sub;
  }
  s.subs_[sub->sid_] = sub;
  // Otherwise the next connection resubscribes everything in subs_.
  if (s.state_ == impl::state::connected) {
    append_subscribe(s.pending_, subject, sub->sid_);
    if (max > 0) append_unsubscribe(s.pending_, sub->sid_, max);
    s.wake_writer();
  }
  return sub;
}

void client::unsubscribe(const subscription_ptr& sub) {
  auto& s = *impl_;
  if (!sub || sub->closed_) return;
  sub->closed_ = true;
  s.subs_.erase(sub->sid_);
  if (s.state_ == impl::state::connected) {
    append_unsubscribe(s.pending_, sub->sid_);
    s.wake_writer();
  }
  sub->wake_.cancel();
}

bool client::try_next_msg(const subscription_ptr& sub, message& out) {
  if (sub->queue_.empty()) return false;
  out = std::move(sub->queue_.front());
  sub->queue_.pop_front();
  sub->queued_bytes_ -= out.payload.size() + out.headers.size();
  return true;
}

awaitable<std::error_code> client::next_msg(const subscription_ptr& sub, message& out,
                                            std::chrono::nanoseconds timeout) {
  auto self = impl_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (try_next_msg(sub, out)) co_return std::error_code{};
    if (sub->closed_) co_return make_error_code(self->closing() ? errc::connection_closed : errc::subscription_closed);
    if (std::chrono::steady_clock::now() >= deadline) co_return make_error_code(errc::timeout);
    sub->wake_.expires_at(deadline);
    co_await wait_on(sub->wake_);
    if (co_await detail::cancelled()) co_return make_error_code(asio::error::operation_aborted);
  }
}

awaitable<std::error_code> client::reconnected_after(std::uint64_t seen) {
  auto self = impl_;  // the loop may outlive this client
  while (self->reconnects_ <= seen) {
    if (self->closing()) co_return make_error_code(errc::connection_closed);
    self->reconnect_wake_.expires_at(asio::steady_timer::time_point::max());
    boost::system::error_code ec;
    co_await self->reconnect_wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    bool stop = co_await detail::cancelled();
    if (stop) co_return make_error_code(asio::error::operation_aborted);
  }
  co_return std::error_code{};
}

awaitable<std::error_code> client::flush(std::chrono::nanoseconds timeout) {
  auto self = impl_;
  if (self->closing()) co_return make_error_code(errc::connection_closed);
  if (self->state_ == impl::state::idle) co_return make_error_code(errc::disconnected);
  if (self->state_ == impl::state::connected && self->pending_.empty() && !self->written_since_connected_)
    co_return std::error_code{};
  auto waiter = std::make_shared<impl::flush_waiter>(self->ex_);
  self->pending_ += ping_command;
  self->pongs_.push_back({waiter, false});
  self->wake_writer();
  waiter->timer.expires_after(timeout);
  co_await wait_on(waiter->timer);
  if (waiter->done) co_return waiter->result;
  if (co_await detail::cancelled()) co_return make_error_code(asio::error::operation_aborted);
  co_return make_error_code(errc::timeout);
}

awaitable<std::error_code> client::request(std::string_view subject, std::string_view payload, message& reply,
                                           std::chrono::nanoseconds timeout, std::string_view headers) {
  auto self = impl_;
  if (self->closing()) co_return make_error_code(errc::connection_closed);
  if (!self->reply_sub_) {
    self->inbox_prefix_ = new_inbox() + ".";
    self->reply_sub_ = subscribe(self->inbox_prefix_ + "*");
  }
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, self->next_token_++).ptr;
  std::string token(digits, end);
  auto st = std::make_shared<impl::request_state>(self->ex_);
  self->requests_[token] = st;
  if (auto ec = publish(subject, payload, self->inbox_prefix_ + token, headers)) {
    self->requests_.erase(token);
    co_return ec;
  }
  st->timer.expires_after(timeout);
  co_await wait_on(st->timer);
  self->requests_.erase(token);
  if (!st->done) {
    if (st->error) co_return st->error;
    if (co_await detail::cancelled()) co_return make_error_code(asio::error::operation_aborted);
    co_return make_error_code(errc::timeout);
  }
  if (!st->reply.headers.empty()) {
    header_view hv;
    if (parse_headers(st->reply.headers, hv) && hv.status == 503 && st->reply.payload.empty())
      co_return make_error_code(errc::no_responders);
  }
  reply = std::move(st->reply);
  co_return std::error_code{};
}

std::string client::new_inbox() {
  static constexpr char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string s = "_INBOX.";
  std::uniform_int_distribution<int> pick(0, 61);
  for (int i = 0; i < 22; ++i) s += alphabet[pick(impl_->rng_)];
  return s;
}

awaitable<void> client::drain_and_close(std::chrono::nanoseconds timeout) {
  auto self = impl_;
  if (self->state_ == impl::state::connected) {
    for (auto& [sid, sub] : self->subs_) append_unsubscribe(self->pending_, sid);
    co_await flush(timeout);
  }
  co_await close();
}

awaitable<void> client::close() {
  auto self = impl_;
  self->closing_ = true;
  self->conn_.close();
  self->writer_wake_.cancel();
  self->sleep_.cancel();
  while (self->loop_running_) {
    self->loop_done_.expires_at(asio::steady_timer::time_point::max());
    co_await wait_on(self->loop_done_);
  }
  self->teardown();
}

bool client::connected() const { return impl_->state_ == impl::state::connected; }
bool client::is_closed() const { return impl_->state_ == impl::state::closed; }
const server_info& client::info() const { return impl_->info_; }
const boost::asio::any_io_executor& client::executor() const { return impl_->ex_; }
std::string client::current_server() const { return impl_->current_server(); }
const diagnostic& client::last_error() const { return impl_->last_error_; }
std::string client::refused_by() const {
  return impl_->last_error_.error == errc::auth_failed ? impl_->last_error_.server : std::string();
}
const std::string& client::auth_key() const { return impl_->auth_key_; }
std::uint64_t client::reconnects() const { return impl_->reconnects_; }
std::size_t client::known_servers() const { return impl_->pool_.size(); }
std::size_t client::pending_bytes() const { return impl_->pending_.size(); }

}  // namespace remaphore::nats
