#include "core/peer_index.hpp"

#include <map>

#include "protocol/pattern.hpp"

namespace remaphore::core {

peer_index::peer_index(const protocol::config& cfg) {
  std::map<std::string_view, const protocol::peer*> host_of;
  // The first entry wins, as in the Go tool (config::find_peer).
  for (const auto& p : cfg.peers) {
    const auto* host = host_of.try_emplace(p.destination, &p).first->second;
    by_text_.emplace(p.pub.to_base58(), known_key{host, &p.pub});
  }
}

const protocol::peer* peer_index::find(std::string_view key_b58) const {
  const auto* k = find_key(key_b58);
  return k ? k->host : nullptr;
}

const known_key* peer_index::find_key(std::string_view key_b58) const {
  auto it = by_text_.find(key_b58);
  return it == by_text_.end() ? nullptr : &it->second;
}

std::vector<const protocol::peer*> hosts_of(const protocol::config& cfg) {
  std::vector<const protocol::peer*> out;
  std::map<std::string_view, bool> seen;
  for (const auto& p : cfg.peers)
    if (seen.try_emplace(p.destination, true).second) out.push_back(&p);
  return out;
}

std::vector<const protocol::peer*> hosts_matching(const protocol::config& cfg, std::string_view pattern) {
  std::vector<const protocol::peer*> out;
  for (const auto* p : hosts_of(cfg))
    if (protocol::destination_matches(pattern, p->destination)) out.push_back(p);
  return out;
}

}  // namespace remaphore::core
