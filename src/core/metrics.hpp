// A listener's metrics, shared by the features that count and the exporter that
// serves them (core/metrics/). What a feature counts anyway (the pipeline's drops,
// the command queue, the replies sent) it copies in when the exporter asks
// (refresh); what nobody else counts (commands by exit code and duration, the time of
// the last accepted message) it notes as it happens. One thread: the listener's.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace remaphore::core {

// Upper bounds of the command duration histogram's buckets, in seconds (+Inf after).
inline constexpr std::array<double, 13> command_duration_buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                                    1,     2.5,  5,     10,   30,  300};

struct command_durations {
  std::array<std::uint64_t, command_duration_buckets.size()> in_bucket{};  // not cumulative
  std::uint64_t count = 0;
  double sum_seconds = 0;
  void add(std::chrono::steady_clock::duration took);
};

struct listener_metrics {
  // Copied in by refresh().
  std::uint64_t received = 0, accepted = 0;
  std::vector<std::pair<std::string, std::uint64_t>> dropped;  // by reason (a label value)
  std::size_t queue_depth = 0;
  std::uint64_t replies_sent = 0;
  // Noted as it happens.
  std::map<int, std::uint64_t> commands_by_exit_code;
  command_durations command_seconds;
  std::optional<std::int64_t> last_accepted_unix_ns;

  void command_ran(int exit_code, std::chrono::steady_clock::duration took) {
    ++commands_by_exit_code[exit_code];
    command_seconds.add(took);
  }
  // The features that copy their counters in, called before every export.
  std::vector<std::function<void(listener_metrics&)>> refreshers;
  void refresh() {
    for (auto& f : refreshers) f(*this);
  }
};

inline void command_durations::add(std::chrono::steady_clock::duration took) {
  const double s = std::chrono::duration<double>(took).count();
  ++count;
  sum_seconds += s;
  for (std::size_t i = 0; i < command_duration_buckets.size(); ++i)
    if (s <= command_duration_buckets[i]) {
      ++in_bucket[i];
      return;
    }
}

}  // namespace remaphore::core
