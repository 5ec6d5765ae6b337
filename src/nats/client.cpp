// The public operations of nats::client. Each coroutine keeps its own reference to
// the shared state while it waits, so close() or ~client() meanwhile is safe. Each
// wait is a loop: look at what is awaited, else wait on a notifier until it changes
// or the deadline passes (see notifier.hpp for how a cancelled wait ends).
#include "nats/client.hpp"

#include <charconv>

#include "nats/client_impl.hpp"
#include "nats/proto/error.hpp"

namespace remaphore::nats {
namespace asio = boost::asio;
using asio::awaitable;
using clock = std::chrono::steady_clock;

namespace {

// Runs `f` when the scope ends, however it ends (a cancelled wait throws).
template <class F>
struct at_exit {
  F f;
  ~at_exit() { f(); }
};
template <class F>
at_exit(F) -> at_exit<F>;

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
  auto ec = impl_->session_.publish(subject, reply, headers, payload);
  if (!ec) impl_->wake_writer();
  return ec;
}

awaitable<std::error_code> client::publish_async(std::string_view subject, std::string_view payload,
                                                 std::string_view reply) {
  auto self = impl_;
  while (self->session_.pending_bytes() > self->opts_.pending_high_water && !self->closing())
    co_await self->changed_.wait_until(clock::time_point::max());
  co_return publish(subject, payload, reply);
}

subscription_ptr client::subscribe(std::string_view subject, std::uint64_t max) {
  auto& s = *impl_;
  subscription_ptr sub(new subscription(s.ex_));
  sub->sid_ = s.session_.subscribe(subject, max);
  sub->subject_ = subject;
  if (s.closing()) {
    sub->closed_ = true;
    return sub;
  }
  s.subs_[sub->sid_] = sub;
  s.wake_writer();
  return sub;
}

void client::unsubscribe(const subscription_ptr& sub) {
  auto& s = *impl_;
  if (!sub || sub->closed_) return;
  sub->closed_ = true;
  s.subs_.erase(sub->sid_);
  s.session_.unsubscribe(sub->sid_);
  s.wake_writer();
  sub->wake_.notify_all();
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
  const auto deadline = clock::now() + timeout;
  for (;;) {
    if (try_next_msg(sub, out)) co_return std::error_code{};
    if (sub->closed_) {
      if (sub->failure_) co_return sub->failure_.error;
      co_return make_error_code(self->closing() ? errc::connection_closed : errc::subscription_closed);
    }
    if (clock::now() >= deadline) co_return make_error_code(errc::timeout);
    co_await sub->wake_.wait_until(deadline);
  }
}

awaitable<std::error_code> client::reconnected_after(std::uint64_t seen) {
  auto self = impl_;  // the loop may outlive this client
  while (self->reconnects_ <= seen) {
    if (self->closing()) co_return make_error_code(errc::connection_closed);
    co_await self->changed_.wait_until(clock::time_point::max());
  }
  co_return std::error_code{};
}

awaitable<std::error_code> client::flush(std::chrono::nanoseconds timeout) {
  diagnostic ignored;
  co_return co_await flush(timeout, ignored);
}

awaitable<std::error_code> client::flush(std::chrono::nanoseconds timeout, diagnostic& why) {
  auto self = impl_;
  auto ticket = self->session_.flush();
  if (ticket.id == 0) {
    why = std::move(ticket.result);
    co_return why.error;
  }
  self->wake_writer();
  at_exit forget{[&] { self->session_.abandon_flush(ticket.id); }};
  const auto deadline = clock::now() + timeout;
  for (;;) {
    if (auto result = self->session_.flush_result(ticket.id)) {
      why = std::move(*result);
      co_return why.error;
    }
    if (clock::now() >= deadline) {
      why = make_diagnostic(errc::timeout, self->current_server(), "no PONG within the flush's timeout");
      co_return why.error;
    }
    co_await self->changed_.wait_until(deadline);
  }
}

awaitable<std::error_code> client::request(std::string_view subject, std::string_view payload, message& reply,
                                           std::chrono::nanoseconds timeout, std::string_view headers) {
  auto self = impl_;
  auto& mux = self->requests_;
  if (self->closing()) co_return make_error_code(errc::connection_closed);
  if (!mux.sub) {
    mux.inbox_prefix = new_inbox() + ".";
    mux.sub = subscribe(mux.inbox_prefix + "*");
  }
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, mux.next_token++).ptr;
  std::string token(digits, end);
  auto st = std::make_shared<impl::request_state>();
  mux.waiting[token] = st;
  at_exit forget{[&] { mux.waiting.erase(token); }};
  if (auto ec = publish(subject, payload, mux.inbox_prefix + token, headers)) co_return ec;
  const auto deadline = clock::now() + timeout;
  while (!st->done && !st->failure) {
    if (clock::now() >= deadline) co_return make_error_code(errc::timeout);
    co_await self->changed_.wait_until(deadline);
  }
  if (st->failure) co_return st->failure.error;
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
  if (self->session_.is_connected()) {
    self->session_.unsubscribe_all();
    co_await flush(timeout);
  }
  co_await close();
}

awaitable<void> client::close() {
  auto self = impl_;
  self->session_.close();
  self->carry_out(nullptr);  // the flushes waiting learn it now
  self->conn_.close();
  self->output_.notify_all();
  self->changed_.notify_all();
  while (self->loop_running_) co_await self->changed_.wait_until(clock::time_point::max());
  self->teardown();
}

bool client::connected() const { return impl_->session_.is_connected(); }
const std::string& client::jetstream_domain() const { return impl_->opts_.jetstream_domain; }
bool client::is_closed() const { return impl_->closing(); }
const server_info& client::info() const { return impl_->session_.info(); }
const boost::asio::any_io_executor& client::executor() const { return impl_->ex_; }
std::string client::current_server() const { return impl_->current_server(); }
const diagnostic& client::last_error() const { return impl_->last_error_; }
std::string client::refused_by() const {
  return impl_->last_error_.error == errc::auth_failed ? impl_->last_error_.server : std::string();
}
const std::string& client::auth_key() const { return impl_->auth_key_; }
std::uint64_t client::reconnects() const { return impl_->reconnects_; }
std::size_t client::known_servers() const { return impl_->pool_.size(); }
std::size_t client::pending_bytes() const { return impl_->session_.pending_bytes(); }

}  // namespace remaphore::nats
