// Where the host-wide replay record goes: the config's `replay_record` value, or the
// built-in place for a system service or for a user's processes.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace remaphore::core {

// Where the default record may go.
struct replay_record_dirs {
  // For a system service (systemd StateDirectory=remaphore); used when writable.
  std::filesystem::path system_dir = "/var/lib/remaphore";
  // Otherwise $XDG_RUNTIME_DIR/remaphore, created with mode 0700, for a user's processes.
  std::optional<std::filesystem::path> runtime_dir;
  static replay_record_dirs from_environment();
};

// What the config's `replay_cache` value asks for.
struct replay_record_location {
  std::filesystem::path path;  // the record to open; empty when off or when there is none
  std::string why;             // why there is no place for it (empty when off)
  bool off() const { return path.empty() && why.empty(); }
};

// "off": no host-wide record. "": the default place, system_dir/replay when that
// directory is writable, else runtime_dir/remaphore/replay. Anything else: that path,
// which must be absolute. Unusable places come back with a reason, never throw.
replay_record_location resolve_replay_record(std::string_view setting,
                                             const replay_record_dirs& dirs = replay_record_dirs::from_environment());

}  // namespace remaphore::core
