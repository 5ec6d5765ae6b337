// The lock under load on one server: 50 contenders (separate processes) take 3 slots
// 2,000 times with random short jobs; the checker proves from the jobs' own log that
// never more than 3 ran at once and that tokens only grow. And 1,000 waiters: the
// server sees about one message per waiter per second or less, and a waiter that is
// ended leaves nothing in the stream.
#include <signal.h>

#include <thread>

#include "integration/lock_support.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace remaphore::test::lock;

TEST_CASE("lock safety: 50 contenders, 3 slots, 2,000 acquisitions: never more than 3 at once") {
  nats_server server("", {"-js", "-sd", "{{DIR}}/js"});
  lock_node n(server.url(), keygen(), "3s");
  const auto log = n.dir.file("jobs.log");
  const std::string one =
      binary + " -c " + n.conf + " --log-level warn --lock safety -n 3 -- " + job_binary + " " + log + " 0 5";
  std::vector<child> procs;
  for (int i = 0; i < 50; ++i)
    procs.push_back(child(process::start(
        {"sh", "-c", "i=0; while [ $i -lt 40 ]; do " + one + " || echo \"exit $?\" >&2; i=$((i+1)); done"})));
  for (auto& p : procs) {
    auto r = p.wait(240s);
    CHECK_FALSE(r.timed_out);
    CHECK_MESSAGE(r.err.empty(), r.err);
  }
  auto jobs = read_jobs(log);
  CHECK(jobs.size() == 2000);
  auto wrong = check_jobs(jobs, 3);
  CHECK_MESSAGE(wrong.empty(), wrong.size() << " faults, the first: " << wrong.front());
}

TEST_CASE("lock herd: 1,000 waiters cost the server about one message each per second at most") {
  const int monitor = free_port();
  nats_server server("", {"-js", "-sd", "{{DIR}}/js", "-m", std::to_string(monitor)});
  lock_node n(server.url(), keygen(), "15s");
  auto holder = spawn(lock_args(n.conf, "herd", {}, {"sleep", "120"}));
  REQUIRE(wait_until([&] { return !lock_subjects(server.url(), "herd").empty(); }, 10s));
  // One shell starts them all in its process group, output to /dev/null.
  const std::string one = binary + " -c " + n.conf + " --log-level error --lock herd -- true >/dev/null 2>&1";
  auto waiters =
      child(process::start({"sh", "-c", "i=0; while [ $i -lt 1000 ]; do " + one + " & i=$((i+1)); done; wait"}));
  REQUIRE(wait_until([&] { return lock_subjects(server.url(), "herd").size() == 1001; }, 120s));
  const auto before = server_in_msgs(monitor);
  const auto from = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(10s);  // a measuring window, not a wait for an event
  const auto after = server_in_msgs(monitor);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - from).count();
  const double per_waiter = static_cast<double>(after - before) / seconds / 1000.0;
  MESSAGE("1,000 waiters: " << per_waiter << " messages per waiter per second");
  CHECK(before > 0);
  CHECK(per_waiter <= 1.0);
  ::kill(-waiters.pid(), SIGTERM);
  auto r = waiters.wait(60s);
  CHECK_FALSE(r.timed_out);
  // Ended while waiting: no ticket of theirs is left; the holder still holds.
  CHECK(wait_until([&] { return lock_subjects(server.url(), "herd").size() == 1; }, 10s));
  holder.signal(SIGTERM);
  CHECK(holder.wait(10s).exit_code == 143);
}
