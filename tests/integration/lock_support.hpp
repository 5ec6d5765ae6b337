// Helpers of the lock tests: nodes with a config that may lock, the jobs' log and the
// checker that proves mutual exclusion from it, and the server's message counters.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "integration/cli_support.hpp"
#include "nats/client.hpp"
#include "nats/jetstream.hpp"
#include "support/coro.hpp"
#include "support/http_get.hpp"
#include "support/with_client.hpp"

namespace remaphore::test::lock {

using namespace remaphore::test::cli;

inline const std::string job_binary = REMAPHORE_LOCK_JOB;

// A host that may take locks: its own identity is also its peer (it trusts itself).
struct lock_node {
  temp_dir dir;
  std::string conf;
  lock_node(const std::string& server_url, const key_pair& k, const std::string& lease = "3s",
            const std::string& destination = "com.example.lock", std::vector<std::string> extra = {}) {
    auto c = self_config(server_url, k, destination);
    c.extra = std::move(extra);
    if (!lease.empty()) c.extra.push_back("lock_lease: " + lease);
    conf = dir.write("node.conf", c.text());
  }
};

// `remaphore -c conf --lock name args... -- command...`
inline std::vector<std::string> lock_args(const std::string& conf, const std::string& name,
                                          std::vector<std::string> options, const std::vector<std::string>& command) {
  std::vector<std::string> a = {"-c", conf, "--lock", name};
  a.insert(a.end(), options.begin(), options.end());
  a.push_back("--");
  a.insert(a.end(), command.begin(), command.end());
  return a;
}

// One job of lock_job's log: its interval on CLOCK_MONOTONIC.
struct job {
  int slot = -1;
  long long token = 0;
  long long start = 0, end = -1;
  long pid = 0;
};

inline std::vector<job> read_jobs(const std::string& path) {
  std::map<std::pair<long, long long>, job> by_run;
  std::istringstream in(slurp(path));
  std::string what, slot, token;
  long long at = 0;
  long pid = 0;
  while (in >> what >> slot >> token >> at >> pid) {
    auto& j = by_run[{pid, std::atoll(token.c_str())}];
    j.pid = pid;
    j.slot = std::atoi(slot.c_str());
    j.token = std::atoll(token.c_str());
    (what == "start" ? j.start : j.end) = at;
  }
  std::vector<job> out;
  for (auto& [key, j] : by_run) out.push_back(j);
  return out;
}

inline double now_mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// The checker: every job ended; never more than `slots` at once; on each slot the jobs
// follow one another with growing tokens; no token given twice. Returns what is wrong.
inline std::vector<std::string> check_jobs(const std::vector<job>& jobs, unsigned slots) {
  std::vector<std::string> wrong;
  std::vector<std::pair<long long, int>> edges;
  std::map<int, std::vector<job>> per_slot;
  std::map<long long, int> tokens;
  for (const auto& j : jobs) {
    if (j.start == 0 || j.end < 0) {
      wrong.push_back("job " + std::to_string(j.pid) + " (token " + std::to_string(j.token) + ") has no start or end");
      continue;
    }
    edges.push_back({j.start, +1});
    edges.push_back({j.end, -1});
    per_slot[j.slot].push_back(j);
    if (++tokens[j.token] > 1) wrong.push_back("token " + std::to_string(j.token) + " given twice");
    if (j.slot < 0 || static_cast<unsigned>(j.slot) >= slots) wrong.push_back("slot " + std::to_string(j.slot));
  }
  std::sort(edges.begin(), edges.end());  // at equal times an end (-1) sorts before a start
  int running = 0, most = 0;
  for (const auto& [at, delta] : edges) most = std::max(most, running += delta);
  if (most > static_cast<int>(slots))
    wrong.push_back(std::to_string(most) + " jobs at once with " + std::to_string(slots) + " slots");
  for (auto& [slot, list] : per_slot) {
    std::sort(list.begin(), list.end(), [](const job& a, const job& b) { return a.start < b.start; });
    for (std::size_t i = 1; i < list.size(); ++i) {
      if (list[i].start < list[i - 1].end)
        wrong.push_back("slot " + std::to_string(slot) + ": token " + std::to_string(list[i].token) +
                        " started before token " + std::to_string(list[i - 1].token) + " ended");
      if (list[i].token <= list[i - 1].token)
        wrong.push_back("slot " + std::to_string(slot) + ": token " + std::to_string(list[i].token) + " after " +
                        std::to_string(list[i - 1].token));
    }
  }
  return wrong;
}

// The messages the server has received from clients so far (/varz in_msgs).
inline long long server_in_msgs(int monitor_port) {
  auto j = nlohmann::json::parse(http_body(monitor_port, "/varz"), nullptr, false);
  return j.is_object() ? j.value("in_msgs", -1LL) : -1;
}

// The subjects the lock stream holds for lock `name` (slots held, waiters' tickets).
inline std::vector<std::string> lock_subjects(const std::string& url, const std::string& name) {
  std::vector<std::string> out;
  with_client(url, [&](remaphore::nats::client& c) -> boost::asio::awaitable<void> {
    auto info = co_await remaphore::nats::js::get_stream_info(c, "REMAPHORE-LOCK", "remaphore.lock." + name + ".>", 5s);
    REQUIRE_FALSE(info.result.error);
    out = info.subjects;
  });
  return out;
}

}  // namespace remaphore::test::lock
