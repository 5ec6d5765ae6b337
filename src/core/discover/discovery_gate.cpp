#include "core/discover/discovery_gate.hpp"

#include "protocol/envelope.hpp"
#include "protocol/pattern.hpp"
#include "protocol/skew.hpp"

namespace remaphore::core {
namespace {

// Discoveries are rare; this bounds what a flood of them can make us remember.
constexpr std::size_t max_remembered = 10000;

}  // namespace

const char* to_string(discovery_drop d) {
  switch (d) {
    case discovery_drop::none: return "answered";
    case discovery_drop::malformed: return "malformed message";
    case discovery_drop::not_discovery: return "not a discovery request";
    case discovery_drop::skew: return "send time outside allow_skew";
    case discovery_drop::destination: return "destination does not match";
    case discovery_drop::unknown_peer: return "sender is not a configured peer";
    case discovery_drop::not_allowed: return "peer is not allowed the verb discover";
    case discovery_drop::bad_signature: return "signature does not verify";
    case discovery_drop::replay: return "answered already";
  }
  return "unknown";
}

// An exact filter (-D X) takes only X itself; a discovery finds it by X as a node
// destination too, so that `--discover -D 'web.*'` lists a listener started with -D web.1.
bool discovery_reaches(std::string_view pattern, const protocol::listener_status& self) {
  switch (self.filter) {
    case protocol::destination_filter::any: return true;
    case protocol::destination_filter::exact:
      return pattern == self.destination || protocol::destination_matches(pattern, self.destination);
    case protocol::destination_filter::config: return protocol::destination_matches(pattern, self.destination);
  }
  return false;
}

discovery_gate::discovery_gate(const protocol::config& cfg, std::chrono::nanoseconds replay_window)
    : cfg_(cfg), peers_(cfg), answered_(replay_window, max_remembered) {}

discovery_verdict discovery_gate::check(std::string_view wire, const protocol::listener_status& self,
                                        std::int64_t now_ns, steady_time now) {
  discovery_verdict v;
  const auto drop = [&](discovery_drop d) {
    v.drop = d;
    return v;
  };
  protocol::envelope_text env;
  if (protocol::split(wire, env) != protocol::decode_error::ok) return drop(discovery_drop::malformed);
  if (env.verb != discover_verb || !env.request) return drop(discovery_drop::not_discovery);
  if (!protocol::within_skew(env.send_time_ns, now_ns, cfg_.allow_skew)) return drop(discovery_drop::skew);
  if (!discovery_reaches(env.destination, self)) return drop(discovery_drop::destination);
  v.sender_b58 = std::string(env.sender);
  v.peer = peers_.find(env.sender);
  if (!v.peer) return drop(discovery_drop::unknown_peer);
  if (!v.peer->allows(discover_verb)) return drop(discovery_drop::not_allowed);
  // The key that signed, decoded from the text the peer index found: with a peer
  // listed under two keys during a rotation, either may have signed.
  const auto key = protocol::parse_public_key(env.sender);
  const auto sig = protocol::decode_signature(env.signature);
  if (!key || !sig || !protocol::verify(*key, *sig, env.signed_part)) return drop(discovery_drop::bad_signature);
  v.hash = protocol::message_hash(wire);
  if (!answered_.insert(v.hash, {}, now)) return drop(discovery_drop::replay);
  return drop(discovery_drop::none);
}

}  // namespace remaphore::core
