#include "protocol/listen_address.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace remaphore::protocol {
namespace {

bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 || ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v == 0 || v > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

}  // namespace

std::optional<listen_address> parse_listen_address(std::string_view text, std::string& why) {
  const auto colon = text.rfind(':');
  std::string_view host = colon == std::string_view::npos ? std::string_view() : text.substr(0, colon);
  const auto port_text = colon == std::string_view::npos ? text : text.substr(colon + 1);
  const auto port = parse_port(port_text);
  if (!port) {
    why = "'" + std::string(port_text) + "' is not a port from 1 to 65535 (write ADDRESS:PORT, or PORT for 127.0.0.1)";
    return std::nullopt;
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    why = "an IPv6 address needs brackets: [" + std::string(host) + "]:" + std::string(port_text);
    return std::nullopt;
  }
  listen_address a{host.empty() || host == "localhost" ? std::string("127.0.0.1") : std::string(host), *port};
  if (!is_ip_literal(a.host)) {
    why = "'" + a.host + "' is not an IP address (127.0.0.1, 0.0.0.0, [::1], ...)";
    return std::nullopt;
  }
  return a;
}

std::string to_string(const listen_address& a) {
  const bool v6 = a.host.find(':') != std::string::npos;
  return (v6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port);
}

}  // namespace remaphore::protocol
