// The lock on a 3-node nats-server cluster (routes on loopback ports), its stream at 3
// replicas, while the stream's leader is killed (-9) every few seconds and started
// again: 50 contenders with 3 slots, and the checker on the jobs' log. Labelled
// "cluster" (tools/test --quick leaves it out).
#include <signal.h>
#include <unistd.h>

#include <memory>
#include <thread>

#include "cluster/js_cluster.hpp"
#include "integration/lock_support.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace remaphore::test::lock;

TEST_CASE("lock cluster: 3 replicas, the stream's leader killed every few seconds: never more than 3 at once") {
  js_cluster cluster(3);
  auto k = keygen();
  std::vector<std::string> extra = cluster.server_lines();
  extra.push_back("lock_replicas: 3");
  lock_node n(cluster.nodes[0]->url(), k, "3s", "com.example.lock", extra);
  // The cluster elects its JetStream leader after start: until then the stream cannot be made.
  REQUIRE(wait_until([&] { return run_remaphore(lock_args(n.conf, "warmup", {}, {"true"})).exit_code == 0; }, 60s));

  const auto log = n.dir.file("jobs.log"), stop = n.dir.file("stop");
  // Each try is bounded (-t), so that the loops end soon after "stop" whatever the
  // servers do: nats-server 2.9.10 was seen to stop expiring a stream's records after
  // its leader was killed, which leaves waiters without a slot (safe, but stuck).
  const std::string one =
      binary + " -c " + n.conf + " --log-level error --lock safety -n 3 -t 20s -- " + job_binary + " " + log + " 0 20";
  std::vector<child> procs;
  // Each loop also ends when this test is gone (killed before it could stop them).
  for (int i = 0; i < 50; ++i)
    procs.push_back(child(process::start({"sh", "-c",
                                          "while [ ! -e " + stop + " ] && kill -0 " + std::to_string(::getpid()) +
                                              " 2>/dev/null; do " + one + "; done"})));
  int kills = 0;
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(4s);  // contenders at work between failures
    int leader = cluster.stream_leader("REMAPHORE-LOCK");
    if (leader < 0 || !wait_until([&] { return cluster.replicas_current("REMAPHORE-LOCK"); }, 30s)) continue;
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
  std::string faults;
  for (std::size_t i = 0; i < wrong.size() && i < 10; ++i) faults += "\n  " + wrong[i];
  CHECK_MESSAGE(wrong.empty(), wrong.size() << " faults:" << faults);
}
