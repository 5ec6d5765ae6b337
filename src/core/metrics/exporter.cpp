#include "core/metrics/exporter.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "core/metrics/exposition.hpp"
#include "core/wait.hpp"
#include "log/log.hpp"

namespace remaphore::core {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::awaitable;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto exchange_bound = 5s;           // one request and its answer, per connection
constexpr std::uint32_t header_limit = 8192;  // a scrape's request is a few hundred bytes

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

metrics_exporter::metrics_exporter(asio::any_io_executor ex, protocol::listen_address at, listener_metrics& m,
                                   const nats::client& c)
    : at_(std::move(at)), metrics_(m), client_(c), acceptor_(std::move(ex)) {}

bool metrics_exporter::open(std::string& why) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(at_.host, ec);
  const tcp::endpoint ep(address, at_.port);
  if (!ec) acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) why = "cannot serve metrics on " + protocol::to_string(at_) + ": " + ec.message();
  return !ec;
}

awaitable<void> metrics_exporter::run() {
  using namespace asio::experimental::awaitable_operators;
  log::info("serving metrics at http://" + protocol::to_string(at_) + "/metrics");
  asio::steady_timer bound(co_await asio::this_coro::executor);
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors, say: the listener goes on, metrics are tried again soon.
      log::warn("metrics: cannot accept a connection: " + ec.message());
      const auto woke = co_await park(bound, asio::steady_timer::clock_type::now() + 1s);
      if (woke == woken::to_stop) co_return;
      continue;
    }
    bound.expires_after(exchange_bound);
    co_await (serve(std::move(socket)) || bound.async_wait(use_tuple));
  }
}

awaitable<void> metrics_exporter::serve(tcp::socket s) {
  boost::beast::flat_buffer buffer;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(header_limit);
  auto [read_ec, n] = co_await http::async_read(s, buffer, parser, use_tuple);
  if (read_ec) co_return;
  const auto& req = parser.get();
  http::response<http::string_body> res;
  res.version(req.version());
  res.keep_alive(false);
  const auto target = req.target();
  const bool is_metrics = target == "/metrics" || target.starts_with("/metrics?");
  if (is_metrics && (req.method() == http::verb::get || req.method() == http::verb::head)) {
    res.result(http::status::ok);
    res.set(http::field::content_type, exposition_content_type);
    res.body() = body();
  } else {
    res.result(is_metrics ? http::status::method_not_allowed : http::status::not_found);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = "remaphore serves its metrics at GET /metrics\n";
  }
  res.prepare_payload();
  if (req.method() == http::verb::head) res.body().clear();
  auto [write_ec, written] = co_await http::async_write(s, res, use_tuple);
  (void)write_ec;
  boost::system::error_code ignored;
  s.shutdown(tcp::socket::shutdown_both, ignored);
}

std::string metrics_exporter::body() const {
  metrics_.refresh();
  return format_exposition(metrics_, {client_.connected(), client_.reconnects()}, REMAPHORE_VERSION);
}

}  // namespace remaphore::core
