// The environment a command remaphore starts gets: ours, with the variables that
// describe the message or the lock set (each replacing one of the same name).
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace remaphore::core {

using environment_additions = std::vector<std::pair<std::string, std::string>>;

// "NAME=value" strings, ours first in their order, then `extra`.
std::vector<std::string> child_environment(const environment_additions& extra);

}  // namespace remaphore::core
