#include "nats/transport.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "nats/proto/error.hpp"

namespace remaphore::nats {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace websocket = boost::beast::websocket;
using boost::asio::awaitable;
using boost::asio::use_awaitable;
using boost::asio::ip::tcp;

namespace {

// Why a TLS handshake failed, in OpenSSL's own words where it has some.
std::string tls_reason(SSL* ssl, const boost::system::error_code& bec) {
  std::string reason = bec.message();
  if (ssl) {
    long vr = SSL_get_verify_result(ssl);
    if (vr != X509_V_OK) reason += " (" + std::string(X509_verify_cert_error_string(vr)) + ")";
  }
  return reason;
}

// A client TLS context from our options; nullptr with `detail` set on failure.
std::shared_ptr<ssl::context> make_tls_context(const tls_options& opts, std::string& detail) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code bec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (!opts.ca_file.empty())
    ctx->load_verify_file(opts.ca_file, bec);
  else
    ctx->set_default_verify_paths(bec);
  if (bec) {
    detail = "cannot load CA file '" + opts.ca_file + "': " + bec.message();
    return nullptr;
  }
  if (!opts.cert_file.empty()) {
    ctx->use_certificate_chain_file(opts.cert_file, bec);
    if (!bec)
      ctx->use_private_key_file(opts.key_file.empty() ? opts.cert_file : opts.key_file, ssl::context::pem, bec);
    if (bec) {
      detail = "cannot load client certificate or key '" + opts.cert_file + "': " + bec.message();
      return nullptr;
    }
  }
  return ctx;
}

// Certificate and host name checks (OpenSSL's own, which also knows IP address
// SANs), and SNI for names (not for IP addresses).
template <class SslStream>
void prepare_tls_stream(SslStream& s, const tls_options& opts, const std::string& host) {
  if (!opts.verify) {
    s.set_verify_mode(ssl::verify_none);
    return;
  }
  s.set_verify_mode(ssl::verify_peer);
  X509_VERIFY_PARAM* param = SSL_get0_param(s.native_handle());
  boost::system::error_code addr_ec;
  asio::ip::make_address(host, addr_ec);
  if (addr_ec) {
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    SSL_set_tlsext_host_name(s.native_handle(), host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  }
}

// A TCP socket, optionally wrapped in TLS after the server's INFO.
class stream_transport final : public transport {
 public:
  explicit stream_transport(tcp::socket sock) : sock_(std::move(sock)) {}

  awaitable<std::size_t> read_some(asio::mutable_buffer buf, std::error_code& ec) override {
    boost::system::error_code bec;
    std::size_t n = tls_ ? co_await tls_->async_read_some(buf, asio::redirect_error(use_awaitable, bec))
                         : co_await sock_.async_read_some(buf, asio::redirect_error(use_awaitable, bec));
    ec = bec;
    co_return n;
  }

  awaitable<void> write(asio::const_buffer buf, std::error_code& ec) override {
    boost::system::error_code bec;
    if (tls_)
      co_await asio::async_write(*tls_, buf, asio::redirect_error(use_awaitable, bec));
    else
      co_await asio::async_write(sock_, buf, asio::redirect_error(use_awaitable, bec));
    ec = bec;
  }

  awaitable<void> start_tls(const tls_options& opts, const std::string& host, std::error_code& ec,
                            std::string& detail) override {
    ec = {};
    ctx_ = make_tls_context(opts, detail);
    if (!ctx_) {
      ec = errc::tls_failed;
      co_return;
    }
    tls_ = std::make_unique<ssl::stream<tcp::socket&>>(sock_, *ctx_);
    prepare_tls_stream(*tls_, opts, host);
    boost::system::error_code bec;
    co_await tls_->async_handshake(ssl::stream_base::client, asio::redirect_error(use_awaitable, bec));
    if (bec) {
      detail = tls_reason(tls_->native_handle(), bec);
      ec = errc::tls_failed;
    }
  }

  bool is_tls() const override { return tls_ != nullptr; }

  void close() override {
    boost::system::error_code ignored;
    sock_.shutdown(tcp::socket::shutdown_both, ignored);
    sock_.close(ignored);
  }

 private:
  tcp::socket sock_;
  std::shared_ptr<ssl::context> ctx_;
  std::unique_ptr<ssl::stream<tcp::socket&>> tls_;
};

// NATS over WebSocket: the same byte stream, carried in binary frames. Beast
// answers the server's pings and handles the close handshake while we read.
template <class Ws>
class ws_transport final : public transport {
 public:
  template <class... Args>
  explicit ws_transport(std::shared_ptr<ssl::context> ctx, Args&&... args)
      : ctx_(std::move(ctx)), ws_(std::forward<Args>(args)...) {}

  Ws& stream() { return ws_; }

  awaitable<std::size_t> read_some(asio::mutable_buffer buf, std::error_code& ec) override {
    boost::system::error_code bec;
    std::size_t n = co_await ws_.async_read_some(buf, asio::redirect_error(use_awaitable, bec));
    ec = bec;
    co_return n;
  }

  awaitable<void> write(asio::const_buffer buf, std::error_code& ec) override {
    boost::system::error_code bec;
    co_await ws_.async_write(buf, asio::redirect_error(use_awaitable, bec));
    ec = bec;
  }

  awaitable<void> start_tls(const tls_options&, const std::string&, std::error_code& ec, std::string& detail) override {
    // TLS over WebSocket is negotiated before the WebSocket handshake (wss://).
    ec = errc::tls_failed;
    detail = "the server requires TLS: use a wss:// URL for its WebSocket listener";
    co_return;
  }

  bool is_tls() const override { return ctx_ != nullptr; }

  void close() override {
    boost::system::error_code ignored;
    auto& sock = boost::beast::get_lowest_layer(ws_);
    sock.shutdown(tcp::socket::shutdown_both, ignored);
    sock.close(ignored);
  }

 private:
  std::shared_ptr<ssl::context> ctx_;  // outlives the TLS stream inside ws_
  Ws ws_;
};

template <class Ws>
awaitable<void> ws_handshake(Ws& ws, const server_url& url, std::error_code& ec, std::string& detail) {
  boost::system::error_code bec;
  ws.binary(true);
  ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(boost::beast::http::field::user_agent, "remaphore");
  }));
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  co_await ws.async_handshake(host + ":" + std::to_string(url.port), url.path,
                              asio::redirect_error(use_awaitable, bec));
  if (bec) {
    ec = bec;
    detail = "WebSocket handshake: " + bec.message();
  }
}

}  // namespace

awaitable<std::unique_ptr<transport>> open_transport(asio::any_io_executor ex, const server_url& url,
                                                     const tls_options& tls, std::error_code& ec,
                                                     std::string& detail) {
  ec = {};
  boost::system::error_code bec;
  tcp::resolver resolver(ex);
  auto endpoints = co_await resolver.async_resolve(url.host, std::to_string(url.port),
                                                   asio::redirect_error(use_awaitable, bec));
  if (bec) {
    ec = bec;
    detail = "cannot resolve " + url.host + ": " + bec.message();
    co_return nullptr;
  }
  tcp::socket sock(ex);
  co_await asio::async_connect(sock, endpoints, asio::redirect_error(use_awaitable, bec));
  if (bec) {
    ec = bec;
    detail = bec.message();
    co_return nullptr;
  }
  sock.set_option(tcp::no_delay(true), bec);

  if (url.kind == transport_kind::ws) {
    auto t = std::make_unique<ws_transport<websocket::stream<tcp::socket>>>(nullptr, std::move(sock));
    co_await ws_handshake(t->stream(), url, ec, detail);
    if (ec) co_return nullptr;
    co_return t;
  }
  if (url.kind == transport_kind::wss) {
    auto ctx = make_tls_context(tls, detail);
    if (!ctx) {
      ec = errc::tls_failed;
      co_return nullptr;
    }
    auto t = std::make_unique<ws_transport<websocket::stream<ssl::stream<tcp::socket>>>>(ctx, std::move(sock), *ctx);
    auto& tls_stream = t->stream().next_layer();
    prepare_tls_stream(tls_stream, tls, url.host);
    co_await tls_stream.async_handshake(ssl::stream_base::client, asio::redirect_error(use_awaitable, bec));
    if (bec) {
      ec = errc::tls_failed;
      detail = "TLS: " + tls_reason(tls_stream.native_handle(), bec);
      co_return nullptr;
    }
    co_await ws_handshake(t->stream(), url, ec, detail);
    if (ec) co_return nullptr;
    co_return t;
  }
  co_return std::make_unique<stream_transport>(std::move(sock));
}

}  // namespace remaphore::nats
