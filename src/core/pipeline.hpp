// The receiving pipeline: what a receiver does with the bytes of one message,
// cheapest rejections first, so a message that is not for this node never costs a
// signature check and nothing from a message is acted on before it is verified.
//
//   1 decode   2 clock skew   3 peer known and allowed this verb
//   4 filters (destination, -u, -v, -p)   5 ed25519 verify   6 replay   -> accept
//
// Pure logic: no I/O, the clock is passed in. Each drop has a reason and a counter.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/host_replay.hpp"
#include "core/peer_index.hpp"
#include "core/replay_cache.hpp"
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
// Drops that every receiver of a busy subject sees all the time (a message for other
// nodes, another uuid or verb): not a sign that anything is wrong.
bool is_routine(drop_reason r);
// The reason as a log line says it, with the decode error for a malformed message.
std::string_view describe_drop(drop_reason r, protocol::decode_error e);

struct filters {
  // Destination: by default the config's destination is matched against the
  // message's pattern; `exact_destination` (-D) instead requires the message's
  // destination to be exactly this text; `no_destination` (-d) skips the check.
  std::optional<std::string> exact_destination;
  bool no_destination = false;
  std::optional<std::vector<std::uint8_t>> uuid;  // after the uuid transform
  std::vector<std::string> verbs;                 // empty: any verb
  std::optional<protocol::public_key> sender;
};

// A message that passed every stage. Owns its bytes.
struct accepted_message {
  protocol::envelope_fields fields;  // destination, send time, uuid, verb, request flag, payload
  protocol::public_key sender;
  const protocol::peer* peer = nullptr;  // points into the pipeline's config
  std::array<std::uint8_t, 32> hash{};
  std::string matched_destination;  // the node destination that matched ("" with -d)
};

struct verdict {
  std::optional<accepted_message> message;  // set when accepted
  drop_reason reason = drop_reason::malformed;
  protocol::decode_error decode = protocol::decode_error::ok;  // with malformed
  // With replay: the message's hash, and whether it asked for a reply (a request
  // published again by a requester that lost its connection).
  std::array<std::uint8_t, 32> replayed_hash{};
  bool replayed_request = false;
};

class pipeline {
 public:
  // `replay_window`: how long accepted hashes are kept; 0 for twice allow_skew.
  pipeline(const protocol::config& cfg, filters f, std::size_t replay_capacity = 100000,
           std::chrono::nanoseconds replay_window = std::chrono::nanoseconds(0));

  // `retained_for` > 0 for a message delivered from the retained-signal stream: its
  // send time may then lie up to that much further in the past. `mono` is the replay
  // cache's clock (read only when a message gets that far when left default).
  verdict process(std::string_view wire, std::int64_t now_ns, replay_cache::clock::time_point mono = {},
                  std::chrono::nanoseconds retained_for = std::chrono::nanoseconds(0));

  // Stage 6 also asks the host-wide record: a live message the host first accepted
  // before `subscribed_at` cannot be a fresh delivery to this receiver. (Retained
  // signals are asked for on purpose and skip it.) Null: this process's cache only.
  void use_host_record(host_replay* record, replay_cache::clock::time_point subscribed_at);
  // Why the host record could not be used for a message since the last call, if so.
  std::optional<std::string> take_host_problem();

  std::uint64_t dropped(drop_reason r) const { return counters_[static_cast<std::size_t>(r)]; }
  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t signature_checks() const { return signature_checks_; }

 private:
  bool first_on_host_before_us(const std::array<std::uint8_t, 32>& hash, replay_cache::clock::time_point now);
  std::optional<drop_reason> cheap_checks(const protocol::envelope_text& env, std::int64_t now_ns,
                                          std::chrono::nanoseconds retained_for, const protocol::peer*& peer);

  const protocol::config& cfg_;
  filters filters_;
  std::optional<std::string> uuid_hex_;    // filters_.uuid as the envelope writes it
  std::optional<std::string> sender_b58_;  // filters_.sender as the envelope writes it
  peer_index peers_;
  host_replay* host_ = nullptr;
  replay_cache::clock::time_point subscribed_at_{};
  std::optional<std::string> host_problem_;
  replay_cache replay_;
  std::array<std::uint64_t, static_cast<std::size_t>(drop_reason::count_)> counters_{};
  std::uint64_t accepted_ = 0;
  std::uint64_t signature_checks_ = 0;
};

// How long a message's hash must be remembered: twice allow_skew, saturating.
std::chrono::nanoseconds replay_window(std::chrono::nanoseconds allow_skew);

// True when |now - send_time| <= allow_skew, without overflow for any input.
bool within_skew(std::int64_t send_time_ns, std::int64_t now_ns, std::chrono::nanoseconds allow_skew);

}  // namespace remaphore::core
