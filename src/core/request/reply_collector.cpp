#include "core/request/reply_collector.hpp"

#include "protocol/skew.hpp"

namespace remaphore::core {

const char* to_string(reply_drop r) {
  switch (r) {
    case reply_drop::none: return "accepted";
    case reply_drop::malformed: return "malformed reply";
    case reply_drop::skew: return "reply send time outside allow_skew";
    case reply_drop::unknown_peer: return "reply from a key that is not a configured peer";
    case reply_drop::bad_signature: return "reply signature does not verify";
    case reply_drop::unbound: return "reply not bound to this request (set accept_unbound_replies for old responders)";
    case reply_drop::duplicate: return "second reply from the same responder";
  }
  return "unknown";
}

reply_collector::reply_collector(const protocol::config& cfg, const peer_index& peers,
                                 const protocol::digest& request_hash)
    : cfg_(cfg), peers_(peers), binding_hex_(protocol::hex_encode(request_hash.data(), protocol::uuid_size)) {}

std::optional<reply_candidate> reply_collector::check(std::string_view wire, std::int64_t now_ns,
                                                      reply_drop& why) const {
  auto drop = [&](reply_drop r) {
    why = r;
    return std::nullopt;
  };
  protocol::envelope_text env;
  if (protocol::split(wire, env) != protocol::decode_error::ok) return drop(reply_drop::malformed);
  if (!protocol::within_skew(env.send_time_ns, now_ns, cfg_.allow_skew)) return drop(reply_drop::skew);
  const auto* known = peers_.find_key(env.sender);
  if (!known) return drop(reply_drop::unknown_peer);
  const protocol::peer* peer = known->host;
  if (!cfg_.accept_unbound_replies && env.uuid_hex != binding_hex_) return drop(reply_drop::unbound);
  if (answered_.contains(peer)) return drop(reply_drop::duplicate);
  why = reply_drop::none;
  return reply_candidate{peer, {known->key, env.signature, env.signed_part}, env.payload};
}

std::optional<collected_reply> reply_collector::take(const reply_candidate& c, bool signature_ok, reply_drop& why) {
  // A burst may hold two replies of one peer, both checked before either was taken.
  why = !signature_ok                ? reply_drop::bad_signature
        : answered_.contains(c.peer) ? reply_drop::duplicate
                                     : reply_drop::none;
  if (why != reply_drop::none) return std::nullopt;
  answered_.insert(c.peer);
  return collected_reply{c.peer, std::string(c.payload)};
}

}  // namespace remaphore::core
