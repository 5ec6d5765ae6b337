#include "core/reply.hpp"

#include "core/pipeline.hpp"

namespace remaphore::core {

std::vector<std::uint8_t> reply_binding(const std::array<std::uint8_t, 32>& request_hash) {
  return {request_hash.begin(), request_hash.begin() + protocol::uuid_size};
}

std::string make_reply(const protocol::identity& id, const std::array<std::uint8_t, 32>& request_hash,
                       std::string_view payload, std::int64_t now_ns) {
  protocol::envelope_fields f;
  f.destination = "";
  f.send_time_ns = now_ns;
  f.uuid = reply_binding(request_hash);
  f.verb = "reply";
  f.request = false;
  f.payload = std::string(payload);
  return protocol::encode(id.priv, f);
}

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
                                 const std::array<std::uint8_t, 32>& request_hash)
    : cfg_(cfg), peers_(peers), binding_hex_(protocol::hex_encode(request_hash.data(), protocol::uuid_size)) {}

std::optional<reply_candidate> reply_collector::check(std::string_view wire, std::int64_t now_ns,
                                                      reply_drop& why) const {
  auto drop = [&](reply_drop r) {
    why = r;
    return std::nullopt;
  };
  protocol::envelope_text env;
  if (protocol::split(wire, env) != protocol::decode_error::ok) return drop(reply_drop::malformed);
  if (!within_skew(env.send_time_ns, now_ns, cfg_.allow_skew)) return drop(reply_drop::skew);
  const protocol::peer* peer = peers_.find(env.sender);
  if (!peer) return drop(reply_drop::unknown_peer);
  if (!cfg_.accept_unbound_replies && env.uuid_hex != binding_hex_) return drop(reply_drop::unbound);
  if (answered_.contains(peer)) return drop(reply_drop::duplicate);
  why = reply_drop::none;
  return reply_candidate{peer, {&peer->pub, env.signature, env.signed_part}, env.payload};
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

std::optional<collected_reply> reply_collector::process(std::string_view wire, std::int64_t now_ns, reply_drop& why) {
  auto c = check(wire, now_ns, why);
  if (!c) return std::nullopt;
  return take(*c, signature_verifies(c->signed_by), why);
}

}  // namespace remaphore::core
