#include "core/pipeline.hpp"

#include <algorithm>

#include "protocol/pattern.hpp"

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

bool is_routine(drop_reason r) {
  return r == drop_reason::destination || r == drop_reason::uuid || r == drop_reason::verb_filter ||
         r == drop_reason::sender_filter;
}

bool within_skew(std::int64_t send_time_ns, std::int64_t now_ns, std::chrono::nanoseconds allow_skew) {
  // Compute |now - send| in unsigned arithmetic: both may be anywhere in int64.
  std::uint64_t a = static_cast<std::uint64_t>(now_ns), b = static_cast<std::uint64_t>(send_time_ns);
  std::uint64_t diff = now_ns >= send_time_ns ? a - b : b - a;
  auto skew = allow_skew.count();
  return skew >= 0 && diff <= static_cast<std::uint64_t>(skew);
}

// A hash must be remembered as long as its message can pass the skew check:
// send_time may be up to allow_skew ahead of or behind our clock. allow_skew can be
// as large as a Go duration goes; doubling that must saturate, not wrap to a
// negative window that forgets every hash at once.
static std::chrono::nanoseconds replay_window(std::chrono::nanoseconds allow_skew) {
  constexpr auto max = std::chrono::nanoseconds::max();
  return allow_skew > max / 2 ? max : allow_skew * 2;
}

pipeline::pipeline(const protocol::config& cfg, filters f, std::size_t replay_capacity)
    : cfg_(cfg), filters_(std::move(f)), replay_(replay_window(cfg.allow_skew), replay_capacity) {}

verdict pipeline::process(std::string_view wire, std::int64_t now_ns, replay_cache::clock::time_point mono,
                          std::chrono::nanoseconds retained_for) {
  verdict v;
  auto drop = [&](drop_reason r) {
    ++counters_[static_cast<std::size_t>(r)];
    v.reason = r;
    return v;
  };

  // 1. Parse.
  protocol::envelope_view env;
  v.decode = protocol::decode(wire, env);
  if (v.decode != protocol::decode_error::ok) return drop(drop_reason::malformed);

  // 2. Clock skew.
  bool fresh = within_skew(env.send_time_ns, now_ns, cfg_.allow_skew);
  if (!fresh && retained_for.count() > 0 && env.send_time_ns < now_ns) {
    // A retained signal: old, but not older than the window the receiver asked for.
    std::uint64_t age = static_cast<std::uint64_t>(now_ns) - static_cast<std::uint64_t>(env.send_time_ns);
    fresh = age <= static_cast<std::uint64_t>(retained_for.count()) + static_cast<std::uint64_t>(cfg_.allow_skew.count());
  }
  if (!fresh) return drop(drop_reason::skew);

  // 3. Peer known, and allowed this verb.
  const protocol::peer* peer = cfg_.find_peer(env.sender);
  if (!peer) return drop(drop_reason::unknown_peer);
  if (!peer->allows(env.verb)) return drop(drop_reason::verb_not_allowed);

  // 4. Filters.
  std::string matched;
  if (filters_.exact_destination) {
    if (env.destination != *filters_.exact_destination) return drop(drop_reason::destination);
    matched = *filters_.exact_destination;
  } else if (!filters_.no_destination) {
    if (!protocol::destination_matches(env.destination, cfg_.destination)) return drop(drop_reason::destination);
    matched = cfg_.destination;
  }
  if (filters_.uuid && env.uuid != *filters_.uuid) return drop(drop_reason::uuid);
  if (!filters_.verbs.empty() &&
      std::find(filters_.verbs.begin(), filters_.verbs.end(), env.verb) == filters_.verbs.end())
    return drop(drop_reason::verb_filter);
  if (filters_.sender && !(env.sender == *filters_.sender)) return drop(drop_reason::sender_filter);

  // 5. Signature: only now is the message trusted.
  ++signature_checks_;
  if (!protocol::verify_signature(env)) return drop(drop_reason::bad_signature);

  // 6. Replay.
  auto hash = protocol::message_hash(wire);
  if (!replay_.insert(hash, mono)) return drop(drop_reason::replay);

  ++accepted_;
  accepted_message m;
  m.fields.destination = std::string(env.destination);
  m.fields.send_time_ns = env.send_time_ns;
  m.fields.uuid = env.uuid;
  m.fields.verb = std::string(env.verb);
  m.fields.request = env.request;
  m.fields.payload = std::string(env.payload);
  m.sender = env.sender;
  m.peer = peer;
  m.hash = hash;
  m.matched_destination = std::move(matched);
  v.message = std::move(m);
  return v;
}

}  // namespace remaphore::core
