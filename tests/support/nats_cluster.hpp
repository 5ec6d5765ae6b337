// A nats-server cluster for tests: n nodes on loopback, every one routing to all others.
// Tests run in parallel and kill nodes: a port a killed node leaves may be taken by
// another test's server before the node starts again. So a cluster's client and route
// ports come from below the kernel's ephemeral range, where servers started on port -1
// never land, and its name is its own: a route that reaches another test's server is
// refused for its name instead of merging two clusters.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "support/nats_server.hpp"

namespace remaphore::test {

struct nats_cluster {
  // `extra_config` goes into every node's config, `extra_args` on every command line.
  explicit nats_cluster(int n, const std::string& extra_config = {}, const std::vector<std::string>& extra_args = {});
  nats_server& node(int i) { return *nodes[i]; }
  const std::string name;
  std::vector<std::unique_ptr<nats_server>> nodes;
};

}  // namespace remaphore::test
