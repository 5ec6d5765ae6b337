#include "protocol/config_sources.hpp"

#include <algorithm>

namespace remaphore::protocol {
namespace {

// Deeper than this is a mistake, or a cycle through links a canonical path missed.
constexpr std::size_t most_nested = 16;

const config_place* first_or_remember(std::map<key_bytes, config_place>& seen, const key_bytes& key,
                                      const config_place& here) {
  const auto [it, inserted] = seen.emplace(key, here);
  return inserted ? nullptr : &it->second;
}

}  // namespace

config_sources::config_sources(std::string main_file, const include_reader* reader) : reader_(reader) {
  stack_.push_back(std::move(main_file));
}

std::string config_sources::resolve(std::string_view including_file, std::string_view path) {
  if (path.starts_with('/')) return std::string(path);
  const auto slash = including_file.rfind('/');
  if (slash == std::string_view::npos) return std::string(path);
  return std::string(including_file.substr(0, slash + 1)) + std::string(path);
}

std::string config_sources::place_text(std::string_view here_file, const config_place& first) {
  if (first.file == here_file) return "line " + std::to_string(first.line);
  return first.file + ":" + std::to_string(first.line);
}

bool config_sources::read(const std::string& pattern, std::vector<included_file>& files, std::string& why) const {
  if (!reader_) {
    why = "include: is not available here";
    return false;
  }
  return (*reader_)(pattern, files, why);
}

bool config_sources::enter(const included_file& f, std::string& why) {
  const auto open = [&](const std::string& p) { return std::find(stack_.begin(), stack_.end(), p) != stack_.end(); };
  if (open(f.real) || open(f.path)) {
    why = "'" + f.path + "' is already being read: includes must not form a cycle";
    return false;
  }
  if (stack_.size() > 2 * most_nested) {
    why = "includes nest deeper than " + std::to_string(most_nested) + " files";
    return false;
  }
  stack_.push_back(f.path);
  stack_.push_back(f.real);
  return true;
}

std::optional<std::string> config_sources::identity_conflict(const key_bytes& key, std::string_view pub_text,
                                                             const config_place& here) {
  const auto* first = first_or_remember(identities_, key, here);
  if (!first) return std::nullopt;
  return "identity " + std::string(pub_text) + " is listed twice (first on " + place_text(here.file, *first) + ")";
}

// A sender is known by its key alone: a second line for it could only be ignored
// (the first wins) or contradict the first. A destination on a second line is the
// same host with a second key (a rotation): it may do what it may do, whichever key
// it signs with.
std::optional<std::string> config_sources::peer_conflict(const peer& p, std::string_view pub_text,
                                                         const config_place& here, const std::vector<peer>& peers) {
  if (const auto* first = first_or_remember(peers_, p.pub.bytes, here))
    return "peer " + std::string(pub_text) + " is listed twice (first on " + place_text(here.file, *first) + ")";
  const auto [it, inserted] = destinations_.try_emplace(p.destination, here, peers.size());
  if (inserted || peers[it->second.second].verbs == p.verbs) return std::nullopt;
  return "peer " + p.destination + " is listed with another key on " + place_text(here.file, it->second.first) +
         " (one host, two keys: a key rotation) but with other verbs: give both lines the same";
}

}  // namespace remaphore::protocol
