// A nats-server cluster with JetStream for the cluster tests: each node with its own
// store.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nats/jetstream.hpp"
#include "support/nats_cluster.hpp"
#include "support/with_client.hpp"

namespace remaphore::test {

using namespace std::chrono_literals;

// n JetStream nodes, every one routing to all others.
struct js_cluster : nats_cluster {
  explicit js_cluster(int n) : nats_cluster(n, {}, {"-js", "-sd", "{{DIR}}/js"}) {}
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
  // Whether every follower of `stream` has caught up with its leader. A leader killed
  // before that may hold the only copy of what was stored since the stream grew, and
  // nats-server then has no node to elect until it is back.
  bool replicas_current(const std::string& stream) {
    for (auto& node : nodes) {
      if (!node->running()) continue;
      bool current = false;
      with_client(node->url(), [&](remaphore::nats::client& c) -> boost::asio::awaitable<void> {
        remaphore::nats::message reply;
        if (co_await c.request("$JS.API.STREAM.INFO." + stream, "", reply, 2s)) co_return;
        auto info = nlohmann::json::parse(reply.payload, nullptr, false);
        if (!info.is_object() || !info.contains("cluster")) co_return;
        const auto replicas = info["cluster"].value("replicas", nlohmann::json::array());
        current = !replicas.empty();
        for (const auto& r : replicas) current = current && r.value("current", false);
      });
      return current;
    }
    return false;
  }
};

}  // namespace remaphore::test
