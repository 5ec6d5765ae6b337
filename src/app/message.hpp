// The signed message of a send or a request, from the command line.
#pragma once
#include <optional>
#include <string>

#include "app/cli.hpp"
#include "protocol/config.hpp"

namespace remaphore::app {

// The wire bytes, or nullopt after logging why not (a usage error). `destination`
// replaces -D (a rolling request addresses each peer by its own destination).
std::optional<std::string> build_message(const cli_options& cli, const protocol::config& cfg, bool request,
                                         const std::optional<std::string>& destination = std::nullopt);

}  // namespace remaphore::app
