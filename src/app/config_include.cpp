#include "app/config_include.hpp"

#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cctype>
#include <cstdio>
#include <memory>

#include "app/read_file.hpp"
#include "log/log.hpp"

namespace remaphore::app {
namespace {

constexpr std::size_t max_included = 64 << 20;

bool has_wildcard(const std::string& pattern) { return pattern.find_first_of("*?[") != std::string::npos; }

// A peers file may be world-readable (public keys); one with private keys may not.
bool holds_identities(const std::string& text) {
  std::string lower(text);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto at = lower.find('['); at != std::string::npos; at = lower.find('[', at + 1)) {
    const auto word = lower.find_first_not_of(" \t", at + 1);
    if (word != std::string::npos && lower.compare(word, 10, "identities") == 0) return true;
  }
  return false;
}

std::string mode_text(mode_t mode) {
  char octal[8];
  std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode & 07777));
  return octal;
}

std::string canonical(const std::string& path) {
  const std::unique_ptr<char, decltype(&::free)> real(::realpath(path.c_str(), nullptr), &::free);
  return real ? std::string(real.get()) : path;
}

bool read_one(const std::string& path, std::vector<protocol::included_file>& files, std::string& why) {
  protocol::included_file f{path, canonical(path), {}};
  struct stat st {};
  if (!read_file(path, max_included, f.text, st, why)) {
    why = "cannot read '" + path + "': " + why;
    return false;
  }
  if (f.text.size() >= max_included) {
    why = "'" + path + "' is too large (64 MiB or more)";
    return false;
  }
  if (st.st_mode & S_IWOTH) {
    why = "'" + path + "' has mode " + mode_text(st.st_mode) +
          ": other users can change it (and so the peers whose commands run here); chmod o-w";
    return false;
  }
  if (st.st_mode & S_IROTH && holds_identities(f.text))
    log::warn("included config file '" + path + "' has mode " + mode_text(st.st_mode) +
              ": other users can read it; keep private keys out of it, or chmod o-r");
  files.push_back(std::move(f));
  return true;
}

}  // namespace

bool read_included(const std::string& pattern, std::vector<protocol::included_file>& files, std::string& why) {
  if (!has_wildcard(pattern)) return read_one(pattern, files, why);
  glob_t g{};
  const int rc = ::glob(pattern.c_str(), GLOB_ERR, nullptr, &g);
  const std::unique_ptr<glob_t, decltype(&::globfree)> freed(&g, &::globfree);
  if (rc == GLOB_NOMATCH) return true;
  if (rc != 0) {
    why = rc == GLOB_NOSPACE ? "out of memory" : "cannot read the directory of '" + pattern + "'";
    return false;
  }
  for (std::size_t i = 0; i < g.gl_pathc; ++i)
    if (!read_one(g.gl_pathv[i], files, why)) return false;
  return true;
}

}  // namespace remaphore::app
