#include "core/receive/drop_summary.hpp"

#include <cstdio>
#include <utility>

namespace remaphore::core {

bool drop_summary::add(std::string_view reason) {
  auto it = reasons_.find(reason);
  if (it == reasons_.end()) it = reasons_.emplace(std::string(reason), state{}).first;
  return ++it->second.pending == 1;
}

void drop_summary::note_detail(std::string_view reason, std::string detail) {
  if (auto it = reasons_.find(reason); it != reasons_.end()) it->second.detail = std::move(detail);
}

std::vector<drop_summary::line> drop_summary::take(clock::time_point now, bool only_due) {
  std::vector<line> out;
  for (auto& [reason, st] : reasons_) {
    if (st.pending == 0) continue;
    bool due = !st.last_report || now - *st.last_report >= period_;
    if (only_due && !due) continue;
    out.push_back(
        {reason, st.pending, st.last_report ? now - *st.last_report : clock::duration{}, std::exchange(st.detail, {})});
    st.pending = 0;
    st.last_report = now;
  }
  return out;
}

std::vector<drop_summary::line> drop_summary::take_due(clock::time_point now) { return take(now, true); }

std::vector<drop_summary::line> drop_summary::take_all(clock::time_point now) { return take(now, false); }

std::optional<drop_summary::clock::time_point> drop_summary::next_due() const {
  std::optional<clock::time_point> next;
  for (const auto& [reason, st] : reasons_) {
    if (st.pending == 0) continue;
    auto at = st.last_report ? *st.last_report + period_ : clock::time_point::min();
    if (!next || at < *next) next = at;
  }
  return next;
}

std::string group_thousands(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string describe(const drop_summary::line& l) {
  std::string out = l.reason + ": " + group_thousands(l.count) + (l.count == 1 ? " message" : " messages") + " dropped";
  if (l.over > drop_summary::clock::duration::zero()) {
    char buf[48];
    std::snprintf(buf, sizeof buf, " in the last %.1fs", std::chrono::duration<double>(l.over).count());
    out += buf;
  }
  if (!l.detail.empty()) out += " (first: " + l.detail + ")";
  return out;
}

}  // namespace remaphore::core
