#include "core/discover/answer_check.hpp"

#include "protocol/envelope.hpp"
#include "protocol/skew.hpp"

namespace remaphore::core {

const char* to_string(answer_drop d) {
  switch (d) {
    case answer_drop::none: return "accepted";
    case answer_drop::malformed: return "malformed reply";
    case answer_drop::skew: return "reply send time outside allow_skew";
    case answer_drop::unbound: return "reply not bound to this discovery";
    case answer_drop::unknown_peer: return "reply from a key that is not a configured peer";
    case answer_drop::duplicate: return "second reply from the same peer";
    case answer_drop::bad_signature: return "reply signature does not verify";
    case answer_drop::bad_status: return "reply is not a status";
  }
  return "unknown";
}

answer_check::answer_check(const protocol::config& cfg, const peer_index& peers, const protocol::digest& request_hash)
    : cfg_(cfg), peers_(peers), binding_hex_(protocol::hex_encode(request_hash.data(), protocol::uuid_size)) {}

namespace {

constexpr std::size_t most_strangers = 100;

// The status a reply carries when its signature verifies with the key it names.
std::optional<protocol::listener_status> signed_status(const protocol::envelope_text& env, answer_drop& why) {
  const auto key = protocol::parse_public_key(env.sender);
  const auto sig = protocol::decode_signature(env.signature);
  if (!key || !sig || !protocol::verify(*key, *sig, env.signed_part)) {
    why = answer_drop::bad_signature;
    return std::nullopt;
  }
  auto status = protocol::decode_status(env.payload);
  if (!status) why = answer_drop::bad_status;
  return status;
}

}  // namespace

std::optional<host_answer> answer_check::take(std::string_view wire, std::int64_t now_ns, answer_drop& why,
                                              std::optional<host_answer>& stranger) {
  stranger.reset();
  protocol::envelope_text env;
  why = answer_drop::malformed;
  if (protocol::split(wire, env) != protocol::decode_error::ok) return std::nullopt;
  why = answer_drop::skew;
  if (!protocol::within_skew(env.send_time_ns, now_ns, cfg_.allow_skew)) return std::nullopt;
  // Discovery replies come only from listeners of ours, which always bind them.
  why = answer_drop::unbound;
  if (env.uuid_hex != binding_hex_) return std::nullopt;
  const auto* peer = peers_.find(env.sender);
  why = !peer ? answer_drop::unknown_peer : answered_.contains(peer) ? answer_drop::duplicate : answer_drop::none;
  if (why == answer_drop::duplicate) return std::nullopt;
  // Each stranger is named once, and only so many: their signature checks cost time.
  if (!peer && (strangers_.size() >= most_strangers || !strangers_.insert(std::string(env.sender)).second))
    return std::nullopt;
  answer_drop bad = answer_drop::none;
  auto status = signed_status(env, bad);
  if (!status) {
    why = bad;
    return std::nullopt;
  }
  host_answer a{peer, std::string(env.sender), std::move(*status)};
  if (!peer) {
    stranger = std::move(a);
    return std::nullopt;
  }
  answered_.insert(peer);
  why = answer_drop::none;
  return a;
}

}  // namespace remaphore::core
