#include "core/discover/discovery_tally.hpp"

#include "core/peer_index.hpp"

namespace remaphore::core {

discovery_tally::discovery_tally(std::vector<const protocol::peer*> expected, std::string verb, std::string pattern,
                                 std::string asking_key)
    : expected_(std::move(expected)),
      is_expected_(expected_.begin(), expected_.end()),
      verb_(std::move(verb)),
      pattern_(std::move(pattern)),
      asking_key_(std::move(asking_key)) {}

std::optional<refusal> discovery_tally::record(const host_answer& a) {
  auto why = why_not_accepted(a.status, verb_, pattern_, asking_key_);
  const auto [at, added] = answers_.emplace(a.peer, !why);
  if (!added) return why;
  if (is_expected_.contains(a.peer)) ++expected_answered_;
  if (why) refused_.emplace_back(a.peer, *why);
  return why;
}

bool discovery_tally::all_answered() const { return expected_answered_ == expected_.size(); }

std::vector<const protocol::peer*> discovery_tally::no_answer() const {
  std::vector<const protocol::peer*> out;
  for (const auto* p : expected_)
    if (!answers_.contains(p)) out.push_back(p);
  return out;
}

}  // namespace remaphore::core
