// The parts of transport.cpp's transports, each compiled on its own: TLS set-up and
// failures (tls_setup.cpp), TCP with optional TLS (tcp_transport.cpp), WebSocket
// (ws_transport.cpp) and secure WebSocket (wss_transport.cpp). Each instantiates a
// different Asio or Beast stream type.
#pragma once
#include <openssl/ssl.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <string>

#include "nats/transport.hpp"

namespace remaphore::nats::detail {

// A client TLS context from our options; on failure, `failure` says which file.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const tls_options& opts, diagnostic& failure);

// Certificate and host name checks (OpenSSL's own, which also knows IP address
// SANs), SNI for names (not for IP addresses), and where to note a certificate
// request (`cert_requested`, written by OpenSSL during the handshake).
void prepare_tls(SSL* ssl, const tls_options& opts, const std::string& host, bool* cert_requested);

// Why a TLS handshake failed: the remedy where we can tell, OpenSSL's words otherwise.
diagnostic tls_failure(SSL* ssl, const boost::system::error_code& bec, const tls_options& opts, bool cert_requested);

// The alerts a server sends when it wanted a client certificate.
bool is_certificate_refusal(const boost::system::error_code& bec);

// A TCP socket, which start_tls may wrap in TLS.
std::unique_ptr<transport> make_tcp_transport(boost::asio::ip::tcp::socket sock);

// The WebSocket handshake on a connected socket (ws://), or TLS and then the
// WebSocket handshake (wss://).
boost::asio::awaitable<opened_transport> open_ws(boost::asio::ip::tcp::socket sock, const server_url& url);
boost::asio::awaitable<opened_transport> open_wss(boost::asio::ip::tcp::socket sock, const server_url& url,
                                                  const tls_options& tls);

}  // namespace remaphore::nats::detail
