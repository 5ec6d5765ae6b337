#include "core/receive/pipeline.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

#include "protocol/pattern.hpp"
#include "protocol/skew.hpp"

namespace remaphore::core {

const char* to_string(drop_reason r) {
  switch (r) {
    case drop_reason::malformed: return "malformed message";
    case drop_reason::skew: return "send time outside allow_skew";
    case drop_reason::unknown_peer: return "sender is not a configured peer";
    case drop_reason::verb_not_allowed: return "peer is not allowed this verb";
    case drop_reason::destination: return "destination does not match";
    case drop_reason::uuid: return "uuid does not match -u";
    case drop_reason::verb_filter: return "verb does not match -v";
    case drop_reason::sender_filter: return "sender does not match -p";
    case drop_reason::bad_signature: return "signature does not verify";
    case drop_reason::replay: return "replayed message";
    case drop_reason::count_: break;
  }
  return "unknown";
}

const char* label_of(drop_reason r) {
  static constexpr const char* labels[] = {"malformed",     "skew",  "unknown_peer", "verb_not_allowed",
                                           "destination",   "uuid",  "verb_filter",  "sender_filter",
                                           "bad_signature", "replay"};
  static_assert(std::size(labels) == static_cast<std::size_t>(drop_reason::count_));
  const auto i = static_cast<std::size_t>(r);
  return i < std::size(labels) ? labels[i] : "unknown";
}

std::string_view describe_drop(drop_reason r, protocol::decode_error e) {
  if (r != drop_reason::malformed) return to_string(r);
  // Built once: a flood of malformed messages must not build a string each.
  static const auto texts = [] {
    std::array<std::string, 16> t;
    for (std::size_t i = 0; i < t.size(); ++i)
      t[i] = std::string(to_string(drop_reason::malformed)) + " (" +
             protocol::to_string(static_cast<protocol::decode_error>(i)) + ")";
    return t;
  }();
  auto i = static_cast<std::size_t>(e);
  return i < texts.size() ? std::string_view(texts[i]) : std::string_view(to_string(r));
}

bool is_routine(drop_reason r) {
  return r == drop_reason::destination || r == drop_reason::uuid || r == drop_reason::verb_filter ||
         r == drop_reason::sender_filter;
}

pipeline::pipeline(const protocol::config& cfg, filters f, replay_memory& seen)
    : cfg_(cfg), filters_(std::move(f)), peers_(cfg), seen_(seen) {
  if (filters_.uuid) uuid_hex_ = protocol::hex_encode(filters_.uuid->data(), filters_.uuid->size());
  if (filters_.sender) sender_b58_ = filters_.sender->to_base58();
}

// Stages 2 to 4: everything that needs no decoding beyond the split, cheapest first.
std::optional<drop_reason> pipeline::cheap_checks(const protocol::envelope_text& env, std::int64_t now_ns,
                                                  std::chrono::nanoseconds retained_for, const protocol::peer*& peer) {
  // A retained signal may be old, but not older than the window the receiver asked for.
  if (!protocol::within_skew(env.send_time_ns, now_ns, cfg_.allow_skew) &&
      !protocol::retained_within(env.send_time_ns, now_ns, retained_for, cfg_.allow_skew))
    return drop_reason::skew;
  peer = peers_.find(env.sender);
  if (!peer) return drop_reason::unknown_peer;
  if (!peer->allows(env.verb)) return drop_reason::verb_not_allowed;
  if (filters_.exact_destination) {
    if (env.destination != *filters_.exact_destination) return drop_reason::destination;
  } else if (!filters_.no_destination && !protocol::destination_matches(env.destination, cfg_.destination)) {
    return drop_reason::destination;
  }
  if (uuid_hex_ && env.uuid_hex != *uuid_hex_) return drop_reason::uuid;
  if (!filters_.verbs.empty() &&
      std::find(filters_.verbs.begin(), filters_.verbs.end(), env.verb) == filters_.verbs.end())
    return drop_reason::verb_filter;
  if (sender_b58_ && env.sender != *sender_b58_) return drop_reason::sender_filter;
  return std::nullopt;
}

accepted_message pipeline::accept(const protocol::envelope_text& env, const protocol::peer* peer,
                                  const protocol::public_key& signer, const protocol::digest& hash,
                                  bool retained) const {
  accepted_message m;
  m.fields.destination = std::string(env.destination);
  m.fields.send_time_ns = env.send_time_ns;
  m.fields.uuid = protocol::decode_uuid_hex(env.uuid_hex);
  m.fields.verb = std::string(env.verb);
  m.fields.request = env.request;
  m.fields.payload = std::string(env.payload);
  m.sender = signer;
  m.sender_b58 = std::string(env.sender);
  m.uuid_hex = std::string(env.uuid_hex);
  m.peer = peer;
  m.hash = hash;
  m.matched_destination = filters_.exact_destination ? *filters_.exact_destination
                          : filters_.no_destination  ? std::string()
                                                     : cfg_.destination;
  m.retained = retained;
  return m;
}

void pipeline::overrule_as_replay(verdict& v) {
  if (!v.message) return;
  --accepted_;
  ++counters_[static_cast<std::size_t>(drop_reason::replay)];
  v.replayed_hash = v.message->hash;
  v.replayed_request = v.message->fields.request;
  v.reason = drop_reason::replay;
  v.message.reset();
}

verdict pipeline::process(std::string_view wire, std::int64_t now_ns, steady_time mono,
                          std::chrono::nanoseconds retained_for) {
  verdict v;
  auto drop = [&](drop_reason r) {
    ++counters_[static_cast<std::size_t>(r)];
    v.reason = r;
    return v;
  };
  // 1. Split into fields (nothing decoded yet), then 2-4, the cheap stages.
  protocol::envelope_text env;
  v.decode = protocol::split(wire, env);
  if (v.decode != protocol::decode_error::ok) return drop(drop_reason::malformed);
  v.claimed_sender = env.sender;
  v.claimed_destination = env.destination;
  v.claimed_verb = env.verb;
  const protocol::peer* peer = nullptr;
  if (auto r = cheap_checks(env, now_ns, retained_for, peer)) return drop(*r);

  // 5. Signature: only now is the message trusted (the sender's key is the peer's).
  ++signature_checks_;
  auto sig = protocol::decode_signature(env.signature);
  if (!sig) {
    v.decode = protocol::decode_error::bad_signature;
    return drop(drop_reason::malformed);
  }
  const auto* signer = peers_.find_key(env.sender)->key;  // found by cheap_checks: one of the host's keys
  if (!protocol::verify(*signer, *sig, env.signed_part)) return drop(drop_reason::bad_signature);

  // 6. Replay.
  auto hash = protocol::message_hash(wire);
  if (mono == steady_time{}) mono = std::chrono::steady_clock::now();
  if (!seen_.first_time(hash, mono)) {
    v.replayed_hash = hash;
    v.replayed_request = env.request;
    return drop(drop_reason::replay);
  }
  ++accepted_;
  v.message = accept(env, peer, *signer, hash, retained_for.count() > 0);
  return v;
}

}  // namespace remaphore::core
