// Replies to requests: building a responder's reply, and the requester's side that
// accepts each reply once, only from configured peers, only when it is bound to
// our request (or unbound replies are allowed for old responders).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "protocol/config.hpp"
#include "protocol/envelope.hpp"

namespace remaphore::core {

inline constexpr std::string_view no_data = "NO_DATA";

// The uuid a bound reply carries: the first 12 bytes of the request's hash.
std::vector<std::uint8_t> reply_binding(const std::array<std::uint8_t, 32>& request_hash);

// A reply envelope: empty destination, verb "reply", flag "_", payload
// "<exit code>,<output>" or NO_DATA.
std::string make_reply(const protocol::identity& id, const std::array<std::uint8_t, 32>& request_hash,
                       std::string_view payload, std::int64_t now_ns);

enum class reply_drop { none, malformed, skew, unknown_peer, bad_signature, unbound, duplicate };
const char* to_string(reply_drop r);

struct collected_reply {
  const protocol::peer* peer = nullptr;
  std::string payload;
};

class reply_collector {
 public:
  reply_collector(const protocol::config& cfg, const std::array<std::uint8_t, 32>& request_hash);
  // Accepts a reply (returns it) or says why not.
  std::optional<collected_reply> process(std::string_view wire, std::int64_t now_ns, reply_drop& why);

 private:
  const protocol::config& cfg_;
  std::vector<std::uint8_t> binding_;
  std::set<std::array<std::uint8_t, 32>> seen_;  // public keys that answered
};

}  // namespace remaphore::core
