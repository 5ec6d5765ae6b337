// How a receive, send or request ended, for the app to map to an exit code.
#pragma once

namespace remaphore::core {

enum class outcome {
  done,       // received what was waited for, sent, or got at least one reply
  timed_out,  // nothing (or not enough) before the deadline
  failed,     // a runtime error: no connection, refused, lost for good
};

}  // namespace remaphore::core
