// The files an `include:` line of the config names: one path, or a glob such as
// /etc/remaphore/peers.d/*.conf, whose matches are read in sorted order. Each is held
// to the config file's rules: a regular file of bounded size, and not writable by
// other users (it may list the peers whose commands run here); readable by others is
// a warning, as for the config itself.
#pragma once
#include <string>
#include <vector>

#include "protocol/config.hpp"

namespace remaphore::app {

// A protocol::include_reader. A glob that matches nothing reads no file; a path
// without wildcards that does not exist is an error.
bool read_included(const std::string& pattern, std::vector<protocol::included_file>& files, std::string& why);

}  // namespace remaphore::app
