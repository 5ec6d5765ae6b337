#include "core/child_environment.hpp"

#include <unistd.h>  // environ

#include <string_view>

namespace remaphore::core {

std::vector<std::string> child_environment(const environment_additions& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view kv(*e);
    bool replaced = false;
    for (const auto& [name, value] : extra)
      if (kv.size() > name.size() && kv.starts_with(name) && kv[name.size()] == '=') replaced = true;
    if (!replaced) env.emplace_back(kv);
  }
  for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
  return env;
}

}  // namespace remaphore::core
