// Where a listener serves its metrics (config `metrics:`, --metrics): an IP address and
// a port. Loopback unless an address is given, so that nothing is exposed beyond the
// host by accident: "9469" and ":9469" mean 127.0.0.1:9469.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace remaphore::protocol {

struct listen_address {
  std::string host;  // an IPv4 or IPv6 literal, without brackets
  std::uint16_t port = 0;
  friend bool operator==(const listen_address&, const listen_address&) = default;
};

// "PORT", ":PORT", "IPv4:PORT", "[IPv6]:PORT" or "localhost:PORT" (read as 127.0.0.1);
// the port from 1 to 65535. Host names are refused: which interface a name stands for
// can change under a running listener. nullopt with `why` filled when the text is none
// of these.
std::optional<listen_address> parse_listen_address(std::string_view text, std::string& why);

// "127.0.0.1:9469", "[::1]:9469": the form parse_listen_address reads back.
std::string to_string(const listen_address& a);

}  // namespace remaphore::protocol
