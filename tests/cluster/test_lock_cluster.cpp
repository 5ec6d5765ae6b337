// The lock on a 3-node nats-server cluster (routes on loopback ports), its stream at 3
// replicas, while the stream's leader is killed (-9) every few seconds and started
// again: 50 contenders with 3 slots, and the checker on the jobs' log. Labelled
// "cluster" (tools/test --quick leaves it out).
#include <signal.h>

#include <memory>
#include <thread>

#include "integration/lock_support.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace remaphore::test::lock;

namespace {

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
  // The node that leads the lock stream, by its server_name "nK"; -1 when unknown.
  int stream_leader() {
    for (auto& node : nodes) {
      if (!node->running()) continue;
      int found = -1;
      with_client(node->url(), [&](remaphore::nats::client& c) -> boost::asio::awaitable<void> {
        auto info = co_await remaphore::nats::js::get_stream_info(c, "REMAPHORE-LOCK", "", 2s);
        if (info.found && info.leader.size() == 2 && info.leader[0] == 'n') found = info.leader[1] - '1';
      });
      return found;
    }
    return -1;
  }
  std::vector<std::unique_ptr<nats_server>> nodes;
};

}  // namespace

TEST_CASE("lock cluster: 3 replicas, the stream's leader killed every few seconds: never more than 3 at once") {
  js_cluster cluster(3);
  auto k = keygen();
  std::vector<std::string> extra = cluster.server_lines();
  extra.push_back("lock_replicas: 3");
  lock_node n(cluster.nodes[0]->url(), k, "3s", "com.example.lock", extra);
  // The cluster elects its JetStream leader after start: until then the stream cannot be made.
  REQUIRE(wait_until([&] { return run_remaphore(lock_args(n.conf, "warmup", {}, {"true"})).exit_code == 0; }, 60s));

  const auto log = n.dir.file("jobs.log"), stop = n.dir.file("stop");
  const std::string one =
      binary + " -c " + n.conf + " --log-level error --lock safety -n 3 -- " + job_binary + " " + log + " 0 20";
  std::vector<child> procs;
  for (int i = 0; i < 50; ++i)
    procs.push_back(child(process::start({"sh", "-c", "while [ ! -e " + stop + " ]; do " + one + "; done"})));
  int kills = 0;
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(4s);  // contenders at work between failures
    int leader = cluster.stream_leader();
    if (leader < 0) continue;
    cluster.nodes[leader]->kill9();
    ++kills;
    std::this_thread::sleep_for(2s);
    cluster.nodes[leader]->start();
  }
  std::this_thread::sleep_for(4s);
  n.dir.write("stop", "");
  for (auto& p : procs) CHECK_FALSE(p.wait(60s).timed_out);
  auto jobs = read_jobs(log);
  MESSAGE(jobs.size() << " jobs, " << kills << " leaders killed");
  CHECK(kills >= 2);
  CHECK(jobs.size() >= 100);
  auto wrong = check_jobs(jobs, 3);
  CHECK_MESSAGE(wrong.empty(), wrong.size() << " faults, the first: " << wrong.front());
}
