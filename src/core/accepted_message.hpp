// A message that passed every check of the receiving pipeline, and the filters a
// receiver applies: the types every feature of core shares.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "protocol/config.hpp"
#include "protocol/envelope.hpp"
#include "protocol/keys.hpp"

namespace remaphore::core {

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

// Owns its bytes. What a log line, an audit record or a command's environment says
// of the message is here once, as the envelope wrote it, not computed again by each.
struct accepted_message {
  protocol::envelope_fields fields;  // destination, send time, uuid, verb, request flag, payload
  protocol::public_key sender;
  std::string sender_b58;                // the sender's key as the envelope wrote it
  std::string uuid_hex;                  // the uuid as the envelope wrote it
  const protocol::peer* peer = nullptr;  // points into the receiver's config
  protocol::digest hash{};               // SHA-256 of the wire bytes
  std::string matched_destination;       // the node destination that matched ("" with -d)
  bool retained = false;                 // read back from the retained-signal stream
};

}  // namespace remaphore::core
