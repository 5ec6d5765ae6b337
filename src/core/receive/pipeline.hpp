// The receiving pipeline: what a receiver does with the bytes of one message,
// cheapest rejections first, so a message that is not for this node never costs a
// signature check and nothing from a message is acted on before it is verified.
//
//   1 decode   2 clock skew   3 peer known and allowed this verb
//   4 filters (destination, -u, -v, -p)   5 ed25519 verify   6 replay   -> accept
//
// Pure logic: no I/O, the clock is passed in. Each drop has a reason and a counter.
// The host-wide replay record, which takes a file lock, is asked after the pipeline,
// by the receiver (see receiver.hpp).
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/accepted_message.hpp"
#include "core/peer_index.hpp"
#include "core/replay_checks.hpp"
#include "protocol/config.hpp"
#include "protocol/envelope.hpp"

namespace remaphore::core {

enum class drop_reason {
  malformed = 0,
  skew,
  unknown_peer,
  verb_not_allowed,
  destination,
  uuid,
  verb_filter,
  sender_filter,
  bad_signature,
  replay,
  count_  // number of reasons
};
const char* to_string(drop_reason r);
// The reason as a metrics label value: "unknown_peer".
const char* label_of(drop_reason r);
// Drops that every receiver of a busy subject sees all the time (a message for other
// nodes, another uuid or verb): not a sign that anything is wrong.
bool is_routine(drop_reason r);
// The reason as a log line says it, with the decode error for a malformed message.
std::string_view describe_drop(drop_reason r, protocol::decode_error e);

struct verdict {
  std::optional<accepted_message> message;  // set when accepted
  drop_reason reason = drop_reason::malformed;
  protocol::decode_error decode = protocol::decode_error::ok;  // with malformed
  // With replay: the message's hash, and whether it asked for a reply (a request
  // published again by a requester that lost its connection).
  protocol::digest replayed_hash{};
  bool replayed_request = false;
  // What the message says of itself once it splits into fields (any drop after stage
  // 1): its sender key, destination and verb, unverified. Views into the bytes given
  // to process(): valid as long as they are.
  std::string_view claimed_sender, claimed_destination, claimed_verb;
};

class pipeline {
 public:
  // `seen`: the memory of accepted hashes that stage 6 asks (and fills).
  pipeline(const protocol::config& cfg, filters f, replay_memory& seen);

  // `retained_for` > 0 for a message delivered from the retained-signal stream: its
  // send time may then lie up to that much further in the past. `mono` is the replay
  // memory's clock (read only when a message gets that far, when left default).
  verdict process(std::string_view wire, std::int64_t now_ns, steady_time mono = {},
                  std::chrono::nanoseconds retained_for = std::chrono::nanoseconds(0));

  // A message this pipeline accepted that the host-wide record then showed to be a
  // replay for this receiver: it counts as dropped for that reason instead.
  void overrule_as_replay(verdict& v);

  std::uint64_t dropped(drop_reason r) const { return counters_[static_cast<std::size_t>(r)]; }
  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t signature_checks() const { return signature_checks_; }

 private:
  std::optional<drop_reason> cheap_checks(const protocol::envelope_text& env, std::int64_t now_ns,
                                          std::chrono::nanoseconds retained_for, const protocol::peer*& peer);
  accepted_message accept(const protocol::envelope_text& env, const protocol::peer* peer,
                          const protocol::public_key& signer, const protocol::digest& hash, bool retained) const;

  const protocol::config& cfg_;
  filters filters_;
  std::optional<std::string> uuid_hex_;    // filters_.uuid as the envelope writes it
  std::optional<std::string> sender_b58_;  // filters_.sender as the envelope writes it
  peer_index peers_;
  replay_memory& seen_;
  std::array<std::uint64_t, static_cast<std::size_t>(drop_reason::count_)> counters_{};
  std::uint64_t accepted_ = 0;
  std::uint64_t signature_checks_ = 0;
};

}  // namespace remaphore::core
