#include "support/nats_cluster.hpp"

#include <unistd.h>

#include <atomic>

namespace remaphore::test {

namespace {

std::string unique_name() {
  static std::atomic<int> made{0};
  return "c" + std::to_string(::getpid()) + "-" + std::to_string(made++);
}

std::string node_config(const std::string& cluster, int i, const std::vector<int>& route_ports) {
  std::string routes;
  for (std::size_t j = 0; j < route_ports.size(); ++j)
    if (static_cast<int>(j) != i)
      routes += (routes.empty() ? "" : ", ") + std::string("nats-route://127.0.0.1:") + std::to_string(route_ports[j]);
  return "server_name: n" + std::to_string(i + 1) + "\ncluster {\n  name: " + cluster +
         "\n  listen: 127.0.0.1:" + std::to_string(route_ports[i]) + "\n  routes: [" + routes + "]\n}\n";
}

}  // namespace

nats_cluster::nats_cluster(int n, const std::string& extra_config, const std::vector<std::string>& extra_args)
    : name(unique_name()) {
  std::vector<int> route_ports;
  for (int i = 0; i < n; ++i) route_ports.push_back(fixed_port());
  for (int i = 0; i < n; ++i)
    nodes.push_back(
        std::make_unique<nats_server>(extra_config + node_config(name, i, route_ports), extra_args, fixed_port()));
}

}  // namespace remaphore::test
