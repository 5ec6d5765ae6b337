// The WebSocket transport as a template over its stream (plain, or inside TLS), and
// its handshake: ws_transport.cpp instantiates them for ws://, wss_transport.cpp for
// wss://, each in a file of its own because each instantiation of Beast's WebSocket
// stream is most of a file's compile time.
#pragma once
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket.hpp>
#include <memory>
#include <string>
#include <utility>

#include "nats/proto/error.hpp"
#include "nats/transport_parts.hpp"

namespace remaphore::nats::detail {

// NATS over WebSocket: the same byte stream, carried in binary frames. Beast
// answers the server's pings and handles the close handshake while we read.
template <class Ws>
class ws_transport final : public transport {
 public:
  template <class... Args>
  explicit ws_transport(std::shared_ptr<boost::asio::ssl::context> ctx, Args&&... args)
      : ctx_(std::move(ctx)), ws_(std::forward<Args>(args)...) {}

  Ws& stream() { return ws_; }
  bool* cert_requested() { return &cert_requested_; }

  boost::asio::awaitable<read_result> read_some(boost::asio::mutable_buffer buf) override {
    boost::system::error_code bec;
    std::size_t n = co_await ws_.async_read_some(buf, boost::asio::redirect_error(boost::asio::use_awaitable, bec));
    co_return read_result{bec, n};
  }

  boost::asio::awaitable<std::error_code> write(boost::asio::const_buffer buf) override {
    boost::system::error_code bec;
    co_await ws_.async_write(buf, boost::asio::redirect_error(boost::asio::use_awaitable, bec));
    co_return bec;
  }

  boost::asio::awaitable<diagnostic> start_tls(const tls_options&, const std::string&) override {
    // TLS over WebSocket is negotiated before the WebSocket handshake (wss://).
    co_return make_diagnostic(errc::tls_failed, {},
                              "TLS: the server requires TLS: use a wss:// URL for its WebSocket listener");
  }

  bool is_tls() const override { return ctx_ != nullptr; }

  void close() override {
    boost::system::error_code ignored;
    auto& sock = boost::beast::get_lowest_layer(ws_);
    sock.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    sock.close(ignored);
  }

 private:
  std::shared_ptr<boost::asio::ssl::context> ctx_;  // outlives the TLS stream inside ws_
  Ws ws_;
  bool cert_requested_ = false;
};

template <class Ws>
boost::asio::awaitable<diagnostic> ws_handshake(Ws& ws, const server_url& url) {
  boost::system::error_code bec;
  ws.binary(true);
  ws.set_option(boost::beast::websocket::stream_base::decorator(
      [](boost::beast::websocket::request_type& req) { req.set(boost::beast::http::field::user_agent, "remaphore"); }));
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  co_await ws.async_handshake(host + ":" + std::to_string(url.port), url.path,
                              boost::asio::redirect_error(boost::asio::use_awaitable, bec));
  if (bec) co_return make_diagnostic(bec, {}, "WebSocket handshake: " + bec.message());
  co_return diagnostic{};
}

}  // namespace remaphore::nats::detail
