// Loading the config: the file, the parse (protocol/config), then the checks that
// need I/O or the NATS client's rules, each reported at the line that set the value.
#include "app/config_load.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <system_error>

#include "app/config_include.hpp"
#include "app/read_file.hpp"
#include "log/log.hpp"
#include "nats/proto/handshake.hpp"
#include "nats/proto/nkeys.hpp"

namespace remaphore::app {
namespace {

bool fail(const std::string& message) {
  log::error(message);
  return false;
}

// The documented deployment lets a `remaphore` group read the config; anyone else
// who can read it has the private keys, anyone else who can write it picks the peers
// whose commands run here.
void warn_if_others_may_access(const std::string& path, mode_t mode) {
  const bool read = mode & S_IROTH, write = mode & S_IWOTH;
  if (!read && !write) return;
  char octal[8];
  std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode & 07777));
  const std::string can = read && write ? "read and change it (its keys and peers)"
                          : read        ? "read it (its private keys and passwords)"
                                        : "change it (its peers and keys)";
  log::warn("config file '" + path + "' has mode " + octal + ": other users can " + can +
            "; let only its owner and group in (chmod o-rwx)");
}

// parse_server_url says only that a URL is bad; this says which part, for people.
std::string why_bad_url(std::string_view url) {
  const auto sep = url.find("://");
  std::string scheme(sep == std::string_view::npos ? "nats" : url.substr(0, sep));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "nats" && scheme != "tls" && scheme != "ws" && scheme != "wss")
    return "unknown scheme '" + scheme + "' (nats://, tls://, ws:// or wss://)";
  auto rest = sep == std::string_view::npos ? url : url.substr(sep + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  rest = rest.substr(rest.rfind('@') == std::string_view::npos ? 0 : rest.rfind('@') + 1);
  const auto bracket = rest.starts_with('[') ? rest.find(']') : 0;  // [IPv6]:port
  const auto colon = rest.find(':', bracket == std::string_view::npos ? 0 : bracket);
  const auto host = rest.substr(0, colon);
  if (host.empty() || host == "[]") return "no host";
  if (colon != std::string_view::npos) {
    const auto port = rest.substr(colon + 1);
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc{} || end != port.data() + port.size() || v == 0 || v > 65535)
      return "bad port '" + std::string(port) + "' (1 to 65535)";
  }
  return "it does not read as scheme://host[:port]";
}

// A URL for messages: a password or token in it is not repeated into logs.
std::string without_credentials(std::string_view url) {
  const auto start = url.find("://") == std::string_view::npos ? 0 : url.find("://") + 3;
  const auto end = url.find_first_of("/?#", start);
  const auto at = url.substr(0, end).rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(url);
  return std::string(url.substr(0, start)) + "***" + std::string(url.substr(at));
}

bool check_servers(const std::string& path, const protocol::config& cfg) {
  for (std::size_t i = 0; i < cfg.servers.size(); ++i) {
    std::error_code ec;
    nats::parse_server_url(cfg.servers[i], ec);
    if (!ec) continue;
    return fail(cfg.lines.where_server(i, path) + "invalid server URL '" + without_credentials(cfg.servers[i]) +
                "': " + why_bad_url(cfg.servers[i]));
  }
  return true;
}

// What a file named in the config must hold, beyond being readable.
enum class content { any, creds, seed };

struct file_key {
  std::string_view key;
  std::string protocol::config::*path;
  content holds;
};

const file_key file_keys[] = {
    {"credentials", &protocol::config::credentials, content::creds},
    {"nkey_seed", &protocol::config::nkey_seed, content::seed},
    {"tls_ca", &protocol::config::tls_ca, content::any},
    {"tls_cert", &protocol::config::tls_cert, content::any},
    {"tls_key", &protocol::config::tls_key, content::any},
};

// Creds and seed files are a few kB; a bound far above that, for the reads.
constexpr std::size_t max_key_file = 1 << 20;
constexpr std::size_t max_config = 64 << 20;

// Why the text is not what the key needs, or "" when it is. Never quotes the text:
// it holds secrets.
std::string why_wrong_content(content holds, const std::string& text) {
  if (holds != content::any && text.size() >= max_key_file) return "it is too large (1 MiB or more)";
  std::error_code ec;
  if (holds == content::creds) {
    const auto c = nats::parse_creds(text, ec);
    if (ec) return "it does not hold a JWT and an nkey seed (" + ec.message() + ")";
    nats::decode_seed(c.seed, ec);
    if (ec) return "its seed is not a valid nkey seed (" + ec.message() + ")";
  } else if (holds == content::seed) {
    nats::decode_seed(text, ec);
    if (ec) return "it does not hold a valid nkey seed (" + ec.message() + ")";
  }
  return {};
}

bool check_files(const std::string& path, const protocol::config& cfg) {
  for (const auto& f : file_keys) {
    const std::string& file = cfg.*f.path;
    if (file.empty()) continue;
    const auto where = cfg.lines.where(f.key, path) + std::string(f.key) + " file '" + file + "': ";
    std::string text, why;
    struct stat st {};
    // Of a TLS file only its first bytes are read: OpenSSL reads it on connecting.
    const auto limit = f.holds == content::any ? 1 : max_key_file;
    if (!read_file(file, limit, text, st, why)) return fail(where + why);
    if (const auto wrong = why_wrong_content(f.holds, text); !wrong.empty()) return fail(where + wrong);
  }
  return true;
}

}  // namespace

bool load_config(const std::string& path, protocol::config& cfg) {
  std::string text, why;
  struct stat st {};
  if (!read_file(path, max_config, text, st, why))
    return fail("cannot read config file '" + path + "': " + why + " (use -c FILE, or -C to print an example)");
  if (text.size() >= max_config)
    return fail(protocol::config_where(path, 0) + "the file is too large (64 MiB or more)");
  if (text.empty())
    return fail(protocol::config_where(path, 0) + "the file is empty (remaphore -C prints an example config)");
  protocol::config_error err;
  const protocol::include_reader reader = read_included;
  if (!protocol::parse_config(text, path, cfg, err, &reader) || !protocol::check_config_usable(cfg, path, err))
    return fail(err.message);
  if (!check_servers(path, cfg) || !check_files(path, cfg)) return false;
  warn_if_others_may_access(path, st.st_mode);
  return true;
}

}  // namespace remaphore::app
