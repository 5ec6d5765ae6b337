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

reply_collector::reply_collector(const protocol::config& cfg, const std::array<std::uint8_t, 32>& request_hash)
    : cfg_(cfg), binding_(reply_binding(request_hash)) {}

std::optional<collected_reply> reply_collector::process(std::string_view wire, std::int64_t now_ns,
                                                        reply_drop& why) {
  protocol::envelope_view env;
  if (protocol::decode(wire, env) != protocol::decode_error::ok) {
    why = reply_drop::malformed;
    return std::nullopt;
  }
  if (!within_skew(env.send_time_ns, now_ns, cfg_.allow_skew)) {
    why = reply_drop::skew;
    return std::nullopt;
  }
  const protocol::peer* peer = cfg_.find_peer(env.sender);
  if (!peer) {
    why = reply_drop::unknown_peer;
    return std::nullopt;
  }
  if (!cfg_.accept_unbound_replies && env.uuid != binding_) {
    why = reply_drop::unbound;
    return std::nullopt;
  }
  if (seen_.contains(env.sender.bytes)) {
    why = reply_drop::duplicate;
    return std::nullopt;
  }
  if (!protocol::verify_signature(env)) {
    why = reply_drop::bad_signature;
    return std::nullopt;
  }
  seen_.insert(env.sender.bytes);
  why = reply_drop::none;
  return collected_reply{peer, std::string(env.payload)};
}

}  // namespace remaphore::core
