// replay-record-bench: the cost per accepted message of the host-wide replay record
// (core/replay_record), next to the in-process replay_cache given the same hashes.
//
//   new     every call a new hash: record it (and, once the ring is full, evict the
//           oldest); what the first receiver on a host pays for each message.
//   seen    hashes already recorded, over and over: what every further receiver pays.
//   shared  --procs processes at once, each given the same hashes in the same order, as
//           receivers on one host given the same messages: one records, the rest find.
//
// Each call takes steady_clock::now() as a receiver would. One line per case:
//   replay_record case=new store=host procs=1 calls=1000000 ns_per_call=812
// For shared, ns_per_call is each process's own time per call, averaged over the
// processes; wall_ns_per_call is the wall time of the whole run per call made.
// slowest_us is the longest single call of the host record (of any process), gave_up
// the calls it could not answer.
//
// Flow: the record file is created fresh in --dir for each case; shared forks the
// processes after a pipe closes so they start together, and each reports its elapsed
// time back through a pipe. Exit codes: 0 ok, 1 the record could not be opened, 2 usage.
#include <getopt.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/replay/replay_cache.hpp"
#include "core/replay/replay_record.hpp"

namespace {

using remaphore::core::replay_cache;
using remaphore::core::replay_record;
using hash = replay_record::hash;
using clock_type = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct config {
  fs::path dir = "/tmp";
  std::uint64_t calls = 1'000'000;
  std::uint64_t distinct = 1000;  // for seen
  std::size_t capacity = replay_record::default_capacity;
  int procs = 4;
  std::chrono::nanoseconds window = std::chrono::seconds(6);  // twice the default allow_skew
};

// Hash number i, spread like SHA-256 output (splitmix64 over four words).
hash hash_of(std::uint64_t i) {
  hash h{};
  std::uint64_t x = i * 0x9e3779b97f4a7c15ULL + 1;
  for (std::size_t at = 0; at < h.size(); at += 8) {
    x += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    std::memcpy(h.data() + at, &z, 8);
  }
  return h;
}

// The hashes a case feeds, made before timing so that making them is not measured.
std::vector<hash> hashes_for(const std::string& name, const config& cfg) {
  std::vector<hash> v;
  v.reserve(cfg.calls);
  for (std::uint64_t i = 0; i < cfg.calls; ++i) v.push_back(hash_of(name == "seen" ? i % cfg.distinct : i));
  return v;
}

struct pass_time {
  std::int64_t total_ns = -1;   // -1: the record could not be opened
  std::int64_t slowest_ns = 0;  // the longest single call (a lock wait, an eviction burst)
  std::int64_t gave_up = 0;     // calls that got no answer (the lock stayed taken too long)
};

// One pass over `hashes`. The clock read after each call is the next call's `now`, so
// timing each call costs nothing a receiver would not pay. A call that gets no answer
// is counted, as a receiver would fall back to its in-process cache for that message.
pass_time time_host(const fs::path& path, const std::vector<hash>& hashes, const config& cfg) {
  pass_time t;
  auto opened = remaphore::core::open_replay_record(path, cfg.window, cfg.capacity);
  if (!opened.record) {
    std::fprintf(stderr, "replay-record-bench: %s\n", opened.why.c_str());
    return t;
  }
  auto& record = *opened.record;
  const auto start = clock_type::now();
  auto now = start;
  for (const auto& h : hashes) {
    auto r = record.first_accepted(h, now);
    const auto after = clock_type::now();
    if (!r.first && t.gave_up++ == 0) std::fprintf(stderr, "replay-record-bench: %s\n", r.problem.c_str());
    t.slowest_ns = std::max<std::int64_t>(t.slowest_ns, (after - now).count());
    now = after;
  }
  t.total_ns = (now - start).count();
  return t;
}

std::int64_t time_memory(const std::vector<hash>& hashes, const config& cfg) {
  replay_cache cache(cfg.window, cfg.capacity);
  const auto start = clock_type::now();
  std::uint64_t fresh = 0;
  for (const auto& h : hashes) fresh += cache.insert(h, clock_type::now());
  const auto ns = (clock_type::now() - start).count();
  return fresh == 0 ? -1 : ns;  // and `fresh` keeps the loop from being optimised away
}

// Runs a pass in each of cfg.procs processes at once; their times, or empty.
std::vector<pass_time> time_host_shared(const fs::path& path, const std::vector<hash>& hashes, const config& cfg,
                                        std::int64_t& wall_ns) {
  int start[2], results[2];
  if (::pipe(start) != 0 || ::pipe(results) != 0) return {};
  std::vector<pid_t> children;
  for (int p = 0; p < cfg.procs; ++p) {
    const pid_t pid = ::fork();
    if (pid < 0) break;
    if (pid == 0) {
      ::close(start[1]);
      char byte;
      if (::read(start[0], &byte, 1) != 0) ::_exit(1);
      const auto t = time_host(path, hashes, cfg);
      const bool sent = ::write(results[1], &t, sizeof t) == static_cast<ssize_t>(sizeof t);
      ::_exit(sent && t.total_ns >= 0 ? 0 : 1);
    }
    children.push_back(pid);
  }
  const auto began = clock_type::now();
  ::close(start[0]);
  ::close(start[1]);  // go
  ::close(results[1]);
  std::vector<pass_time> times;
  pass_time t;
  while (::read(results[0], &t, sizeof t) == static_cast<ssize_t>(sizeof t)) times.push_back(t);
  wall_ns = (clock_type::now() - began).count();
  ::close(results[0]);
  bool ok = static_cast<int>(children.size()) == cfg.procs;
  for (auto pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  if (!ok || static_cast<int>(times.size()) != cfg.procs) return {};
  return times;
}

void report(const char* name, const char* store, int procs, const config& cfg, double ns_per_call,
            const pass_time* host = nullptr, double wall_ns_per_call = 0) {
  std::printf("replay_record case=%s store=%s procs=%d calls=%" PRIu64 " capacity=%zu ns_per_call=%.1f", name, store,
              procs, cfg.calls, cfg.capacity, ns_per_call);
  if (host)
    std::printf(" slowest_us=%.1f gave_up=%" PRId64, static_cast<double>(host->slowest_ns) / 1000, host->gave_up);
  if (wall_ns_per_call > 0) std::printf(" wall_ns_per_call=%.1f", wall_ns_per_call);
  std::printf("\n");
  std::fflush(stdout);
}

// One case: the in-process cache and the host record on the same hashes.
bool run_case(const std::string& name, const config& cfg) {
  const auto hashes = hashes_for(name, cfg);
  const auto path = cfg.dir / ("replay-bench-" + name);
  fs::remove(path);
  const double calls = static_cast<double>(cfg.calls);

  const auto memory_ns = time_memory(hashes, cfg);
  if (memory_ns < 0) return false;
  report(name.c_str(), "memory", 1, cfg, static_cast<double>(memory_ns) / calls);

  if (name == "shared") {
    std::int64_t wall_ns = 0;
    const auto times = time_host_shared(path, hashes, cfg, wall_ns);
    fs::remove(path);
    if (times.empty()) return false;
    double sum = 0;
    pass_time all;
    for (auto t : times) {
      sum += static_cast<double>(t.total_ns);
      all.slowest_ns = std::max(all.slowest_ns, t.slowest_ns);
      all.gave_up += t.gave_up;
    }
    report(name.c_str(), "host", cfg.procs, cfg, sum / static_cast<double>(times.size()) / calls, &all,
           static_cast<double>(wall_ns) / (calls * cfg.procs));
    return true;
  }
  if (name == "seen" && time_host(path, hashes, cfg).total_ns < 0) return false;  // record them first
  const auto host = time_host(path, hashes, cfg);
  fs::remove(path);
  if (host.total_ns < 0) return false;
  report(name.c_str(), "host", 1, cfg, static_cast<double>(host.total_ns) / calls, &host);
  return true;
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: replay-record-bench [--dir DIR] [--calls N] [--distinct N] [--capacity N] [--procs P] "
               "[CASE...]\n  CASE: new, seen, shared (default: all three)\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  config cfg;
  static const option long_options[] = {
      {"dir", required_argument, nullptr, 'd'},      {"calls", required_argument, nullptr, 'n'},
      {"distinct", required_argument, nullptr, 'k'}, {"capacity", required_argument, nullptr, 'c'},
      {"procs", required_argument, nullptr, 'p'},    {nullptr, 0, nullptr, 0}};
  for (int opt; (opt = ::getopt_long(argc, argv, "", long_options, nullptr)) != -1;) {
    switch (opt) {
      case 'd': cfg.dir = optarg; break;
      case 'n': cfg.calls = std::strtoull(optarg, nullptr, 10); break;
      case 'k': cfg.distinct = std::strtoull(optarg, nullptr, 10); break;
      case 'c': cfg.capacity = std::strtoull(optarg, nullptr, 10); break;
      case 'p': cfg.procs = std::atoi(optarg); break;
      default: usage();
    }
  }
  if (cfg.calls == 0 || cfg.distinct == 0 || cfg.capacity == 0 || cfg.procs < 1 || cfg.procs > 64) usage();
  std::vector<std::string> cases(argv + optind, argv + argc);
  if (cases.empty()) cases = {"new", "seen", "shared"};
  for (const auto& c : cases) {
    if (c != "new" && c != "seen" && c != "shared") usage();
    if (!run_case(c, cfg)) return 1;
  }
  return 0;
}
