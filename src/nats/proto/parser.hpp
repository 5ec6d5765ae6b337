// Sans-I/O parser of the NATS server-to-client protocol.
//
// Flow: the connection appends bytes it read to its buffer, then calls parse() on
// the unconsumed part until it returns 0. parse() returns how many bytes the event
// it produced took; 0 with no error means "need more bytes" (the caller keeps the
// unconsumed tail and reads more). The event's views point into the buffer given
// to parse() and are valid until the caller discards or moves those bytes, so a
// message that arrived whole is never copied. A frame split across reads is parsed
// again from its start once complete: the parser keeps no partial state except the
// limits, which is why any split of the stream gives the same events.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <system_error>

namespace remaphore::nats {

struct parser_limits {
  std::size_t max_control_line = 4096;    // bytes before \r\n of an op line
  std::size_t max_payload = 1024 * 1024;  // MSG payload / HMSG total; INFO may change it
  std::size_t max_info_line = 64 * 1024;  // INFO lines can carry long connect_urls
};

enum class op { none, info, msg, hmsg, ping, pong, ok, err };

struct event {
  op kind = op::none;
  std::string_view subject;
  std::uint64_t sid = 0;
  std::string_view reply;    // empty when the message has no reply subject
  std::string_view headers;  // HMSG: the whole header block "NATS/1.0...\r\n\r\n"
  std::string_view payload;  // MSG/HMSG payload
  std::string_view text;     // INFO: the JSON; -ERR: the text without quotes
};

class parser {
 public:
  explicit parser(parser_limits limits = {}) : limits_(limits) {}

  // Parses one event from the front of `data`. Returns the bytes consumed (>0) with
  // `ev` filled; 0 and no error when more bytes are needed; 0 and `ec` set on a
  // protocol violation (the connection must be dropped).
  std::size_t parse(std::string_view data, event& ev, std::error_code& ec);

  void set_max_payload(std::size_t n) { limits_.max_payload = n; }
  const parser_limits& limits() const { return limits_; }

 private:
  parser_limits limits_;
};

// Parsed header block of an HMSG: status line and lookup.
struct header_view {
  int status = 0;                // 0 when the status line has no code
  std::string_view description;  // text after the status code
  std::string_view block;        // the whole block
  // First value of a header (case-insensitive name), empty view when absent.
  std::string_view get(std::string_view name) const;
};
// false when the block does not start with "NATS/1.0".
bool parse_headers(std::string_view block, header_view& out);

}  // namespace remaphore::nats
