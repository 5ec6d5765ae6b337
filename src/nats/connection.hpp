// One connection to one server: the transport, the read buffer and the parser.
//
// Flow: open() performs the handshake within connect_timeout - transport (TCP,
// WebSocket), TLS first when asked, the server's INFO, the TLS upgrade when the URL
// or the server wants it, CONNECT + PING, then PONG (accepted) or -ERR (refused).
// Afterwards the client's session reads events with read_event() and writes with
// write(). close() ends it; pending reads and writes then complete with an error.
//
// The views of an event point into the read buffer: valid until the next
// read_event(), which may move or overwrite those bytes. The parser's max_payload is
// the one of the server's first INFO (and of INFOs during the handshake).
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "nats/options.hpp"
#include "nats/proto/diagnostic.hpp"
#include "nats/proto/handshake.hpp"
#include "nats/proto/parser.hpp"
#include "nats/transport.hpp"

namespace remaphore::nats {

class connection {
 public:
  explicit connection(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {}

  struct opened {
    diagnostic failure;                    // error and reason; the caller adds the server
    server_info info;                      // what the server said about itself (also on failure)
    std::string user_key;                  // the public key our credentials carry, if any (also on failure)
    bool sent_early = false;               // `early` went with CONNECT, and the server has processed it
    std::vector<std::string> soft_errors;  // -ERRs the connection survived, such as a publish refused
  };
  // `early`: commands (publishes) to send with CONNECT, before its PING, when the
  // largest payload among them (`largest_early_payload`) is within the server's
  // max_payload; one round trip then both admits us and delivers them.
  boost::asio::awaitable<opened> open(const server_url& url, const options& opts, std::chrono::milliseconds timeout,
                                      std::string_view early = {}, std::size_t largest_early_payload = 0);

  // The next event: parsed from what is buffered, reading only when that is used up.
  boost::asio::awaitable<std::error_code> read_event(event& ev);
  // The two steps of read_event, for a loop that handles many events per read
  // without a coroutine call for each: the next event already buffered (false with
  // `ec` clear when more bytes are needed), and reading more bytes.
  bool next_buffered_event(event& ev, std::error_code& ec);
  boost::asio::awaitable<std::error_code> read_more();
  boost::asio::awaitable<std::error_code> write(std::string_view bytes);
  void close();
  bool is_open() const { return transport_ != nullptr; }

 private:
  boost::asio::awaitable<opened> handshake(const server_url& url, const options& opts, std::string_view early,
                                           std::size_t largest_early_payload);
  boost::asio::awaitable<diagnostic> exchange_connect(const server_url& url, const options& opts,
                                                      std::string_view early, opened& out);
  void prepare_read_space();
  void grow_read_buffer(std::size_t size);

  boost::asio::any_io_executor ex_;
  std::unique_ptr<transport> transport_;
  parser parser_;
  // The read buffer; [rstart_, rend_) not parsed yet. Allocated without zero-filling,
  // so only the bytes that reads wrote cost memory.
  std::unique_ptr<char[]> rbuf_;
  std::size_t rsize_ = 0;
  std::size_t rstart_ = 0, rend_ = 0;
  bool read_filled_ = false;   // the last read filled the space it had: more is waiting
  bool received_any_ = false;  // since open(): tells "no answer at all" from "stopped answering"
};

}  // namespace remaphore::nats
