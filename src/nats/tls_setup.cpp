#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>

#include "nats/proto/error.hpp"
#include "nats/transport_parts.hpp"

namespace remaphore::nats::detail {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

namespace {

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

// What OpenSSL reports when the bytes it gets are not a TLS record: the server
// answered in plain text (its INFO, or -ERR about our ClientHello).
bool is_plain_text_answer(const boost::system::error_code& bec) {
  int r = ssl_reason(bec);
  return r == SSL_R_WRONG_VERSION_NUMBER || r == SSL_R_PACKET_LENGTH_TOO_LONG || r == SSL_R_HTTP_REQUEST;
}

}  // namespace

// TLS 1.2 servers and Go's TLS 1.3 say "bad certificate", OpenSSL's TLS 1.3
// "certificate required".
bool is_certificate_refusal(const boost::system::error_code& bec) {
  int r = ssl_reason(bec);
  return r == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE || r == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED ||
         r == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE;
}

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

void prepare_tls(SSL* ssl, const tls_options& opts, const std::string& host, bool* cert_requested) {
  SSL_set_ex_data(ssl, cert_request_index(), cert_requested);
  if (!opts.verify) {
    SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr);
    return;
  }
  SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  boost::system::error_code addr_ec;
  boost::asio::ip::make_address(host, addr_ec);
  if (addr_ec) {
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    SSL_set_tlsext_host_name(ssl, host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  }
}

}  // namespace remaphore::nats::detail
