#include "app/replay_record.hpp"

#include "core/replay/record_places.hpp"
#include "log/log.hpp"
#include "protocol/skew.hpp"

namespace remaphore::app {

std::optional<core::replay_record> open_replay_record_of(const protocol::config& cfg) {
  auto where = core::resolve_replay_record(cfg.replay_record);
  if (where.off()) return std::nullopt;
  const std::string fallback = "; replays are checked within this process only";
  if (!where.why.empty()) {
    log::warn("no host-wide replay record: " + where.why + fallback);
    return std::nullopt;
  }
  auto opened = core::open_replay_record(where.path, protocol::replay_window(cfg.allow_skew));
  if (!opened.record) {
    log::warn("no host-wide replay record at " + where.path.string() + ": " + opened.why + fallback);
    return std::nullopt;
  }
  if (!opened.rebuilt.empty())
    log::warn("host-wide replay record " + where.path.string() + " rebuilt: " + opened.rebuilt);
  return std::move(opened.record);
}

bool check_replay_record_place(const std::string& config_path, const protocol::config& cfg) {
  auto where = core::resolve_replay_record(cfg.replay_record);
  if (where.path.empty()) return true;  // off, or no place: receivers say so themselves
  const auto why = core::why_not_a_replay_record(where.path);
  if (why.empty()) return true;
  log::error(cfg.lines.where("replay_record", config_path) + "replay record " + where.path.string() + ": " + why +
             "; receivers would use no host-wide record");
  return false;
}

}  // namespace remaphore::app
