// --lock-status output: one line per holder, or one JSON object.
#pragma once
#include <string>

#include "core/lock/status.hpp"

namespace remaphore::app {

void print_lock_status(const std::string& lock, const core::lock::lock_status& s, bool json);

}  // namespace remaphore::app
