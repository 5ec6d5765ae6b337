// Test certificates made with the openssl command line: a CA, a server certificate
// for 127.0.0.1/localhost, a client certificate, and a second, unrelated CA.
#pragma once
#include <string>

#include "support/nats_server.hpp"

namespace remaphore::test {

struct test_certs {
  std::string ca, server_cert, server_key, client_cert, client_key, other_ca;
};

// Writes them into `dir`; throws when openssl fails.
test_certs make_certs(const temp_dir& dir);

}  // namespace remaphore::test
