// How long core waits on the server where no option says.
#pragma once
#include <chrono>

namespace remaphore::core {

// For the PONG that confirms what was written before it: a server that does not
// answer a ping in this time is taken for gone.
inline constexpr std::chrono::seconds flush_timeout{5};

}  // namespace remaphore::core
