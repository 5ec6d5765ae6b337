#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "nats/proto/error.hpp"
#include "nats/transport_parts.hpp"

namespace remaphore::nats::detail {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using boost::asio::awaitable;
using boost::asio::use_awaitable;
using boost::asio::ip::tcp;

namespace {

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
    prepare_tls(tls_->native_handle(), opts, host, &cert_requested_);
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

}  // namespace

std::unique_ptr<transport> make_tcp_transport(tcp::socket sock) {
  return std::make_unique<stream_transport>(std::move(sock));
}

}  // namespace remaphore::nats::detail
