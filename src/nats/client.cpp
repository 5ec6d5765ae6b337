#include "nats/client.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <variant>

#include "nats/proto/error.hpp"
#include "nats/proto/nkeys.hpp"

namespace remaphore::nats {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr std::size_t initial_read_buffer = 64 * 1024;

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, end);
}

// True when the coroutine we run in has been asked to stop (by close(), or by the
// sibling of a || that finished first).
awaitable<bool> cancelled() {
  auto cs = co_await asio::this_coro::cancellation_state;
  co_return cs.cancelled() != asio::cancellation_type::none;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace

client::client(asio::any_io_executor ex, options opts)
    : ex_(ex),
      opts_(std::move(opts)),
      writer_wake_(ex),
      drained_(ex),
      loop_done_(ex),
      backoff_(ex),
      rng_(std::random_device{}()) {
  for (const auto& s : opts_.servers) {
    std::error_code ec;
    auto url = parse_server_url(s, ec);
    if (ec) {
      error_text_ = "invalid server URL '" + s + "'";
      continue;
    }
    pool_.push_back({std::move(url), 0, {}});
  }
}

client::~client() {
  if (transport_) transport_->close();
}

void client::emit(std::string_view text) {
  if (opts_.on_event) opts_.on_event(text);
}

void client::wake_writer() {
  if (writer_parked_) writer_wake_.cancel();
}

std::string client::new_inbox() {
  static constexpr char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string s = "_INBOX.";
  std::uniform_int_distribution<int> pick(0, 61);
  for (int i = 0; i < 22; ++i) s += alphabet[pick(rng_)];
  return s;
}

// ---------------------------------------------------------------------------
// Connecting

std::error_code client::build_auth(const server_url& url, auth& a) {
  auth_key_.clear();
  // Credentials written in the URL belong to that server and win.
  if (!url.user.empty() || !url.token.empty()) {
    a.user = url.user;
    a.password = url.password;
    a.token = url.token;
    return {};
  }
  if (!opts_.creds_file.empty()) {
    std::string text;
    if (!read_file(opts_.creds_file, text)) {
      error_text_ = "cannot read credentials file '" + opts_.creds_file + "'";
      return errc::bad_creds;
    }
    std::error_code ec;
    auto c = parse_creds(text, ec);
    if (ec) {
      error_text_ = "credentials file '" + opts_.creds_file + "': " + ec.message();
      return ec;
    }
    auto key = decode_seed(c.seed, ec);
    if (ec) {
      error_text_ = "credentials file '" + opts_.creds_file + "': " + ec.message();
      return ec;
    }
    a.jwt = c.jwt;
    a.sign_nonce = [key](std::string_view nonce) { return key.sign_nonce(nonce); };
    auth_key_ = key.public_key();
  } else if (!opts_.nkey_seed_file.empty()) {
    std::string text;
    if (!read_file(opts_.nkey_seed_file, text)) {
      error_text_ = "cannot read nkey seed file '" + opts_.nkey_seed_file + "'";
      return errc::bad_seed;
    }
    std::error_code ec;
    auto key = decode_seed(text, ec);
    if (ec) {
      error_text_ = "nkey seed file '" + opts_.nkey_seed_file + "': " + ec.message();
      return ec;
    }
    a.nkey_public = key.public_key();
    auth_key_ = a.nkey_public;
    a.sign_nonce = [key](std::string_view nonce) { return key.sign_nonce(nonce); };
  }
  a.token = opts_.token;
  a.user = opts_.user;
  a.password = opts_.password;
  return {};
}

void client::prepare_read_space() {
  if (rbuf_.empty()) rbuf_.resize(initial_read_buffer);
  if (rstart_ == rend_) {
    rstart_ = rend_ = 0;
  } else if (rstart_ > 0 && rend_ == rbuf_.size()) {
    // Move the unparsed tail to the front; no event view is alive at this point.
    std::memmove(rbuf_.data(), rbuf_.data() + rstart_, rend_ - rstart_);
    rend_ -= rstart_;
    rstart_ = 0;
  }
  if (rend_ == rbuf_.size()) {
    // A frame bigger than the buffer: grow. The parser bounds frames (max_payload,
    // control line), so this cannot grow without limit.
    rbuf_.resize(rbuf_.size() * 2);
  }
}

awaitable<std::error_code> client::read_event(event& ev) {
  for (;;) {
    std::error_code ec;
    std::size_t n = parser_.parse(std::string_view(rbuf_.data() + rstart_, rend_ - rstart_), ev, ec);
    if (ec) co_return ec;
    if (n > 0) {
      rstart_ += n;
      co_return std::error_code{};
    }
    prepare_read_space();
    n = co_await transport_->read_some(asio::buffer(rbuf_.data() + rend_, rbuf_.size() - rend_), ec);
    if (ec) co_return ec;
    rend_ += n;
  }
}

awaitable<std::error_code> client::handshake(const server_url& url) {
  std::error_code ec;
  std::string detail;
  try {
    rstart_ = rend_ = 0;
    parser_ = parser{};
    transport_ = co_await open_transport(ex_, url, opts_.tls, ec, detail);
    if (ec) {
      error_text_ = url.text() + ": " + detail;
      co_return ec;
    }
    bool want_tls_first = opts_.tls.first && url.kind == transport_kind::tls;
    if (want_tls_first) {
      co_await transport_->start_tls(opts_.tls, url.host, ec, detail);
      if (ec) {
        error_text_ = url.text() + ": TLS: " + detail;
        co_return ec;
      }
    }
    event ev;
    if ((ec = co_await read_event(ev))) {
      error_text_ = url.text() + ": " + ec.message() + " (before INFO)";
      co_return ec;
    }
    if (ev.kind != op::info || !parse_info(ev.text, info_)) {
      error_text_ = url.text() + ": the server did not start with INFO";
      co_return make_error_code(errc::bad_arguments);
    }
    parser_.set_max_payload(info_.max_payload);
    bool want_tls = url.kind == transport_kind::tls || info_.tls_required;
    if (want_tls && !transport_->is_tls()) {
      co_await transport_->start_tls(opts_.tls, url.host, ec, detail);
      if (ec) {
        error_text_ = url.text() + ": TLS: " + detail;
        co_return ec;
      }
    }
    auth a;
    if ((ec = build_auth(url, a))) co_return ec;
    connect_params params;
    params.name = opts_.name;
    params.version = REMAPHORE_VERSION;
    params.echo = opts_.echo;
    params.tls_required = transport_->is_tls();
    std::string hello = "CONNECT " + build_connect(params, a, info_) + "\r\nPING\r\n";
    co_await transport_->write(asio::buffer(hello), ec);
    if (ec) {
      error_text_ = url.text() + ": " + ec.message();
      co_return ec;
    }
    for (;;) {
      if ((ec = co_await read_event(ev))) {
        error_text_ = url.text() + ": " + ec.message() + " (during CONNECT)";
        co_return ec;
      }
      switch (ev.kind) {
        case op::pong:
          co_return std::error_code{};
        case op::err:
          error_text_ = std::string(ev.text);
          co_return make_error_code(is_auth_error(ev.text) ? errc::auth_failed : errc::server_error);
        case op::info:
          parse_info(ev.text, info_);
          break;
        case op::ping: {
          static const std::string pong = "PONG\r\n";
          co_await transport_->write(asio::buffer(pong), ec);
          if (ec) co_return ec;
          break;
        }
        default:
          break;
      }
    }
  } catch (const boost::system::system_error& e) {
    co_return e.code();
  }
}

awaitable<std::error_code> client::connect_to(std::size_t index) {
  const server_url url = pool_[index].url;
  asio::steady_timer timer(ex_, opts_.connect_timeout);
  auto result = co_await (handshake(url) || timer.async_wait(use_awaitable));
  std::error_code ec;
  if (result.index() == 1) {
    ec = errc::connect_timeout;
    error_text_ = url.text() + ": no answer within " + std::to_string(opts_.connect_timeout.count()) + " ms";
  } else {
    ec = std::get<0>(result);
  }
  if (ec) {
    if (transport_) transport_->close();
    pool_[index].failures++;
    co_return ec;
  }
  pool_[index].failures = 0;
  pool_[index].last_auth_error.clear();
  current_ = index;
  add_discovered(info_);
  co_return std::error_code{};
}

void client::add_discovered(const server_info& info) {
  if (opts_.ignore_discovered || current_ >= pool_.size()) return;
  transport_kind kind = pool_[current_].url.kind;
  const auto& urls = (kind == transport_kind::ws || kind == transport_kind::wss) ? info.ws_connect_urls
                                                                                 : info.connect_urls;
  for (const auto& u : urls) {
    std::error_code ec;
    auto url = parse_server_url(u, ec);
    if (ec) continue;
    url.kind = kind;  // announced host:port, reached the way we reach this server
    bool known = std::any_of(pool_.begin(), pool_.end(), [&](const pool_entry& e) {
      return e.url.host == url.host && e.url.port == url.port;
    });
    if (known) continue;
    url.discovered = true;
    pool_.push_back({std::move(url), 0, {}});
    emit("learned server " + pool_.back().url.text());
  }
}

awaitable<std::error_code> client::connect_any(bool reconnecting) {
  if (pool_.empty()) {
    if (error_text_.empty()) error_text_ = "no server configured";
    co_return make_error_code(errc::no_servers);
  }
  std::error_code last = errc::no_servers;
  bool auth_refused = false;
  std::string auth_text;
  int attempts = 0;
  for (int round = 0;; ++round) {
    std::vector<std::size_t> order(pool_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    if (opts_.randomize) std::shuffle(order.begin(), order.end(), rng_);
    if (reconnecting && current_ < pool_.size() && order.size() > 1) {
      // Try the server we just lost last: it is the one most likely down.
      std::stable_partition(order.begin(), order.end(), [&](std::size_t i) { return i != current_; });
    }
    for (std::size_t idx : order) {
      if (closing()) co_return make_error_code(errc::connection_closed);
      if (reconnecting && opts_.max_reconnect_attempts >= 0 && attempts >= opts_.max_reconnect_attempts)
        co_return last;
      ++attempts;
      std::error_code ec = co_await connect_to(idx);
      if (!ec) co_return ec;
      if (closing()) co_return make_error_code(errc::connection_closed);
      last = ec;
      emit("cannot connect: " + error_text_);
      if (ec == errc::auth_failed) {
        auth_refused = true;
        auth_text = error_text_;
        refused_by_ = pool_[idx].url.text();
        // The same refusal twice in a row from a server: our credentials are wrong,
        // and retrying forever would only hide that.
        if (reconnecting && pool_[idx].last_auth_error == error_text_) co_return ec;
        pool_[idx].last_auth_error = error_text_;
      }
    }
    if (!reconnecting) {
      if (auth_refused) {
        error_text_ = auth_text;
        co_return make_error_code(errc::auth_failed);
      }
      co_return last;
    }
    // Capped exponential backoff with jitter, so a fleet does not reconnect in step.
    auto wait = opts_.reconnect_wait * (1LL << std::min(round, 16));
    if (wait > opts_.reconnect_wait_max) wait = opts_.reconnect_wait_max;
    std::uniform_int_distribution<long long> jitter(0, std::max<long long>(0, opts_.reconnect_jitter.count()));
    backoff_.expires_after(wait + std::chrono::milliseconds(jitter(rng_)));
    boost::system::error_code bec;
    co_await backoff_.async_wait(asio::redirect_error(use_awaitable, bec));
    if (closing() || co_await cancelled()) co_return make_error_code(errc::connection_closed);
  }
}

awaitable<std::error_code> client::connect() {
  if (state_ == state::closed) co_return make_error_code(errc::connection_closed);
  state_ = state::connecting;
  std::error_code ec = co_await connect_any(false);
  if (ec) {
    state_ = state::closed;
    co_return ec;
  }
  state_ = state::connected;
  emit("connected to " + current_server());
  loop_running_ = true;
  asio::co_spawn(ex_, run_loop(), [this](std::exception_ptr e) {
    // run_loop catches what it expects; anything else must not vanish silently.
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        emit(std::string("connection loop failed: ") + ex.what());
      }
      loop_running_ = false;
      state_ = state::closed;
      loop_done_.cancel();
    }
  });
  co_return std::error_code{};
}

// ---------------------------------------------------------------------------
// A live session: reader, writer and pinger, ending together.

void client::send_resubscriptions() {
  std::string subs;
  for (auto& [sid, sub] : subs_) {
    if (sub->closed_) continue;
    subs += "SUB ";
    subs += sub->subject_;
    if (!sub->queue_group_.empty()) {
      subs += ' ';
      subs += sub->queue_group_;
    }
    subs += ' ';
    append_number(subs, sid);
    subs += "\r\n";
    if (sub->max_ > 0) {
      subs += "UNSUB ";
      append_number(subs, sid);
      subs += ' ';
      append_number(subs, sub->max_ - sub->delivered_);
      subs += "\r\n";
    }
  }
  pending_.insert(0, subs);
}

awaitable<std::error_code> client::session() {
  pings_out_ = 0;
  send_resubscriptions();
  auto result = co_await (reader() || writer() || pinger());
  co_return std::visit([](const std::error_code& e) { return e; }, result);
}

awaitable<std::error_code> client::reader() {
  try {
    for (;;) {
      for (;;) {
        event ev;
        std::error_code ec;
        std::size_t n = parser_.parse(std::string_view(rbuf_.data() + rstart_, rend_ - rstart_), ev, ec);
        if (ec) {
          error_text_ = "protocol error from " + current_server() + ": " + ec.message();
          co_return ec;
        }
        if (n == 0) break;
        rstart_ += n;
        if ((ec = handle(ev))) co_return ec;
      }
      prepare_read_space();
      std::error_code ec;
      std::size_t n = co_await transport_->read_some(asio::buffer(rbuf_.data() + rend_, rbuf_.size() - rend_), ec);
      if (ec) co_return ec;
      rend_ += n;
    }
  } catch (const boost::system::system_error& e) {
    co_return e.code();
  }
}

awaitable<std::error_code> client::writer() {
  try {
    for (;;) {
      while (pending_.empty()) {
        writer_parked_ = true;
        writer_wake_.expires_at(asio::steady_timer::time_point::max());
        boost::system::error_code bec;
        co_await writer_wake_.async_wait(asio::redirect_error(use_awaitable, bec));
        writer_parked_ = false;
        if (co_await cancelled()) co_return make_error_code(asio::error::operation_aborted);
      }
      out_.swap(pending_);
      pending_.clear();
      for (auto& p : pongs_) p.sent = true;
      drained_.cancel();
      std::error_code ec;
      co_await transport_->write(asio::buffer(out_), ec);
      out_.clear();
      if (ec) co_return ec;
    }
  } catch (const boost::system::system_error& e) {
    writer_parked_ = false;
    co_return e.code();
  }
}

awaitable<std::error_code> client::pinger() {
  try {
    asio::steady_timer timer(ex_);
    for (;;) {
      timer.expires_after(opts_.ping_interval);
      co_await timer.async_wait(use_awaitable);
      if (pings_out_ >= opts_.max_pings_out) {
        error_text_ = current_server() + ": " + std::to_string(pings_out_) + " PINGs unanswered";
        co_return make_error_code(errc::stale_connection);
      }
      ++pings_out_;
      pending_ += "PING\r\n";
      pongs_.push_back({nullptr, nullptr, false});
      wake_writer();
    }
  } catch (const boost::system::system_error& e) {
    co_return e.code();
  }
}

std::error_code client::handle(const event& ev) {
  switch (ev.kind) {
    case op::msg:
    case op::hmsg:
      deliver(ev);
      break;
    case op::ping:
      pending_ += "PONG\r\n";
      wake_writer();
      break;
    case op::pong:
      pings_out_ = 0;
      if (!pongs_.empty()) {
        auto w = pongs_.front();
        pongs_.pop_front();
        if (w.timer) {
          *w.answered = true;
          w.timer->cancel();
        }
      }
      break;
    case op::info: {
      server_info info;
      if (parse_info(ev.text, info)) {
        info_.connect_urls = info.connect_urls;
        info_.ws_connect_urls = info.ws_connect_urls;
        add_discovered(info);
        if (info.lame_duck) {
          emit(current_server() + " entered lame duck mode; moving to another server");
          return make_error_code(errc::lame_duck);
        }
      }
      break;
    }
    case op::err:
      error_text_ = std::string(ev.text);
      emit("server error: " + error_text_);
      if (is_soft_error(ev.text)) break;
      return make_error_code(is_auth_error(ev.text) ? errc::auth_failed : errc::server_error);
    default:
      break;
  }
  return {};
}

void client::deliver(const event& ev) {
  auto it = subs_.find(ev.sid);
  if (it == subs_.end()) return;  // unsubscribed while the message was in flight
  // A copy, not a reference into subs_: an auto-unsubscribe below erases the entry.
  auto sub = it->second;
  if (sub == resp_sub_) {
    std::string_view subj = ev.subject;
    if (!subj.starts_with(inbox_prefix_)) return;
    auto req = requests_.find(subj.substr(inbox_prefix_.size()));
    if (req == requests_.end()) return;  // late or duplicate reply
    auto st = req->second;
    requests_.erase(req);
    st->reply = message{std::string(ev.subject), std::string(ev.reply), std::string(ev.headers),
                        std::string(ev.payload), ev.sid};
    st->done = true;
    st->timer.cancel();
    return;
  }
  if (sub->closed_) return;
  if (sub->max_ > 0 && sub->delivered_ >= sub->max_) return;
  ++sub->delivered_;
  std::size_t bytes = ev.payload.size() + ev.headers.size();
  if (sub->queue_.size() >= opts_.sub_pending_msgs || sub->queued_bytes_ + bytes > opts_.sub_pending_bytes) {
    // Slow consumer: drop rather than grow without bound.
    if (sub->dropped_++ == 0) emit("slow consumer on " + sub->subject_ + ": dropping messages");
  } else {
    sub->queue_.push_back(message{std::string(ev.subject), std::string(ev.reply), std::string(ev.headers),
                                  std::string(ev.payload), ev.sid});
    sub->queued_bytes_ += bytes;
  }
  if (sub->max_ > 0 && sub->delivered_ >= sub->max_) {
    // The server has dropped the interest itself (UNSUB sid max).
    sub->closed_ = true;
    subs_.erase(it);
  }
  sub->wake_.cancel();
}

void client::fail_sent_pongs() {
  // PINGs already written got lost with the connection; PINGs still in pending_
  // will go out on the next connection and keep their waiters.
  while (!pongs_.empty() && pongs_.front().sent) {
    auto w = pongs_.front();
    pongs_.pop_front();
    if (w.timer) w.timer->cancel();
  }
}

awaitable<void> client::run_loop() {
  while (!closing()) {
    std::error_code ec = co_await session();
    if (transport_) transport_->close();
    fail_sent_pongs();
    out_.clear();
    if (closing()) break;
    state_ = state::reconnecting;
    emit("disconnected from " + current_server() + ": " + ec.message() +
         (error_text_.empty() ? "" : " (" + error_text_ + ")"));
    if (!opts_.allow_reconnect) break;
    ec = co_await connect_any(true);
    if (ec) {
      if (!closing()) emit("giving up reconnecting: " + ec.message() + " (" + error_text_ + ")");
      break;
    }
    state_ = state::connected;
    ++reconnects_;
    emit("reconnected to " + current_server());
  }
  state_ = state::closed;
  closing_ = true;
  if (transport_) transport_->close();
  for (auto& [sid, sub] : subs_) {
    sub->closed_ = true;
    sub->wake_.cancel();
  }
  for (auto& [token, st] : requests_) st->timer.cancel();
  for (auto& p : pongs_)
    if (p.timer) p.timer->cancel();
  pongs_.clear();
  drained_.cancel();
  loop_running_ = false;
  loop_done_.cancel();
}

// ---------------------------------------------------------------------------
// The API

std::error_code client::publish(std::string_view subject, std::string_view payload, std::string_view reply,
                                std::string_view headers) {
  if (closing()) return errc::connection_closed;
  if (state_ == state::idle) return errc::disconnected;
  if (payload.size() + headers.size() > info_.max_payload) return errc::max_payload_exceeded;
  std::size_t add = subject.size() + reply.size() + payload.size() + headers.size() + 48;
  if (state_ != state::connected && pending_.size() + add > opts_.reconnect_buffer) return errc::buffer_full;
  if (headers.empty()) {
    pending_ += "PUB ";
  } else {
    pending_ += "HPUB ";
  }
  pending_ += subject;
  pending_ += ' ';
  if (!reply.empty()) {
    pending_ += reply;
    pending_ += ' ';
  }
  if (!headers.empty()) {
    append_number(pending_, headers.size());
    pending_ += ' ';
  }
  append_number(pending_, headers.size() + payload.size());
  pending_ += "\r\n";
  pending_ += headers;
  pending_ += payload;
  pending_ += "\r\n";
  wake_writer();
  return {};
}

awaitable<std::error_code> client::publish_async(std::string_view subject, std::string_view payload,
                                                 std::string_view reply) {
  while (pending_.size() > opts_.pending_high_water && !closing()) {
    drained_.expires_at(asio::steady_timer::time_point::max());
    boost::system::error_code bec;
    co_await drained_.async_wait(asio::redirect_error(use_awaitable, bec));
    if (co_await cancelled()) co_return make_error_code(asio::error::operation_aborted);
  }
  co_return publish(subject, payload, reply);
}

subscription_ptr client::subscribe(std::string_view subject, std::string_view queue_group, std::uint64_t max) {
  subscription_ptr sub(new subscription(ex_));
  sub->sid_ = next_sid_++;
  sub->subject_ = subject;
  sub->queue_group_ = queue_group;
  sub->max_ = max;
  if (closing()) {
    sub->closed_ = true;
    return sub;
  }
  subs_[sub->sid_] = sub;
  // While disconnected the session start resubscribes everything in subs_.
  if (state_ == state::connected) {
    pending_ += "SUB ";
    pending_ += subject;
    if (!queue_group.empty()) {
      pending_ += ' ';
      pending_ += queue_group;
    }
    pending_ += ' ';
    append_number(pending_, sub->sid_);
    pending_ += "\r\n";
    if (max > 0) {
      pending_ += "UNSUB ";
      append_number(pending_, sub->sid_);
      pending_ += ' ';
      append_number(pending_, max);
      pending_ += "\r\n";
    }
    wake_writer();
  }
  return sub;
}

void client::unsubscribe(const subscription_ptr& sub) {
  if (!sub || sub->closed_) return;
  sub->closed_ = true;
  subs_.erase(sub->sid_);
  if (state_ == state::connected) {
    pending_ += "UNSUB ";
    append_number(pending_, sub->sid_);
    pending_ += "\r\n";
    wake_writer();
  }
  sub->wake_.cancel();
}

awaitable<std::error_code> client::next_msg(const subscription_ptr& sub, message& out,
                                            std::chrono::nanoseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (!sub->queue_.empty()) {
      out = std::move(sub->queue_.front());
      sub->queue_.pop_front();
      sub->queued_bytes_ -= out.payload.size() + out.headers.size();
      co_return std::error_code{};
    }
    if (sub->closed_)
      co_return make_error_code(closing() ? errc::connection_closed : errc::subscription_closed);
    if (std::chrono::steady_clock::now() >= deadline) co_return make_error_code(errc::timeout);
    sub->wake_.expires_at(deadline);
    boost::system::error_code bec;
    co_await sub->wake_.async_wait(asio::redirect_error(use_awaitable, bec));
    if (co_await cancelled()) co_return make_error_code(asio::error::operation_aborted);
  }
}

awaitable<std::error_code> client::flush(std::chrono::nanoseconds timeout) {
  if (closing()) co_return make_error_code(errc::connection_closed);
  if (state_ == state::idle) co_return make_error_code(errc::disconnected);
  pong_waiter w{std::make_shared<asio::steady_timer>(ex_), std::make_shared<bool>(false), false};
  pending_ += "PING\r\n";
  pongs_.push_back(w);
  wake_writer();
  w.timer->expires_after(timeout);
  boost::system::error_code bec;
  co_await w.timer->async_wait(asio::redirect_error(use_awaitable, bec));
  if (*w.answered) co_return std::error_code{};
  if (co_await cancelled()) co_return make_error_code(asio::error::operation_aborted);
  if (closing()) co_return make_error_code(errc::connection_closed);
  if (bec == asio::error::operation_aborted) co_return make_error_code(errc::disconnected);
  co_return make_error_code(errc::timeout);
}

awaitable<std::error_code> client::request(std::string_view subject, std::string_view payload, message& reply,
                                           std::chrono::nanoseconds timeout, std::string_view headers) {
  if (closing()) co_return make_error_code(errc::connection_closed);
  if (!resp_sub_) {
    inbox_prefix_ = new_inbox() + ".";
    resp_sub_ = subscribe(inbox_prefix_ + "*");
  }
  std::string token;
  append_number(token, next_token_++);
  auto st = std::make_shared<request_state>(ex_);
  requests_[token] = st;
  if (auto ec = publish(subject, payload, inbox_prefix_ + token, headers)) {
    requests_.erase(token);
    co_return ec;
  }
  st->timer.expires_after(timeout);
  boost::system::error_code bec;
  co_await st->timer.async_wait(asio::redirect_error(use_awaitable, bec));
  requests_.erase(token);
  if (!st->done) {
    if (co_await cancelled()) co_return make_error_code(asio::error::operation_aborted);
    co_return make_error_code(closing() ? errc::connection_closed : errc::timeout);
  }
  if (!st->reply.headers.empty()) {
    header_view hv;
    if (parse_headers(st->reply.headers, hv) && hv.status == 503 && st->reply.payload.empty())
      co_return make_error_code(errc::no_responders);
  }
  reply = std::move(st->reply);
  co_return std::error_code{};
}

awaitable<void> client::drain_and_close(std::chrono::nanoseconds timeout) {
  if (state_ == state::connected) {
    for (auto& [sid, sub] : subs_) {
      pending_ += "UNSUB ";
      append_number(pending_, sid);
      pending_ += "\r\n";
    }
    co_await flush(timeout);
  }
  co_await close();
}

awaitable<void> client::close() {
  closing_ = true;
  if (transport_) transport_->close();
  writer_wake_.cancel();
  backoff_.cancel();
  while (loop_running_) {
    loop_done_.expires_at(asio::steady_timer::time_point::max());
    boost::system::error_code bec;
    co_await loop_done_.async_wait(asio::redirect_error(use_awaitable, bec));
  }
  state_ = state::closed;
  for (auto& [sid, sub] : subs_) {
    sub->closed_ = true;
    sub->wake_.cancel();
  }
}

}  // namespace remaphore::nats
