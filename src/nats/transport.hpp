// One byte-stream interface over TCP, TLS, WebSocket and secure WebSocket, so the
// NATS protocol code above it is the same for every kind of server URL.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <system_error>

#include "nats/proto/handshake.hpp"

namespace remaphore::nats {

struct tls_options {
  std::string ca_file;    // empty: the system's default trust store
  std::string cert_file;  // client certificate for mutual TLS
  std::string key_file;
  bool verify = true;     // certificate and host name verification
  bool first = false;     // TLS before INFO (servers with handshake_first)
};

class transport {
 public:
  virtual ~transport() = default;
  // Reads at least one byte. Errors come back as error_code, never as exceptions.
  virtual boost::asio::awaitable<std::size_t> read_some(boost::asio::mutable_buffer buf,
                                                        std::error_code& ec) = 0;
  // Writes all of buf.
  virtual boost::asio::awaitable<void> write(boost::asio::const_buffer buf, std::error_code& ec) = 0;
  // Upgrades a plain TCP stream to TLS in place (after the server's INFO).
  // `detail` receives OpenSSL's reason on failure.
  virtual boost::asio::awaitable<void> start_tls(const tls_options& opts, const std::string& host,
                                                 std::error_code& ec, std::string& detail) = 0;
  virtual bool is_tls() const = 0;
  // Closes the socket; pending reads and writes complete with an error.
  virtual void close() = 0;
};

// Connects TCP to the URL's host and port (and for ws/wss, performs the TLS and
// WebSocket handshakes). TLS for tls:// happens later, through start_tls, after INFO.
// `detail` receives a human readable reason on failure (OpenSSL's, for TLS).
boost::asio::awaitable<std::unique_ptr<transport>> open_transport(boost::asio::any_io_executor ex,
                                                                  const server_url& url,
                                                                  const tls_options& tls,
                                                                  std::error_code& ec,
                                                                  std::string& detail);

}  // namespace remaphore::nats
