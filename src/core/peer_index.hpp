// Peers by the base58 text of their key, so that a message's sender is found
// without decoding it (base58 text and key bytes correspond one to one): the
// receiver drops messages from unknown senders at the cost of a hash lookup, and a
// requester with 10,000 peers finds each reply's sender in constant time.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "protocol/config.hpp"

namespace remaphore::core {

class peer_index {
 public:
  explicit peer_index(const protocol::config& cfg);
  const protocol::peer* find(std::string_view key_b58) const;

 private:
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, const protocol::peer*, text_hash, std::equal_to<>> by_text_;
};

}  // namespace remaphore::core
