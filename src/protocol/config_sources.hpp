// The files one config is read from: the main file and those its `include:` lines
// name, and where each identity and peer key was first listed across all of them, so
// that a key repeated in two files is an error naming both places.
#pragma once
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/config.hpp"

namespace remaphore::protocol {

struct config_place {
  std::string file;
  std::size_t line = 0;
};

class config_sources {
 public:
  explicit config_sources(std::string main_file, const include_reader* reader);

  // An include's path, relative to the directory of the file that names it.
  static std::string resolve(std::string_view including_file, std::string_view path);
  // "line N" when `first` is in `here_file`, else "FILE:LINE".
  static std::string place_text(std::string_view here_file, const config_place& first);

  const std::string& main_file() const { return stack_.front(); }
  bool is_main(std::string_view file) const { return stack_.size() == 1 && file == stack_.front(); }

  // The files `pattern` names; false with `why` (no reader, a read refused).
  bool read(const std::string& pattern, std::vector<included_file>& files, std::string& why) const;
  // Entered before an included file is parsed, left after; false with `why` on a cycle
  // or when includes nest too deep.
  bool enter(const included_file& f, std::string& why);
  void leave() { stack_.resize(stack_.size() - 2); }

  // Why an identity line at `here` may not be added: its key was listed before.
  std::optional<std::string> identity_conflict(const key_bytes& key, std::string_view pub_text,
                                               const config_place& here);
  // Why peer `p` at `here` may not be added after `peers`: its key was listed before,
  // or its destination with other verbs. Remembers it otherwise.
  std::optional<std::string> peer_conflict(const peer& p, std::string_view pub_text, const config_place& here,
                                           const std::vector<peer>& peers);

 private:
  const include_reader* reader_;
  std::vector<std::string> stack_;  // the files being parsed, the main one first: path and real path of each
  std::map<key_bytes, config_place> identities_, peers_;
  std::map<std::string, std::pair<config_place, std::size_t>, std::less<>> destinations_;
};

}  // namespace remaphore::protocol
