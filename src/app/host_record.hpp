// The receiver's host-wide replay record, from the config's replay_cache setting.
#pragma once
#include <optional>

#include "core/host_replay.hpp"
#include "protocol/config.hpp"

namespace remaphore::app {

// The record to use, or nullopt: `replay_cache: off`, or unusable (one warning says
// why; the receiver's own replay cache still applies).
std::optional<core::host_replay> open_host_record(const protocol::config& cfg);

}  // namespace remaphore::app
