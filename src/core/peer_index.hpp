// Peers by the base58 text of their key, so that a message's sender is found
// without decoding it (base58 text and key bytes correspond one to one): the
// receiver drops messages from unknown senders at the cost of a hash lookup, and a
// requester with 10,000 peers finds each reply's sender in constant time.
//
// A destination names one host. Listed on two lines with two keys (a key rotation:
// the old key and the new), it is one host that may sign with either: each key is
// found as that host, the peer of its first line, so that a request counts it once
// and its reply is taken once, whichever key signed it. The signature is still
// checked against the key that signed.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "protocol/config.hpp"

namespace remaphore::core {

struct known_key {
  const protocol::peer* host;       // the first [ Peers ] line of its destination
  const protocol::public_key* key;  // the key itself
};

class peer_index {
 public:
  explicit peer_index(const protocol::config& cfg);
  // The host `key_b58` belongs to, or nullptr.
  const protocol::peer* find(std::string_view key_b58) const;
  const known_key* find_key(std::string_view key_b58) const;

 private:
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, known_key, text_hash, std::equal_to<>> by_text_;
};

// The hosts of `cfg`: each destination once, by its first [ Peers ] line, in config order.
std::vector<const protocol::peer*> hosts_of(const protocol::config& cfg);
// The hosts whose destination matches `pattern`, in config order: whom a request or a
// discovery of `pattern` expects to hear from.
std::vector<const protocol::peer*> hosts_matching(const protocol::config& cfg, std::string_view pattern);

}  // namespace remaphore::core
