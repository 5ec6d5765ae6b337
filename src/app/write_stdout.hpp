// Report lines go to stdout unbuffered and whole: a reader sees each host's line as
// soon as it is known, and a signal that interrupts a write does not cut a line.
#pragma once
#include <string_view>

namespace remaphore::app {

// Writes all of `text` to stdout; gives up silently when stdout takes nothing more
// (a closed pipe: the exit code still says how the run went).
void write_stdout(std::string_view text);

}  // namespace remaphore::app
