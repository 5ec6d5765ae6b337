// A lock's stored records - a holder's slot record and a waiter's ticket - as signed
// envelopes (protocol/envelope, verb "lock"), like every message remaphore sends:
//   destination  the holder's own destination (from its config; may be empty)
//   uuid         the holder's random id for this run of remaphore (12 bytes)
//   payload      {"lock", "kind": "slot"|"wait", "slots", "slot", "token", "since"}
// A record that does not verify, or whose key is not a configured peer (or one of our
// identities) allowed to lock, still counts as held: it is shown as foreign, never
// taken over.
//
// Permission: an identity may take lock NAME when its verbs hold "lock" (every lock),
// "lock:NAME" (that lock) or "*"; a peer's record is trusted on the same terms.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/config.hpp"

namespace remaphore::core::lock {

inline constexpr std::string_view lock_verb = "lock";

struct record_fields {
  std::string lock;
  std::string kind = "slot";  // "slot" or "wait"
  unsigned slots = 0;
  unsigned slot = 0;
  std::uint64_t token = 0;    // 0 in the record that takes the slot: its own sequence is the token
  std::int64_t since_ns = 0;  // when the slot was taken (unix ns, the holder's clock)
};

bool may_lock(const std::vector<std::string>& verbs, std::string_view lock);

// The wire bytes of a record signed by `id`.
std::string encode_record(const protocol::identity& id, std::string_view destination,
                          const std::vector<std::uint8_t>& holder, const record_fields& f);

struct record_view {
  bool readable = false;  // an envelope with our payload: the fields below are filled
  bool foreign = true;    // not verified as a configured peer's (or ours) allowed to lock
  std::string why_foreign;
  std::string key;  // base58, as written
  std::string destination;
  std::string holder;  // hex
  std::int64_t written_ns = 0;
  record_fields fields;
};

record_view read_record(std::string_view wire, const protocol::config& cfg);

}  // namespace remaphore::core::lock
