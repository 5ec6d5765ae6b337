// The requester's side of replies (protocol/reply.hpp has their form): each reply is
// accepted once, only from configured peers, only when it is bound to our request
// (or unbound replies are allowed for old responders).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/peer_index.hpp"
#include "core/request/signature_pool.hpp"
#include "protocol/config.hpp"
#include "protocol/envelope.hpp"

namespace remaphore::core {

enum class reply_drop { none, malformed, skew, unknown_peer, bad_signature, unbound, duplicate };
const char* to_string(reply_drop r);

struct collected_reply {
  const protocol::peer* peer = nullptr;
  std::string payload;
};

// A reply that passed every check before its signature: views into its bytes.
struct reply_candidate {
  const protocol::peer* peer = nullptr;
  signed_text signed_by;
  std::string_view payload;
};

// Checks in two steps, so that a burst of replies can have its signatures checked
// side by side between them: check() (form, skew, configured peer, bound to the
// request, not answered yet), then take() with the signature's verdict (once per peer).
class reply_collector {
 public:
  reply_collector(const protocol::config& cfg, const peer_index& peers, const protocol::digest& request_hash);
  std::optional<reply_candidate> check(std::string_view wire, std::int64_t now_ns, reply_drop& why) const;
  std::optional<collected_reply> take(const reply_candidate& c, bool signature_ok, reply_drop& why);

 private:
  const protocol::config& cfg_;
  const peer_index& peers_;
  std::string binding_hex_;
  std::unordered_set<const protocol::peer*> answered_;
};

}  // namespace remaphore::core
