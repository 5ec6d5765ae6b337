#include "core/pipeline.hpp"

#include <algorithm>
#include <utility>

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
std::chrono::nanoseconds replay_window(std::chrono::nanoseconds allow_skew) {
  constexpr auto max = std::chrono::nanoseconds::max();
  return allow_skew > max / 2 ? max : allow_skew * 2;
}

pipeline::pipeline(const protocol::config& cfg, filters f, std::size_t replay_capacity, std::chrono::nanoseconds window)
    : cfg_(cfg),
      filters_(std::move(f)),
      peers_(cfg),
      replay_(window.count() > 0 ? window : replay_window(cfg.allow_skew), replay_capacity) {
  if (filters_.uuid) uuid_hex_ = protocol::hex_encode(filters_.uuid->data(), filters_.uuid->size());
  if (filters_.sender) sender_b58_ = filters_.sender->to_base58();
}

static bool retained_within(std::int64_t send_time_ns, std::int64_t now_ns, std::chrono::nanoseconds retained_for,
                            std::chrono::nanoseconds allow_skew) {
  if (retained_for.count() <= 0 || send_time_ns >= now_ns) return false;
  std::uint64_t age = static_cast<std::uint64_t>(now_ns) - static_cast<std::uint64_t>(send_time_ns);
  return age <= static_cast<std::uint64_t>(retained_for.count()) + static_cast<std::uint64_t>(allow_skew.count());
}

// Stages 2 to 4: everything that needs no decoding beyond the split, cheapest first.
std::optional<drop_reason> pipeline::cheap_checks(const protocol::envelope_text& env, std::int64_t now_ns,
                                                  std::chrono::nanoseconds retained_for, const protocol::peer*& peer) {
  // A retained signal may be old, but not older than the window the receiver asked for.
  if (!within_skew(env.send_time_ns, now_ns, cfg_.allow_skew) &&
      !retained_within(env.send_time_ns, now_ns, retained_for, cfg_.allow_skew))
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

static accepted_message accept(const protocol::envelope_text& env, const protocol::peer* peer,
                               const std::array<std::uint8_t, 32>& hash, std::string matched) {
  accepted_message m;
  m.fields.destination = std::string(env.destination);
  m.fields.send_time_ns = env.send_time_ns;
  m.fields.uuid = protocol::decode_uuid_hex(env.uuid_hex);
  m.fields.verb = std::string(env.verb);
  m.fields.request = env.request;
  m.fields.payload = std::string(env.payload);
  m.sender = peer->pub;
  m.peer = peer;
  m.hash = hash;
  m.matched_destination = std::move(matched);
  return m;
}

void pipeline::use_host_record(host_replay* record, replay_cache::clock::time_point subscribed_at) {
  host_ = record;
  subscribed_at_ = subscribed_at;
}

std::optional<std::string> pipeline::take_host_problem() { return std::exchange(host_problem_, std::nullopt); }

bool pipeline::first_on_host_before_us(const std::array<std::uint8_t, 32>& hash, replay_cache::clock::time_point now) {
  auto r = host_->first_accepted(hash, now);
  if (!r.problem.empty()) host_problem_ = r.problem;
  return r.first && *r.first < subscribed_at_;
}

verdict pipeline::process(std::string_view wire, std::int64_t now_ns, replay_cache::clock::time_point mono,
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
  const protocol::peer* peer = nullptr;
  if (auto r = cheap_checks(env, now_ns, retained_for, peer)) return drop(*r);

  // 5. Signature: only now is the message trusted (the sender's key is the peer's).
  ++signature_checks_;
  auto sig = protocol::decode_signature(env.signature);
  if (!sig) {
    v.decode = protocol::decode_error::bad_signature;
    return drop(drop_reason::malformed);
  }
  if (!protocol::verify(peer->pub, *sig, env.signed_part)) return drop(drop_reason::bad_signature);

  // 6. Replay.
  auto hash = protocol::message_hash(wire);
  if (mono == replay_cache::clock::time_point{}) mono = replay_cache::clock::now();
  if (!replay_.insert(hash, mono) || (host_ && retained_for.count() == 0 && first_on_host_before_us(hash, mono))) {
    v.replayed_hash = hash;
    v.replayed_request = env.request;
    return drop(drop_reason::replay);
  }

  ++accepted_;
  std::string matched = filters_.exact_destination ? *filters_.exact_destination
                        : filters_.no_destination  ? std::string()
                                                   : cfg_.destination;
  v.message = accept(env, peer, hash, std::move(matched));
  return v;
}

}  // namespace remaphore::core
