#include "app/exit_codes.hpp"

namespace remaphore::app {

int exit_code_of(core::outcome o) {
  switch (o) {
    case core::outcome::done: return exit_ok;
    case core::outcome::timed_out: return exit_timeout;
    case core::outcome::failed: return exit_runtime;
  }
  return exit_runtime;
}

}  // namespace remaphore::app
