// Where the host-wide replay record goes: the config's `replay_record` value, or the
// default place for a system service or for a user's processes.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/replay/record_format.hpp"
#include "core/replay/record_places.hpp"

namespace remaphore::core {

using detail::errno_text;

namespace {

// Why `dir` cannot hold the record, "" when it can.
std::string dir_problem(const std::filesystem::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return errno_text(errno);
  if (!S_ISDIR(st.st_mode)) return "not a directory";
  if (::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) != 0) return "not writable: " + errno_text(errno);
  return {};
}

bool is_off(std::string_view setting) {
  return setting.size() == 3 && std::tolower(static_cast<unsigned char>(setting[0])) == 'o' &&
         std::tolower(static_cast<unsigned char>(setting[1])) == 'f' &&
         std::tolower(static_cast<unsigned char>(setting[2])) == 'f';
}

}  // namespace

replay_record_dirs replay_record_dirs::from_environment() {
  replay_record_dirs d;
  if (const char* dir = std::getenv("XDG_RUNTIME_DIR"); dir && *dir) d.runtime_dir = dir;
  return d;
}

replay_record_location resolve_replay_record(std::string_view setting, const replay_record_dirs& dirs) {
  if (is_off(setting)) return {};
  if (!setting.empty()) {
    std::filesystem::path path(setting);
    if (!path.is_absolute()) return {{}, "replay_cache: '" + std::string(setting) + "' is not an absolute path"};
    return {path, {}};
  }
  const auto system_problem = dir_problem(dirs.system_dir);
  if (system_problem.empty()) return {dirs.system_dir / "replay", {}};
  const auto why = "no place for the host-wide replay record: " + dirs.system_dir.string() + ": " + system_problem;
  if (!dirs.runtime_dir || !dirs.runtime_dir->is_absolute()) return {{}, why + ", and XDG_RUNTIME_DIR is not set"};
  const auto dir = *dirs.runtime_dir / "remaphore";
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return {{}, why + ", and " + dir.string() + ": " + errno_text(errno)};
  if (auto problem = dir_problem(dir); !problem.empty()) return {{}, why + ", and " + dir.string() + ": " + problem};
  return {dir / "replay", {}};
}

}  // namespace remaphore::core
