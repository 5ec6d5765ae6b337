#include "nats/transport.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "nats/error.hpp"

namespace remaphore::nats {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using boost::asio::awaitable;
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

// A TCP socket, optionally wrapped in TLS after the server's INFO.
class stream_transport final : public transport {
 public:
  explicit stream_transport(tcp::socket sock) : sock_(std::move(sock)) {}

  awaitable<std::size_t> read_some(asio::mutable_buffer buf, std::error_code& ec) override {
    boost::system::error_code bec;
    std::size_t n = tls_ ? co_await tls_->async_read_some(buf, asio::redirect_error(asio::use_awaitable, bec))
                         : co_await sock_.async_read_some(buf, asio::redirect_error(asio::use_awaitable, bec));
    ec = bec;
    co_return n;
  }

  awaitable<void> write(asio::const_buffer buf, std::error_code& ec) override {
    boost::system::error_code bec;
    if (tls_)
      co_await asio::async_write(*tls_, buf, asio::redirect_error(asio::use_awaitable, bec));
    else
      co_await asio::async_write(sock_, buf, asio::redirect_error(asio::use_awaitable, bec));
    ec = bec;
  }

  awaitable<void> start_tls(const tls_options& opts, const std::string& host, std::error_code& ec,
                            std::string& detail) override {
    ec = {};
    ctx_ = std::make_unique<ssl::context>(ssl::context::tls_client);
    boost::system::error_code bec;
    ctx_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (!opts.ca_file.empty())
      ctx_->load_verify_file(opts.ca_file, bec);
    else
      ctx_->set_default_verify_paths(bec);
    if (bec) {
      ec = errc::tls_failed;
      detail = "cannot load CA file '" + opts.ca_file + "': " + bec.message();
      co_return;
    }
    if (!opts.cert_file.empty()) {
      ctx_->use_certificate_chain_file(opts.cert_file, bec);
      if (!bec) ctx_->use_private_key_file(opts.key_file.empty() ? opts.cert_file : opts.key_file,
                                           ssl::context::pem, bec);
      if (bec) {
        ec = errc::tls_failed;
        detail = "cannot load client certificate '" + opts.cert_file + "': " + bec.message();
        co_return;
      }
    }
    tls_ = std::make_unique<ssl::stream<tcp::socket&>>(sock_, *ctx_);
    if (opts.verify) {
      tls_->set_verify_mode(ssl::verify_peer);
      tls_->set_verify_callback(ssl::host_name_verification(host));
    } else {
      tls_->set_verify_mode(ssl::verify_none);
    }
    boost::system::error_code addr_ec;
    asio::ip::make_address(host, addr_ec);
    if (addr_ec) SSL_set_tlsext_host_name(tls_->native_handle(), host.c_str());  // SNI for names only
    co_await tls_->async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, bec));
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
  std::unique_ptr<ssl::context> ctx_;
  std::unique_ptr<ssl::stream<tcp::socket&>> tls_;
};

}  // namespace

awaitable<std::unique_ptr<transport>> open_transport(asio::any_io_executor ex, const server_url& url,
                                                     const tls_options& /*tls*/, std::error_code& ec,
                                                     std::string& detail) {
  ec = {};
  boost::system::error_code bec;
  tcp::resolver resolver(ex);
  auto endpoints = co_await resolver.async_resolve(url.host, std::to_string(url.port),
                                                   asio::redirect_error(asio::use_awaitable, bec));
  if (bec) {
    ec = bec;
    detail = "cannot resolve " + url.host + ": " + bec.message();
    co_return nullptr;
  }
  tcp::socket sock(ex);
  co_await asio::async_connect(sock, endpoints, asio::redirect_error(asio::use_awaitable, bec));
  if (bec) {
    ec = bec;
    detail = bec.message();
    co_return nullptr;
  }
  sock.set_option(tcp::no_delay(true), bec);
  if (url.kind == transport_kind::ws || url.kind == transport_kind::wss) {
    ec = errc::bad_url;
    detail = "WebSocket URLs are not supported by this build";
    co_return nullptr;
  }
  co_return std::make_unique<stream_transport>(std::move(sock));
}

}  // namespace remaphore::nats
