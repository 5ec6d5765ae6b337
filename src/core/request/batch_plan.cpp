#include "core/request/batch_plan.hpp"

#include "core/peer_index.hpp"

#include <algorithm>
#include <map>
#include <string_view>

namespace remaphore::core {

batch_plan batch_plan::single(std::string pattern, std::vector<const protocol::peer*> peers) {
  batch_plan p;
  p.batches_.push_back({request_target{std::move(pattern), std::move(peers)}});
  return p;
}

batch_plan batch_plan::rolling(const std::vector<const protocol::peer*>& peers, std::size_t size) {
  std::vector<request_target> targets;
  std::map<std::string_view, std::size_t> target_of;  // destination -> index in targets
  for (const auto* peer : peers) {
    auto [at, added] = target_of.try_emplace(peer->destination, targets.size());
    if (added)
      targets.push_back({peer->destination, {peer}});
    else
      targets[at->second].peers.push_back(peer);
  }
  batch_plan p;
  size = std::max<std::size_t>(size, 1);
  for (std::size_t i = 0; i < targets.size(); i += size) {
    auto end = targets.begin() + static_cast<std::ptrdiff_t>(std::min(i + size, targets.size()));
    p.batches_.emplace_back(std::make_move_iterator(targets.begin() + static_cast<std::ptrdiff_t>(i)),
                            std::make_move_iterator(end));
  }
  return p;
}

std::vector<const protocol::peer*> batch_plan::peers_from(std::size_t first) const {
  std::vector<const protocol::peer*> out;
  for (std::size_t b = first; b < batches_.size(); ++b)
    for (const auto& target : batches_[b]) out.insert(out.end(), target.peers.begin(), target.peers.end());
  return out;
}

const char* to_string(batch_stop s) {
  switch (s) {
    case batch_stop::none: return "none";
    case batch_stop::failure: return "failure";
    case batch_stop::silence: return "silence";
    case batch_stop::deadline: return "deadline";
    case batch_stop::lost: return "lost";
    case batch_stop::interrupted: return "interrupted";
  }
  return "unknown";
}

batch_stop after_batch(const batch_result& r, bool stop_on_failure, bool deadline_passed) {
  if (stop_on_failure && r.failed > 0) return batch_stop::failure;
  if (stop_on_failure && r.silent > 0) return batch_stop::silence;
  if (deadline_passed) return batch_stop::deadline;
  return batch_stop::none;
}

std::optional<time_point> batch_deadline(time_point start, std::optional<std::chrono::nanoseconds> batch_timeout,
                                         std::optional<time_point> run_deadline) {
  if (!batch_timeout) return run_deadline;
  auto own = start + std::chrono::duration_cast<time_point::duration>(*batch_timeout);
  return run_deadline ? std::min(own, *run_deadline) : own;
}

}  // namespace remaphore::core
