// One byte-stream interface over TCP, TLS, WebSocket and secure WebSocket, so the
// NATS protocol code above it is the same for every kind of server URL. Failures
// come back as values (an error code, and a reason where OpenSSL or the resolver
// has one), never as exceptions or out-parameters.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <memory>
#include <string>
#include <system_error>

#include "nats/proto/diagnostic.hpp"
#include "nats/proto/handshake.hpp"

namespace remaphore::nats {

struct tls_options {
  std::string ca_file;    // empty: the system's default trust store
  std::string cert_file;  // client certificate for mutual TLS
  std::string key_file;
  bool verify = true;  // certificate and host name verification
  bool first = false;  // TLS before INFO (servers with handshake_first)
};

struct read_result {
  std::error_code error;
  std::size_t bytes = 0;
};

class transport {
 public:
  virtual ~transport() = default;
  // Reads at least one byte. A server that refuses us for want of a client
  // certificate is reported as errc::client_cert_required, whenever TLS tells us.
  virtual boost::asio::awaitable<read_result> read_some(boost::asio::mutable_buffer buf) = 0;
  // Writes all of buf.
  virtual boost::asio::awaitable<std::error_code> write(boost::asio::const_buffer buf) = 0;
  // Upgrades a plain TCP stream to TLS in place (after the server's INFO, or first
  // of all with tls.first). The reason says what to change where we can tell.
  virtual boost::asio::awaitable<diagnostic> start_tls(const tls_options& opts, const std::string& host) = 0;
  virtual bool is_tls() const = 0;
  // Closes the socket; pending reads and writes complete with an error.
  virtual void close() = 0;
};

struct opened_transport {
  std::unique_ptr<transport> stream;  // null on failure
  diagnostic failure;                 // error and reason (no server: the caller knows it)
};

// Connects TCP to the URL's host and port (and for ws/wss, performs the TLS and
// WebSocket handshakes). TLS for tls:// happens later, through start_tls.
boost::asio::awaitable<opened_transport> open_transport(boost::asio::any_io_executor ex, const server_url& url,
                                                        const tls_options& tls);

}  // namespace remaphore::nats
