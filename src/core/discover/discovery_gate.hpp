// The listener's checks of a discovery request, cheapest first, as the receiving
// pipeline orders its own: form (a signed request with verb "discover"), clock skew,
// destination, a configured peer allowed the verb "discover", the signature, and
// last whether this request was answered already. Pure: the clocks are passed in.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/expiring_map.hpp"
#include "core/peer_index.hpp"
#include "protocol/config.hpp"
#include "protocol/keys.hpp"
#include "protocol/status.hpp"

namespace remaphore::core {

inline constexpr std::string_view discover_verb = "discover";

enum class discovery_drop {
  none,           // answer it
  malformed,      // not an envelope
  not_discovery,  // another verb, or no reply asked for
  skew,
  destination,   // not for this listener
  unknown_peer,  // a key this listener does not know
  not_allowed,   // a peer without "discover" in its permissions
  bad_signature,
  replay,  // answered already
};
const char* to_string(discovery_drop d);

struct discovery_verdict {
  discovery_drop drop = discovery_drop::malformed;
  const protocol::peer* peer = nullptr;  // with none and not_allowed
  std::string sender_b58;                // from unknown_peer on: the key that signed
  protocol::digest hash{};               // with none: what the reply is bound to
};

// True when a message to `pattern` is for a listener with this destination filter.
bool discovery_reaches(std::string_view pattern, const protocol::listener_status& self);

class discovery_gate {
 public:
  using steady_time = std::chrono::steady_clock::time_point;
  discovery_gate(const protocol::config& cfg, std::chrono::nanoseconds replay_window);

  discovery_verdict check(std::string_view wire, const protocol::listener_status& self, std::int64_t now_ns,
                          steady_time now);

 private:
  struct nothing {};
  const protocol::config& cfg_;
  peer_index peers_;
  expiring_map<nothing> answered_;
};

}  // namespace remaphore::core
