// NATS subject wildcards: whether a stream's subject (with '*' for one token and a
// final '>' for one or more) takes in every subject a filter can name.
#pragma once
#include <string_view>

namespace remaphore::nats {

// "remaphore.>" and ">" cover "remaphore.retained.>"; "remaphore.retained.*" and
// "other.>" do not.
bool subject_covers(std::string_view pattern, std::string_view filter);

}  // namespace remaphore::nats
