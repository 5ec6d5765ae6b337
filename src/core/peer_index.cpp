#include "core/peer_index.hpp"

namespace remaphore::core {

peer_index::peer_index(const protocol::config& cfg) {
  // The first entry wins, as in the Go tool (config::find_peer).
  for (const auto& p : cfg.peers) by_text_.emplace(p.pub.to_base58(), &p);
}

const protocol::peer* peer_index::find(std::string_view key_b58) const {
  auto it = by_text_.find(key_b58);
  return it == by_text_.end() ? nullptr : it->second;
}

}  // namespace remaphore::core
