// A listener's status, as a discovery reply carries it: the payload of an ordinary
// reply envelope (protocol/reply.hpp), a JSON object. What it says comes from another
// host: decode_status() takes any bytes, keeps the fields it knows in their types and
// ignores the rest, so that a newer listener can say more without breaking an older
// requester.
//
//   {"destination":"com.x.web.1","destination_filter":"config","version":"0.1.0",
//    "uptime_ms":12000,"subject":"remaphore.all","verbs_for_you":["*"],"verb_filter":[],
//    "sender_filter":null,"uuid_filter":false,"command":true,"queue":0,
//    "last_accepted_ns":1767225600000000000,"locks":[],"replay_record":"on"}
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace remaphore::protocol {

// How a listener matches a message's destination: against its config's destination
// (the pattern must match it), against the exact text of -D, or not at all (-d).
enum class destination_filter { config, exact, any };
const char* to_string(destination_filter f);

struct listener_status {
  std::string destination;  // the node destination it matches ("" with -d)
  destination_filter filter = destination_filter::config;
  std::string version;
  std::int64_t uptime_ms = 0;
  std::string subject;                           // the live subject it listens on
  std::vector<std::string> verbs_for_you;        // what the asking key may send it ("*" = every verb)
  std::vector<std::string> verb_filter;          // -v; empty: any verb
  std::optional<std::string> sender_filter;      // -p: the only sender it takes (base58)
  bool uuid_filter = false;                      // -u: it waits for one message id
  bool command = false;                          // it runs a command for what it accepts
  std::uint64_t queue = 0;                       // commands waiting to run
  std::optional<std::int64_t> last_accepted_ns;  // unix time of the last accepted message
  std::vector<std::string> locks;                // fleet-wide locks it holds
  std::string replay_record;                     // "on", "off" or "unusable"
  friend bool operator==(const listener_status&, const listener_status&) = default;
};

std::string encode_status(const listener_status& s);
// nullopt when the bytes are not a JSON object; fields of the wrong type are left at
// their defaults.
std::optional<listener_status> decode_status(std::string_view payload);

}  // namespace remaphore::protocol
