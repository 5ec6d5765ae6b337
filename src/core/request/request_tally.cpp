#include "core/request/request_tally.hpp"

namespace remaphore::core {

void request_tally::expect(const protocol::peer* p) {
  if (known_.insert(p).second) order_.push_back(p);
}

bool request_tally::record(const protocol::peer* p, const reply_status& s) {
  expect(p);
  return answers_.emplace(p, s).second;
}

const reply_status* request_tally::answer_of(const protocol::peer* p) const {
  auto it = answers_.find(p);
  return it == answers_.end() ? nullptr : &it->second;
}

std::size_t request_tally::failed() const {
  std::size_t n = 0;
  for (const auto& [peer, status] : answers_) n += status.failed() ? 1 : 0;
  return n;
}

void request_tally::interrupt(const protocol::peer* p) {
  if (known_.contains(p) && !answers_.contains(p)) interrupted_.insert(p);
}

std::vector<const protocol::peer*> request_tally::silent() const {
  std::vector<const protocol::peer*> out;
  for (const auto* p : order_)
    if (!answers_.contains(p) && !interrupted_.contains(p)) out.push_back(p);
  return out;
}

std::vector<const protocol::peer*> request_tally::interrupted() const {
  std::vector<const protocol::peer*> out;
  for (const auto* p : order_)
    if (interrupted_.contains(p) && !answers_.contains(p)) out.push_back(p);
  return out;
}

std::vector<std::pair<const protocol::peer*, reply_status>> request_tally::failures() const {
  std::vector<std::pair<const protocol::peer*, reply_status>> out;
  for (const auto* p : order_) {
    auto it = answers_.find(p);
    if (it != answers_.end() && it->second.failed()) out.emplace_back(p, it->second);
  }
  return out;
}

outcome outcome_of(const request_summary& s, bool strict) {
  const auto& t = *s.tally;
  if (s.stopped == batch_stop::lost || s.stopped == batch_stop::interrupted) return outcome::failed;
  if (!strict) return t.answered() > 0 ? outcome::done : outcome::timed_out;
  bool all_well = t.answered() == t.asked() && t.failed() == 0 && s.not_asked.empty();
  return all_well && t.asked() > 0 ? outcome::done : outcome::timed_out;
}

}  // namespace remaphore::core
