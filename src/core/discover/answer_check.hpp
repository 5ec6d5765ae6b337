// The requester's checks of a discovery reply, as for a request's replies: its form,
// clock skew, bound to our discovery request, from a configured peer, once per peer,
// its signature, and a status payload that reads. A reply signed by a key that is not
// among our peers is no answer; when it is bound to our request and signed by that
// key, it is reported as a stranger (a host re-keyed, or missing from [ Peers ]).
// Pure: the clock is passed in.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/peer_index.hpp"
#include "protocol/config.hpp"
#include "protocol/keys.hpp"
#include "protocol/status.hpp"

namespace remaphore::core {

enum class answer_drop { none, malformed, skew, unbound, unknown_peer, duplicate, bad_signature, bad_status };
const char* to_string(answer_drop d);

struct host_answer {
  const protocol::peer* peer = nullptr;  // null for a stranger
  std::string key_b58;                   // the key that signed the reply
  protocol::listener_status status;
};

class answer_check {
 public:
  answer_check(const protocol::config& cfg, const peer_index& peers, const protocol::digest& request_hash);

  // The answer of a configured peer, or nullopt with `why`; with unknown_peer,
  // `stranger` holds what a well-formed reply from an unknown key said.
  std::optional<host_answer> take(std::string_view wire, std::int64_t now_ns, answer_drop& why,
                                  std::optional<host_answer>& stranger);

 private:
  const protocol::config& cfg_;
  const peer_index& peers_;
  std::string binding_hex_;
  std::unordered_set<const protocol::peer*> answered_;
  std::unordered_set<std::string> strangers_;
};

}  // namespace remaphore::core
