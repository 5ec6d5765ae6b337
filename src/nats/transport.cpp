#include "nats/transport.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
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

// ---------------------------------------------------------------------------
// Telling TLS failures apart, so the reason can say what to change.

// Where OpenSSL notes, per connection, that the server asked for a client
// certificate while we had none to give.
int cert_request_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// OpenSSL calls this when the server requests a client certificate and none is set.
int note_certificate_request(SSL* ssl, X509**, EVP_PKEY**) {
  if (auto* requested = static_cast<bool*>(SSL_get_ex_data(ssl, cert_request_index()))) *requested = true;
  return 0;  // go on without one: the server decides whether that is acceptable
}

int ssl_reason(const boost::system::error_code& bec) {
  return bec.category() == asio::error::get_ssl_category() ? ERR_GET_REASON(static_cast<unsigned long>(bec.value()))
                                                           : 0;
}

// The alerts a server sends when it wanted a client certificate: TLS 1.2 servers
// and Go's TLS 1.3 say "bad certificate", OpenSSL's TLS 1.3 "certificate required".
bool is_certificate_refusal(const boost::system::error_code& bec) {
  int r = ssl_reason(bec);
  return r == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE || r == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED ||
         r == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE;
}

// What OpenSSL reports when the bytes it gets are not a TLS record: the server
// answered in plain text (its INFO, or -ERR about our ClientHello).
bool is_plain_text_answer(const boost::system::error_code& bec) {
  int r = ssl_reason(bec);
  return r == SSL_R_WRONG_VERSION_NUMBER || r == SSL_R_PACKET_LENGTH_TOO_LONG || r == SSL_R_HTTP_REQUEST;
}

// Why a TLS handshake failed: the remedy where we can tell, OpenSSL's words otherwise.
diagnostic tls_failure(SSL* ssl, const boost::system::error_code& bec, const tls_options& opts, bool cert_requested) {
  std::string openssl = bec.message();
  if (cert_requested && opts.cert_file.empty() && is_certificate_refusal(bec))
    return make_diagnostic(errc::client_cert_required, {},
                           "TLS: " + make_error_code(errc::client_cert_required).message() + " (" + openssl + ")");
  if (is_plain_text_answer(bec)) {
    std::string why = opts.first
                          ? "the server answered in plain text: it does not expect TLS first (turn tls_first off)"
                          : "the server answered in plain text: it does not offer TLS on this port";
    return make_diagnostic(errc::tls_failed, {}, "TLS: " + why + " (" + openssl + ")");
  }
  if (ssl) {
    long vr = SSL_get_verify_result(ssl);
    if (vr != X509_V_OK) openssl += " (" + std::string(X509_verify_cert_error_string(vr)) + ")";
  }
  return make_diagnostic(errc::tls_failed, {}, "TLS: " + openssl);
}

// A client TLS context from our options; on failure, `failure` says which file.
std::shared_ptr<ssl::context> make_tls_context(const tls_options& opts, diagnostic& failure) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code bec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (!opts.ca_file.empty())
    ctx->load_verify_file(opts.ca_file, bec);
  else
    ctx->set_default_verify_paths(bec);
  if (bec) {
    failure =
        make_diagnostic(errc::tls_failed, {}, "TLS: cannot load CA file '" + opts.ca_file + "': " + bec.message());
    return nullptr;
  }
  if (opts.cert_file.empty()) {
    SSL_CTX_set_client_cert_cb(ctx->native_handle(), note_certificate_request);
    return ctx;
  }
  ctx->use_certificate_chain_file(opts.cert_file, bec);
  if (!bec) ctx->use_private_key_file(opts.key_file.empty() ? opts.cert_file : opts.key_file, ssl::context::pem, bec);
  if (bec) {
    failure = make_diagnostic(errc::tls_failed, {},
                              "TLS: cannot load client certificate or key '" + opts.cert_file + "': " + bec.message());
    return nullptr;
  }
  return ctx;
}

// Certificate and host name checks (OpenSSL's own, which also knows IP address
// SANs), SNI for names (not for IP addresses), and where to note a certificate request.
template <class SslStream>
void prepare_tls_stream(SslStream& s, const tls_options& opts, const std::string& host, bool* cert_requested) {
  SSL_set_ex_data(s.native_handle(), cert_request_index(), cert_requested);
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

// ---------------------------------------------------------------------------

// A TCP socket, optionally wrapped in TLS after the server's INFO.
class stream_transport final : public transport {
 public:
  explicit stream_transport(tcp::socket sock) : sock_(std::move(sock)) {}

  awaitable<read_result> read_some(asio::mutable_buffer buf) override {
    boost::system::error_code bec;
    std::size_t n = tls_ ? co_await tls_->async_read_some(buf, asio::redirect_error(use_awaitable, bec))
                         : co_await sock_.async_read_some(buf, asio::redirect_error(use_awaitable, bec));
    if (bec && tls_ && !read_since_tls_ && cert_requested_ && !has_client_cert_ && is_certificate_refusal(bec)) {
      // TLS 1.3 servers check the client certificate after the handshake has
      // completed on our side: their refusal arrives as the first read.
      co_return read_result{make_error_code(errc::client_cert_required), 0};
    }
    read_since_tls_ = read_since_tls_ || (tls_ && n > 0);
    co_return read_result{bec, n};
  }

  awaitable<std::error_code> write(asio::const_buffer buf) override {
    boost::system::error_code bec;
    if (tls_)
      co_await asio::async_write(*tls_, buf, asio::redirect_error(use_awaitable, bec));
    else
      co_await asio::async_write(sock_, buf, asio::redirect_error(use_awaitable, bec));
    co_return bec;
  }

  awaitable<diagnostic> start_tls(const tls_options& opts, const std::string& host) override {
    diagnostic failure;
    ctx_ = make_tls_context(opts, failure);
    if (!ctx_) co_return failure;
    has_client_cert_ = !opts.cert_file.empty();
    tls_ = std::make_unique<ssl::stream<tcp::socket&>>(sock_, *ctx_);
    prepare_tls_stream(*tls_, opts, host, &cert_requested_);
    boost::system::error_code bec;
    co_await tls_->async_handshake(ssl::stream_base::client, asio::redirect_error(use_awaitable, bec));
    if (bec) co_return tls_failure(tls_->native_handle(), bec, opts, cert_requested_);
    co_return diagnostic{};
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
  bool cert_requested_ = false;  // written by OpenSSL during the handshake
  bool has_client_cert_ = false;
  bool read_since_tls_ = false;
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
  bool* cert_requested() { return &cert_requested_; }

  awaitable<read_result> read_some(asio::mutable_buffer buf) override {
    boost::system::error_code bec;
    std::size_t n = co_await ws_.async_read_some(buf, asio::redirect_error(use_awaitable, bec));
    co_return read_result{bec, n};
  }

  awaitable<std::error_code> write(asio::const_buffer buf) override {
    boost::system::error_code bec;
    co_await ws_.async_write(buf, asio::redirect_error(use_awaitable, bec));
    co_return bec;
  }

  awaitable<diagnostic> start_tls(const tls_options&, const std::string&) override {
    // TLS over WebSocket is negotiated before the WebSocket handshake (wss://).
    co_return make_diagnostic(errc::tls_failed, {},
                              "TLS: the server requires TLS: use a wss:// URL for its WebSocket listener");
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
  bool cert_requested_ = false;
};

template <class Ws>
awaitable<diagnostic> ws_handshake(Ws& ws, const server_url& url) {
  boost::system::error_code bec;
  ws.binary(true);
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::request_type& req) { req.set(boost::beast::http::field::user_agent, "remaphore"); }));
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  co_await ws.async_handshake(host + ":" + std::to_string(url.port), url.path,
                              asio::redirect_error(use_awaitable, bec));
  if (bec) co_return make_diagnostic(bec, {}, "WebSocket handshake: " + bec.message());
  co_return diagnostic{};
}

awaitable<opened_transport> open_wss(tcp::socket sock, const server_url& url, const tls_options& tls) {
  opened_transport out;
  auto ctx = make_tls_context(tls, out.failure);
  if (!ctx) co_return out;
  auto t = std::make_unique<ws_transport<websocket::stream<ssl::stream<tcp::socket>>>>(ctx, std::move(sock), *ctx);
  auto& tls_stream = t->stream().next_layer();
  prepare_tls_stream(tls_stream, tls, url.host, t->cert_requested());
  boost::system::error_code bec;
  co_await tls_stream.async_handshake(ssl::stream_base::client, asio::redirect_error(use_awaitable, bec));
  if (bec) {
    out.failure = tls_failure(tls_stream.native_handle(), bec, tls, *t->cert_requested());
    co_return out;
  }
  out.failure = co_await ws_handshake(t->stream(), url);
  if (out.failure && *t->cert_requested() && tls.cert_file.empty())
    out.failure = make_diagnostic(errc::client_cert_required, {},
                                  "TLS: " + make_error_code(errc::client_cert_required).message());
  if (!out.failure) out.stream = std::move(t);
  co_return out;
}

// A numeric address needs no resolver. Asio resolves names on a thread of its own,
// started on the first resolve, that a one-shot call would create and join only to
// parse "127.0.0.1" (and getaddrinfo, asked for configured address families, reads
// the host's interfaces on top of that).
awaitable<std::error_code> connect_socket(tcp::socket& sock, const server_url& url, diagnostic& failure) {
  boost::system::error_code bec;
  auto address = asio::ip::make_address(url.host, bec);
  if (!bec) {
    co_await sock.async_connect(tcp::endpoint(address, url.port), asio::redirect_error(use_awaitable, bec));
  } else {
    tcp::resolver resolver(sock.get_executor());
    auto endpoints =
        co_await resolver.async_resolve(url.host, std::to_string(url.port), asio::redirect_error(use_awaitable, bec));
    if (bec) {
      failure = make_diagnostic(bec, {}, "cannot resolve " + url.host + ": " + bec.message());
      co_return bec;
    }
    co_await asio::async_connect(sock, endpoints, asio::redirect_error(use_awaitable, bec));
  }
  if (bec) failure = make_diagnostic(bec, {}, bec.message());
  co_return bec;
}

}  // namespace

awaitable<opened_transport> open_transport(asio::any_io_executor ex, const server_url& url, const tls_options& tls) {
  opened_transport out;
  tcp::socket sock(ex);
  if (co_await connect_socket(sock, url, out.failure)) co_return out;
  boost::system::error_code bec;
  sock.set_option(tcp::no_delay(true), bec);

  if (url.kind == transport_kind::ws) {
    auto t = std::make_unique<ws_transport<websocket::stream<tcp::socket>>>(nullptr, std::move(sock));
    out.failure = co_await ws_handshake(t->stream(), url);
    if (!out.failure) out.stream = std::move(t);
    co_return out;
  }
  if (url.kind == transport_kind::wss) co_return co_await open_wss(std::move(sock), url, tls);
  out.stream = std::make_unique<stream_transport>(std::move(sock));
  co_return out;
}

}  // namespace remaphore::nats
