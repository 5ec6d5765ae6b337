// The process's exit codes, and how a run's outcome maps to them.
#pragma once
#include "core/outcome.hpp"

namespace remaphore::app {

enum exit_code : int {
  exit_ok = 0,
  exit_timeout = 1,
  exit_usage = 2,
  exit_runtime = 3,
};

int exit_code_of(core::outcome o);

}  // namespace remaphore::app
