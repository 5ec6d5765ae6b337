// The receiver's host-wide replay record, from the config's replay_record setting.
#pragma once
#include <optional>
#include <string>

#include "core/replay/replay_record.hpp"
#include "protocol/config.hpp"

namespace remaphore::app {

// The record to use, or nullopt: `replay_record: off`, or unusable (one warning says
// why; the receiver's own replay cache still applies).
std::optional<core::replay_record> open_replay_record_of(const protocol::config& cfg);

// For --check-config: false, after an error naming FILE:LINE, when a file is at the
// record's place that receivers would refuse (not a record, not a regular file,
// another user's). The record is left as it is.
bool check_replay_record_place(const std::string& config_path, const protocol::config& cfg);

}  // namespace remaphore::app
