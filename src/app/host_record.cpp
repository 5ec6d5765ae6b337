#include "app/host_record.hpp"

#include "core/pipeline.hpp"
#include "log/log.hpp"

namespace remaphore::app {

std::optional<core::host_replay> open_host_record(const protocol::config& cfg) {
  auto where = core::resolve_host_replay(cfg.replay_cache);
  if (where.off()) return std::nullopt;
  const std::string fallback = "; replays are checked within this process only";
  if (!where.why.empty()) {
    log::warn("no host-wide replay record: " + where.why + fallback);
    return std::nullopt;
  }
  auto opened = core::open_host_replay(where.path, core::replay_window(cfg.allow_skew));
  if (!opened.record) {
    log::warn("no host-wide replay record at " + where.path.string() + ": " + opened.why + fallback);
    return std::nullopt;
  }
  if (!opened.rebuilt.empty())
    log::warn("host-wide replay record " + where.path.string() + " rebuilt: " + opened.rebuilt);
  return std::move(opened.record);
}

}  // namespace remaphore::app
