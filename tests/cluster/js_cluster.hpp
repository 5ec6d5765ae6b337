// A nats-server cluster with JetStream for the cluster tests: n nodes on loopback
// ports, every one routing to all others, each with its own store.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nats/jetstream.hpp"
#include "support/nats_server.hpp"
#include "support/with_client.hpp"

namespace remaphore::test {

using namespace std::chrono_literals;

// n JetStream nodes, every one routing to all others.
struct js_cluster {
  explicit js_cluster(int n) {
    std::vector<int> cports;
    for (int i = 0; i < n; ++i) cports.push_back(free_port());
    for (int i = 0; i < n; ++i) {
      std::string routes;
      for (int j = 0; j < n; ++j)
        if (j != i)
          routes += (routes.empty() ? "" : ", ") + std::string("nats-route://127.0.0.1:") + std::to_string(cports[j]);
      std::string config = "server_name: n" + std::to_string(i + 1) +
                           "\ncluster {\n  name: c\n  listen: 127.0.0.1:" + std::to_string(cports[i]) +
                           "\n  routes: [" + routes + "]\n}\n";
      nodes.push_back(std::make_unique<nats_server>(config, std::vector<std::string>{"-js", "-sd", "{{DIR}}/js"}));
    }
  }
  std::vector<std::string> server_lines() const {
    std::vector<std::string> out;
    for (std::size_t i = 1; i < nodes.size(); ++i) out.push_back("server: " + nodes[i]->url());
    return out;
  }
  // The node that leads `stream`, by its server_name "nK"; -1 when unknown.
  int stream_leader(const std::string& stream) {
    for (auto& node : nodes) {
      if (!node->running()) continue;
      int found = -1;
      with_client(node->url(), [&](remaphore::nats::client& c) -> boost::asio::awaitable<void> {
        auto info = co_await remaphore::nats::js::get_stream_info(c, stream, "", 2s);
        if (info.found && info.leader.size() == 2 && info.leader[0] == 'n') found = info.leader[1] - '1';
      });
      return found;
    }
    return -1;
  }
  std::vector<std::unique_ptr<nats_server>> nodes;
};

}  // namespace remaphore::test
