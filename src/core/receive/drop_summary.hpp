// Repeated drops, summarised: at most one line per reason per period, carrying the
// number of drops since that reason's previous line. The first drop of a quiet reason
// is reported at once; a burst becomes one line a second instead of one per message,
// and what is still unreported when the receiver ends is reported then.
//
// Pure: the clock is passed in; the receiver logs the lines and arms a timer for
// next_due().
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace remaphore::core {

class drop_summary {
 public:
  using clock = std::chrono::steady_clock;

  struct line {
    std::string reason;
    std::uint64_t count = 0;
    clock::duration over{};  // since the reason's previous line (0 for a first report)
    std::string detail;      // of the line's first drop (note_detail), or empty
  };

  explicit drop_summary(clock::duration period = std::chrono::seconds(1)) : period_(period) {}

  // Counts one drop. True when it is the first of its line: its detail (who sent it,
  // what it claimed) is then worth keeping for the line, with note_detail().
  bool add(std::string_view reason);
  void note_detail(std::string_view reason, std::string detail);
  // Lines whose period has passed, in reason order; they count as reported.
  std::vector<line> take_due(clock::time_point now);
  // Every reason with unreported drops, due or not (when the receiver ends).
  std::vector<line> take_all(clock::time_point now);
  // When take_due will next return something; nullopt when nothing is pending.
  std::optional<clock::time_point> next_due() const;

 private:
  struct state {
    std::uint64_t pending = 0;
    std::optional<clock::time_point> last_report;
    std::string detail;
  };
  std::vector<line> take(clock::time_point now, bool only_due);

  clock::duration period_;
  std::map<std::string, state, std::less<>> reasons_;
};

// "command queue full: 4,934 messages dropped in the last 1.0s", then " (first: DETAIL)"
// when the line has one.
std::string describe(const drop_summary::line& l);

// 4934 -> "4,934".
std::string group_thousands(std::uint64_t n);

}  // namespace remaphore::core
