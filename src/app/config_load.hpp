// The config as the app loads it: the same checks at run time and in --check-config,
// so a config that --check-config calls valid is one the modes can run with.
#pragma once
#include <string>

#include "protocol/config.hpp"

namespace remaphore::app {

// Reads `path` and parses it, then makes the checks the pure protocol layer cannot:
// the file itself (a directory, unreadable, empty), at least one server, each server
// URL as the NATS client will read it, and each file a key names (credentials,
// nkey_seed, tls_ca, tls_cert, tls_key) readable, a creds file holding a JWT and a
// seed, a seed file a seed. On failure logs why as "FILE:LINE: ..." and returns
// false. Warns once when other users may read or change the file.
bool load_config(const std::string& path, protocol::config& cfg);

}  // namespace remaphore::app
