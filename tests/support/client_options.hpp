// Options of an in-process NATS client that tests use to publish, capture or answer
// beside the remaphore processes under test.
#pragma once
#include "nats/options.hpp"
#include "support/nats_server.hpp"

namespace remaphore::test {

// One server, no reconnect: a test's client that loses its server has failed.
inline nats::options client_options(const nats_server& server) {
  nats::options o;
  o.servers = {server.url()};
  o.allow_reconnect = false;
  return o;
}

}  // namespace remaphore::test
