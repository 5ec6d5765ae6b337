#include "nats/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>
#include <variant>

#include "nats/proto/auth.hpp"
#include "nats/proto/commands.hpp"
#include "nats/proto/error.hpp"

namespace remaphore::nats {
namespace asio = boost::asio;
using asio::awaitable;
using namespace asio::experimental::awaitable_operators;

namespace {

// The read buffer starts small: a waiting receiver reads a few hundred bytes now and
// then (INFO, PING, one message), and a host may keep thousands of them. It grows for
// a frame that does not fit, and up to busy_read_buffer while reads keep filling it, so
// a busy subscriber still reads in large chunks.
constexpr std::size_t initial_read_buffer = 4 * 1024;
constexpr std::size_t busy_read_buffer = 64 * 1024;

// A failed step of the handshake: the error's words, and where it happened.
diagnostic failed_at(std::error_code ec, std::string_view stage) {
  if (ec == errc::client_cert_required) return make_diagnostic(ec, {}, "TLS: " + ec.message());
  return make_diagnostic(ec, {}, ec.message() + " " + std::string(stage));
}

}  // namespace

awaitable<connection::opened> connection::open(const server_url& url, const options& opts,
                                               std::chrono::milliseconds timeout, std::string_view early,
                                               std::size_t largest_early_payload) {
  close();
  received_any_ = false;
  asio::steady_timer timer(ex_, timeout);
  // as_tuple: the timer cancelled by a finished handshake completes without an
  // exception (which would cost more than the whole handshake).
  auto result = co_await (handshake(url, opts, early, largest_early_payload) ||
                          timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (result.index() == 0) {
    auto out = std::get<0>(std::move(result));
    if (out.failure) close();
    co_return out;
  }
  opened out;
  std::string why = "no answer within " + describe_duration(timeout);
  if (transport_ && !received_any_ && url.kind == transport_kind::tls && !opts.tls.first)
    why += " (a server that expects TLS first needs tls_first)";
  out.failure = make_diagnostic(errc::connect_timeout, {}, why);
  close();
  co_return out;
}

awaitable<connection::opened> connection::handshake(const server_url& url, const options& opts, std::string_view early,
                                                    std::size_t largest_early_payload) {
  opened out;
  rstart_ = rend_ = 0;
  read_filled_ = false;
  parser_ = parser{};
  auto t = co_await open_transport(ex_, url, opts.tls);
  if (t.failure) {
    out.failure = std::move(t.failure);
    co_return out;
  }
  transport_ = std::move(t.stream);
  if (opts.tls.first && url.kind == transport_kind::tls) {
    if ((out.failure = co_await transport_->start_tls(opts.tls, url.host))) co_return out;
  }
  event ev;
  if (auto ec = co_await read_event(ev)) {
    out.failure = failed_at(ec, "while waiting for INFO");
    co_return out;
  }
  if (ev.kind != op::info || !parse_info(ev.text, out.info)) {
    out.failure = make_diagnostic(errc::bad_arguments, {}, "the server did not start with INFO");
    co_return out;
  }
  parser_.set_max_payload(out.info.max_payload);
  // Nothing over the server's max_payload: it would close the connection for it.
  if (largest_early_payload > out.info.max_payload) early = {};
  bool want_tls = url.kind == transport_kind::tls || out.info.tls_required;
  if (want_tls && !transport_->is_tls()) {
    if ((out.failure = co_await transport_->start_tls(opts.tls, url.host))) co_return out;
  }
  out.failure = co_await exchange_connect(url, opts, early, out);
  co_return out;
}

// CONNECT (+ early commands) + PING, then wait for PONG (accepted) or -ERR (refused),
// answering the server's PINGs and taking INFO updates on the way. An -ERR that the
// connection survives (a publish the server refused) is kept for the caller.
awaitable<diagnostic> connection::exchange_connect(const server_url& url, const options& opts, std::string_view early,
                                                   opened& out) {
  auto credentials = load_auth(opts.auth, url);
  out.user_key = credentials.user_key;
  if (credentials.error) co_return make_diagnostic(credentials.error, {}, credentials.reason);
  connect_params params;
  params.name = opts.name;
  params.version = opts.version;
  params.echo = opts.echo;
  params.tls_required = transport_->is_tls();
  if (auto ec = co_await write(connect_command(params, credentials.credentials, out.info, early)))
    co_return failed_at(ec, "sending CONNECT");
  for (;;) {
    event ev;
    if (auto ec = co_await read_event(ev)) co_return failed_at(ec, "during CONNECT");
    switch (ev.kind) {
      case op::pong: out.sent_early = !early.empty(); co_return diagnostic{};
      case op::err:
        if (is_soft_error(ev.text)) {
          out.soft_errors.emplace_back(ev.text);
          break;
        }
        co_return make_diagnostic(is_auth_error(ev.text) ? errc::auth_failed : errc::server_error, {},
                                  std::string(ev.text));
      case op::info:
        parse_info(ev.text, out.info);
        parser_.set_max_payload(out.info.max_payload);
        break;
      case op::ping:
        if (auto ec = co_await write(pong_command)) co_return failed_at(ec, "during CONNECT");
        break;
      default: break;
    }
  }
}

void connection::close() {
  if (transport_) transport_->close();
}

void connection::prepare_read_space() {
  if (!rbuf_) grow_read_buffer(initial_read_buffer);
  if (rstart_ == rend_) {
    rstart_ = rend_ = 0;
  } else if (rstart_ > 0 && rend_ == rsize_) {
    // Move the unparsed tail to the front; the caller holds no event view now.
    std::memmove(rbuf_.get(), rbuf_.get() + rstart_, rend_ - rstart_);
    rend_ -= rstart_;
    rstart_ = 0;
  }
  if (rend_ == rsize_) {
    // A frame bigger than the buffer: grow. The parser bounds frames (max_payload,
    // control line), so this cannot grow without limit.
    grow_read_buffer(rsize_ * 2);
  } else if (read_filled_ && rsize_ < busy_read_buffer) {
    grow_read_buffer(rsize_ * 2);
  }
}

void connection::grow_read_buffer(std::size_t size) {
  auto bigger = std::make_unique_for_overwrite<char[]>(size);
  if (rend_ > rstart_) std::memcpy(bigger.get(), rbuf_.get() + rstart_, rend_ - rstart_);
  rend_ -= rstart_;
  rstart_ = 0;
  rbuf_ = std::move(bigger);
  rsize_ = size;
}

awaitable<std::error_code> connection::read_more() {
  prepare_read_space();
  const std::size_t space = rsize_ - rend_;
  auto r = co_await transport_->read_some(asio::buffer(rbuf_.get() + rend_, space));
  if (r.error) co_return r.error;
  received_any_ = true;
  rend_ += r.bytes;
  read_filled_ = r.bytes == space;
  co_return std::error_code{};
}

bool connection::next_buffered_event(event& ev, std::error_code& ec) {
  std::size_t n = parser_.parse(std::string_view(rbuf_.get() + rstart_, rend_ - rstart_), ev, ec);
  rstart_ += n;
  return n > 0;
}

awaitable<std::error_code> connection::read_event(event& ev) {
  for (;;) {
    std::error_code ec;
    if (next_buffered_event(ev, ec)) co_return std::error_code{};
    if (ec) co_return ec;
    if ((ec = co_await read_more())) co_return ec;
  }
}

awaitable<std::error_code> connection::write(std::string_view bytes) {
  co_return co_await transport_->write(asio::buffer(bytes.data(), bytes.size()));
}

}  // namespace remaphore::nats
