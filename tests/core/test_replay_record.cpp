// The host-wide replay record without a server: first acceptance kept, expiry, the
// capacity bound, reboots, damaged files, several processes at once, unusable places.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/replay/record_format.hpp"
#include "core/replay/record_places.hpp"
#include "core/replay/replay_record.hpp"

using namespace remaphore;
using namespace std::chrono_literals;
using core::replay_record;
namespace fs = std::filesystem;

namespace {

// A fresh directory under /tmp, removed with its content at the end of the test.
struct temp_dir {
  fs::path path;
  temp_dir() {
    char name[] = "/tmp/remaphore-replay-XXXXXX";
    REQUIRE(::mkdtemp(name));
    path = name;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path operator/(const char* name) const { return path / name; }
};

// Hash number i: spread over all bytes like SHA-256 output (splitmix64). With
// `same_home`, the first four bytes (the index home and tag) are the same for all i.
replay_record::hash hash_of(std::uint64_t i, bool same_home = false) {
  replay_record::hash h{};
  std::uint64_t x = i * 0x9e3779b97f4a7c15ULL + 1;
  for (std::size_t at = 0; at < h.size(); at += 8) {
    x += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    std::memcpy(h.data() + at, &z, 8);
  }
  if (same_home) std::memset(h.data(), 0x5a, 4);
  return h;
}

replay_record::clock::time_point at(std::chrono::nanoseconds since) {
  return replay_record::clock::time_point(1000s + since);
}

replay_record open_ok(const fs::path& path, std::chrono::nanoseconds window = 10s,
                      std::size_t capacity = replay_record::default_capacity, const replay_record::options& opts = {}) {
  auto opened = core::open_replay_record(path, window, capacity, opts);
  INFO(opened.why);
  REQUIRE(opened.record);
  CHECK(opened.rebuilt.empty());
  return std::move(*opened.record);
}

// first_accepted, which must succeed.
replay_record::clock::time_point first(replay_record& r, std::uint64_t i, replay_record::clock::time_point now) {
  auto res = r.first_accepted(hash_of(i), now);
  INFO(res.problem);
  REQUIRE(res.first);
  return *res.first;
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(gen());
  return s;
}

void write_at(const fs::path& path, std::size_t offset, const void* data, std::size_t n) {
  int fd = ::open(path.c_str(), O_WRONLY);
  REQUIRE(fd >= 0);
  CHECK(::pwrite(fd, data, n, static_cast<off_t>(offset)) == static_cast<ssize_t>(n));
  ::close(fd);
}

// What the record promises, kept the plainest way: entries in the order they were
// added, at most `capacity`, the oldest going first, expired ones dropped from the front.
struct reference_record {
  std::size_t capacity;
  std::int64_t window_ns;
  struct entry {
    std::uint64_t seq;
    replay_record::hash hash;
    std::int64_t first;
  };
  std::deque<entry> ring;
  std::map<replay_record::hash, entry> indexed;
  std::uint64_t next_seq = 0;

  bool expired(std::int64_t first, std::int64_t now) const { return now - first > window_ns; }
  void pop_front() {
    auto it = indexed.find(ring.front().hash);
    if (it != indexed.end() && it->second.seq == ring.front().seq) indexed.erase(it);
    ring.pop_front();
  }
  std::int64_t first_accepted(const replay_record::hash& h, std::int64_t now) {
    while (!ring.empty() && expired(ring.front().first, now)) pop_front();
    if (auto it = indexed.find(h); it != indexed.end()) {
      if (!expired(it->second.first, now)) return it->second.first;
      indexed.erase(it);
    }
    if (ring.size() == capacity) pop_front();
    entry e{next_seq++, h, now};
    ring.push_back(e);
    indexed[h] = e;
    return now;
  }
};

// What a child process reports: hash number and the first acceptance it was told.
struct seen_entry {
  std::uint64_t i;
  std::int64_t first;
};

// Waits for a child with a bound; kills it when the bound passes. Its exit status, or -1.
int wait_child(pid_t pid, std::chrono::seconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(5ms);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("host replay: the first acceptance is kept and shared by every opener") {
  temp_dir dir;
  auto a = open_ok(dir / "replay");
  CHECK(first(a, 1, at(0s)) == at(0s));
  CHECK(first(a, 1, at(2s)) == at(0s));
  CHECK(first(a, 2, at(3s)) == at(3s));
  // Another opener of the same path (another receiver on the host) sees the host's times.
  auto b = open_ok(dir / "replay");
  CHECK(first(b, 1, at(4s)) == at(0s));
  CHECK(first(b, 2, at(4s)) == at(3s));
  CHECK(first(b, 3, at(5s)) == at(5s));
  CHECK(first(a, 3, at(6s)) == at(5s));
}

TEST_CASE("host replay: a hash expires after the window, and the longest window wins") {
  temp_dir dir;
  auto r = open_ok(dir / "replay", 10s);
  CHECK(first(r, 1, at(0s)) == at(0s));
  CHECK(first(r, 1, at(10s)) == at(0s));  // exactly the window: still kept
  CHECK(first(r, 1, at(10s + 1ns)) == at(10s + 1ns));
  CHECK(first(r, 1, at(12s)) == at(10s + 1ns));

  // A process with a shorter window keeps hashes for the longest one asked for.
  auto brief = open_ok(dir / "replay", 2s);
  CHECK(first(brief, 2, at(20s)) == at(20s));
  CHECK(first(brief, 2, at(25s)) == at(20s));
  CHECK(first(brief, 2, at(31s)) == at(31s));
}

TEST_CASE("host replay: capacity bounds the file, the oldest entries go first") {
  temp_dir dir;
  auto path = dir / "replay";
  auto r = open_ok(path, 1h, 4);
  CHECK(r.capacity() == 4);
  const auto size = fs::file_size(path);
  for (int i = 0; i < 6; ++i) CHECK(first(r, i, at(i * 1s)) == at(i * 1s));
  CHECK(fs::file_size(path) == size);
  for (int i = 5; i >= 2; --i) CHECK(first(r, i, at(10s)) == at(i * 1s));
  CHECK(first(r, 0, at(10s)) == at(10s));  // pushed out by 4 and 5: new again
  // The file's capacity stays whatever a later opener asks for.
  auto again = open_ok(path, 1h, 1000);
  CHECK(again.capacity() == 4);
  CHECK(first(again, 5, at(11s)) == at(5s));
}

TEST_CASE("host replay: agrees with a plain model under expiry, eviction and index collisions") {
  temp_dir dir;
  for (bool same_home : {false, true}) {
    CAPTURE(same_home);
    auto path = dir / (same_home ? "colliding" : "spread");
    auto r = open_ok(path, 5s, 8);
    reference_record model{8, 5'000'000'000, {}, {}, 0};
    std::mt19937 gen(same_home ? 7 : 11);
    std::int64_t now = 1'000'000'000'000;
    for (int step = 0; step < 5000; ++step) {
      now += std::uniform_int_distribution<std::int64_t>(0, 1'500'000'000)(gen);
      auto h = hash_of(std::uniform_int_distribution<std::uint64_t>(0, 19)(gen), same_home);
      auto got = r.first_accepted(h, replay_record::clock::time_point(std::chrono::nanoseconds(now)));
      REQUIRE(got.first);
      auto want = model.first_accepted(h, now);
      CAPTURE(step);
      REQUIRE(got.first->time_since_epoch().count() == want);
    }
  }
}

TEST_CASE("host replay: a record from another boot is discarded") {
  temp_dir dir;
  write_file(dir / "boot_a", "0f6a3c1e-7b0d-4f3a-9d2e-5b8c7a6f4e31\n");
  write_file(dir / "boot_b", "a1b2c3d4-e5f6-4711-8899-aabbccddeeff\n");
  replay_record::options before, after;
  before.boot_id_file = dir / "boot_a";
  after.boot_id_file = dir / "boot_b";
  {
    auto r = open_ok(dir / "replay", 1h, 64, before);
    CHECK(first(r, 1, at(0s)) == at(0s));
  }
  // CLOCK_MONOTONIC restarts at boot: times from before mean nothing now. Expected
  // after every reboot, so not reported as a problem.
  auto r = open_ok(dir / "replay", 1h, 64, after);
  CHECK(first(r, 1, at(1s)) == at(1s));

  write_file(dir / "boot_c", "not a boot id\n");
  replay_record::options unreadable;
  unreadable.boot_id_file = dir / "boot_c";
  auto opened = core::open_replay_record(dir / "replay", 1h, 64, unreadable);
  CHECK_FALSE(opened.record);
  CHECK(opened.why.find("boot") != std::string::npos);
}

TEST_CASE("host replay: a damaged record is detected and rebuilt, never trusted") {
  temp_dir dir;
  auto path = dir / "replay";
  std::string sound;
  {
    auto r = open_ok(path, 1h, 64);
    CHECK(first(r, 1, at(0s)) == at(0s));
    sound = read_file(path);
  }
  struct damage {
    const char* name;
    std::string bytes;
  };
  auto with = [&](std::size_t offset, std::string_view patch) {
    auto s = sound;
    s.replace(offset, patch.size(), patch);
    return s;
  };
  // Each still carries the record's magic: a record of ours, damaged, so rebuilt.
  std::vector<damage> cases = {
      {"only the magic", sound.substr(0, 8)},
      {"shorter than a header", sound.substr(0, 100)},
      {"truncated", sound.substr(0, sound.size() / 2)},
      {"extended", sound + "more"},
      {"random bytes after the version", sound.substr(0, 12) + random_bytes(sound.size() - 12, 1)},
      {"older version", with(offsetof(core::detail::record_header, version), std::string("\0\0\0\0", 4))},
      {"head changed (checksum)", with(offsetof(core::detail::record_header, head), "\x01")},
      {"capacity changed", with(offsetof(core::detail::record_header, capacity), "\x41")},
  };
  for (auto& c : cases) {
    CAPTURE(c.name);
    write_file(path, c.bytes);
    auto opened = core::open_replay_record(path, 1h, 64);
    INFO(opened.why);
    REQUIRE(opened.record);
    CHECK(opened.rebuilt.find("rebuilt") != std::string::npos);
    CHECK(first(*opened.record, 1, at(5s)) == at(5s));  // the old entry is gone with the file
    CHECK(first(*opened.record, 1, at(6s)) == at(5s));
    CHECK(read_file(path).size() == sound.size());
    write_file(path, sound);
  }

  // A newer remaphore's record is not ours to replace: unusable, and left as it is.
  const auto newer = with(offsetof(core::detail::record_header, version), std::string("\x07\0\0\0", 4));
  write_file(path, newer);
  auto opened = core::open_replay_record(path, 1h, 64);
  CHECK_FALSE(opened.record);
  CHECK(opened.why.find("newer") != std::string::npos);
  CHECK(read_file(path) == newer);
}

TEST_CASE("host replay: a file that is not a record is refused, named, and left as it is") {
  temp_dir dir;
  const std::string config = "server: nats://127.0.0.1:4222\n[ Identities ]\n";
  struct case_ {
    const char* name;
    std::string bytes;
    const char* says;
  } cases[] = {
      {"a config file", config, "wrong magic"},
      {"an empty file", "", "empty"},
      {"random bytes", random_bytes(5000, 2), "wrong magic"},
      {"a record's size of other bytes", random_bytes(core::detail::layout_for(64).file_size, 3), "wrong magic"},
  };
  for (auto& c : cases) {
    CAPTURE(c.name);
    const auto path = dir / "replay";
    write_file(path, c.bytes);
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
    auto opened = core::open_replay_record(path, 1h, 64);
    CHECK_FALSE(opened.record);
    CHECK(opened.why.find(path.string()) != std::string::npos);
    CHECK(opened.why.find(c.says) != std::string::npos);
    CHECK(opened.why.find("not a replay record") != std::string::npos);
    CHECK(read_file(path) == c.bytes);
  }

  // A FIFO (opening it must not hang either), a device, a symbolic link to a file.
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  fs::create_symlink(dir / "target", dir / "link");
  write_file(dir / "target", config);
  for (const fs::path& path : {dir / "fifo", fs::path("/dev/null"), dir / "link"}) {
    CAPTURE(path);
    auto opened = core::open_replay_record(path, 1h, 64);
    CHECK_FALSE(opened.record);
    CHECK(opened.why.find(path.string()) != std::string::npos);
    CHECK(opened.why.find("left as it is") != std::string::npos);
  }
  CHECK(read_file(dir / "target") == config);
  CHECK(fs::is_fifo(dir / "fifo"));
  CHECK(fs::is_character_file("/dev/null"));
}

TEST_CASE("host replay: a record owned by another user is refused, unless their group shares the directory") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: changing a file's owner needs root");
    return;
  }
  temp_dir dir;
  constexpr uid_t nobody = 65534;
  constexpr gid_t nogroup = 65534;
  auto path = dir / "replay";
  { open_ok(path, 1h, 64); }
  const auto bytes = read_file(path);
  REQUIRE(::chown(path.c_str(), nobody, nogroup) == 0);
  auto opened = core::open_replay_record(path, 1h, 64);
  CHECK_FALSE(opened.record);
  CHECK(opened.why.find("owned by") != std::string::npos);
  CHECK(opened.why.find("65534") != std::string::npos);
  CHECK(read_file(path) == bytes);

  // A sticky world-writable directory (as /tmp) is no group's: still refused.
  REQUIRE(::chmod(dir.path.c_str(), 01777) == 0);
  CHECK_FALSE(core::open_replay_record(path, 1h, 64).record);

  // A directory its group shares (install -d -m 2770 -g GROUP): the group's file is taken.
  auto shared = dir.path / "shared";
  fs::create_directory(shared);
  REQUIRE(::chown(shared.c_str(), 0, nogroup) == 0);
  REQUIRE(::chmod(shared.c_str(), 02770) == 0);
  { open_ok(shared / "replay", 1h, 64); }
  REQUIRE(::chown((shared / "replay").c_str(), nobody, nogroup) == 0);
  auto r = open_ok(shared / "replay", 1h, 64);
  CHECK(first(r, 1, at(0s)) == at(0s));
}

TEST_CASE("host replay: a file damaged under an open record is rebuilt without a fault") {
  temp_dir dir;
  auto path = dir / "replay";
  auto r = open_ok(path, 1h, 64);
  CHECK(first(r, 1, at(0s)) == at(0s));

  // Shrunk in place, keeping the magic: read with checks, never mapped, and rebuilt.
  REQUIRE(::truncate(path.c_str(), 10) == 0);
  auto res = r.first_accepted(hash_of(1), at(1s));
  CHECK(res.problem.find("truncated") != std::string::npos);
  REQUIRE(res.first);
  CHECK(*res.first == at(1s));

  // Opened by other users: not trusted, replaced.
  fs::permissions(path, fs::perms::others_read, fs::perm_options::add);
  res = r.first_accepted(hash_of(1), at(2s));
  CHECK(res.problem.find("other users") != std::string::npos);
  CHECK((fs::status(path).permissions() & fs::perms::others_all) == fs::perms::none);

  // Replaced by garbage under a new inode: the record notices the rename, and the
  // garbage is not a record: this message goes without the record, the file stays.
  const auto garbage = random_bytes(4096, 3);
  write_file(dir / "garbage", garbage);
  fs::permissions(dir / "garbage", fs::perms::owner_read | fs::perms::owner_write);
  fs::rename(dir / "garbage", path);
  res = r.first_accepted(hash_of(1), at(3s));
  CHECK_FALSE(res.first);
  CHECK(res.problem.find("wrong magic") != std::string::npos);
  CHECK(read_file(path) == garbage);
}

TEST_CASE("host replay: truncating and garbling the record in a loop while in use never faults") {
  temp_dir dir;
  auto path = dir / "replay";
  auto r = open_ok(path, 1h, 1024);
  const auto sound = read_file(path);
  std::atomic<bool> stop{false};
  // Someone who ignores the lock: shrinks the file, grows it back, scribbles over it,
  // and now and then puts a sound record back, so that both paths are taken.
  std::thread vandal([&] {
    const auto junk = random_bytes(sound.size(), 7);
    for (std::uint32_t round = 0; !stop.load(); ++round) {
      const int fd = ::open(path.c_str(), O_WRONLY);
      if (fd < 0) continue;
      long rc = 0;  // a failed step is as good as any other here
      switch (round % 4) {
        case 0: rc = ::ftruncate(fd, 0); break;
        case 1: rc = ::ftruncate(fd, static_cast<off_t>(round % sound.size())); break;
        case 2: rc = ::pwrite(fd, junk.data(), junk.size(), 0); break;
        case 3: rc = ::pwrite(fd, sound.data(), sound.size(), 0); break;
      }
      (void)rc;
      ::close(fd);
    }
  });
  int answered = 0, refused = 0;
  const auto until = std::chrono::steady_clock::now() + 2s;
  for (std::uint64_t i = 0; std::chrono::steady_clock::now() < until; ++i) {
    auto res = r.first_accepted(hash_of(i), at(std::chrono::milliseconds(i)));
    ++(res.first ? answered : refused);
  }
  stop = true;
  vandal.join();
  MESSAGE(answered << " answered, " << refused << " refused");
  CHECK(answered + refused > 100);
}

TEST_CASE("host replay: a damaged index or an interrupted writer loses no entries") {
  temp_dir dir;
  auto path = dir / "replay";
  auto r = open_ok(path, 1h, 64);
  for (int i = 0; i < 40; ++i) CHECK(first(r, i, at(i * 1ms)) == at(i * 1ms));
  const std::size_t index_offset = sizeof(core::detail::record_header) + 64 * sizeof(core::detail::record_entry);
  const std::size_t index_size = fs::file_size(path) - index_offset;

  SUBCASE("random index") {
    auto junk = random_bytes(index_size, 4);
    write_at(path, index_offset, junk.data(), junk.size());
  }
  SUBCASE("empty index and the mark of a writer that died mid-update") {
    std::string zeros(index_size, '\0');
    write_at(path, index_offset, zeros.data(), zeros.size());
    const std::uint32_t one = 1;
    write_at(path, offsetof(core::detail::record_header, updating), &one, sizeof one);
  }
  for (int i = 0; i < 40; ++i) CHECK(first(r, i, at(1s)) == at(i * 1ms));
  CHECK(first(r, 40, at(1s)) == at(1s));

  // Random entries in the ring: no fault, and new hashes are still new.
  auto junk = random_bytes(64 * sizeof(core::detail::record_entry), 5);
  write_at(path, sizeof(core::detail::record_header), junk.data(), junk.size());
  for (int i = 100; i < 200; ++i) CHECK(first(r, i, at(2s)) == at(2s));
  for (int i = 140; i < 200; ++i) CHECK(first(r, i, at(3s)) == at(2s));
}

TEST_CASE("host replay: processes writing at once keep one consistent record") {
  temp_dir dir;
  auto path = dir / "replay";
  constexpr int processes = 4;
  constexpr int shared = 20000;  // every process accepts these, each in its own order
  constexpr int own = 2000;      // and these only it
  constexpr std::size_t capacity = 65536;
  // The children start together when the parent closes the pipe, so that they overlap.
  int start[2];
  REQUIRE(::pipe(start) == 0);
  std::vector<pid_t> children;
  for (int p = 0; p < processes; ++p) {
    pid_t pid = ::fork();
    if (pid < 0) break;  // checked below, once the children already started are let go
    if (pid == 0) {
      // A child: no doctest here; report through the exit status and a result file.
      ::close(start[1]);
      char byte;
      if (::read(start[0], &byte, 1) != 0) ::_exit(5);  // end of file: the parent let go
      // The lock is polled, not queued for: four processes that do nothing but take it,
      // on two busy cores, may keep one out for a while. This test is about what they
      // write, so each waits long for its turn.
      replay_record::options patient;
      patient.lock_wait = 20s;
      auto opened = core::open_replay_record(path, 1h, capacity, patient);
      if (!opened.record) {
        std::fprintf(stderr, "child %d: %s\n", p, opened.why.c_str());
        ::_exit(2);
      }
      std::vector<std::uint64_t> order;
      for (int i = 0; i < shared; ++i) order.push_back(i);
      for (int i = 0; i < own; ++i) order.push_back(100000 + p * own + i);
      std::shuffle(order.begin(), order.end(), std::mt19937(p));
      std::vector<seen_entry> seen;
      for (auto i : order) {
        auto res = opened.record->first_accepted(hash_of(i), replay_record::clock::now());
        if (!res.first || !res.problem.empty()) {
          std::fprintf(stderr, "child %d: %s\n", p, res.problem.c_str());
          ::_exit(3);
        }
        seen.push_back({i, res.first->time_since_epoch().count()});
      }
      std::ofstream out(dir.path / ("seen." + std::to_string(p)), std::ios::binary);
      out.write(reinterpret_cast<const char*>(seen.data()), static_cast<std::streamsize>(seen.size() * sizeof seen[0]));
      out.close();
      ::_exit(out ? 0 : 4);  // _exit: the parent's doctest state and atexit handlers are not ours
    }
    children.push_back(pid);
  }
  ::close(start[0]);
  ::close(start[1]);
  for (auto pid : children) CHECK(wait_child(pid, 60s) == 0);
  REQUIRE(children.size() == processes);

  std::map<std::uint64_t, std::int64_t> agreed;
  bool consistent = true;
  for (int p = 0; p < processes; ++p) {
    auto bytes = read_file(dir.path / ("seen." + std::to_string(p)));
    REQUIRE(bytes.size() == (shared + own) * sizeof(seen_entry));
    std::vector<seen_entry> seen(shared + own);
    std::memcpy(seen.data(), bytes.data(), bytes.size());
    for (auto [i, t] : seen)
      if (auto [it, added] = agreed.emplace(i, t); !added && it->second != t) consistent = false;
  }
  CHECK(consistent);
  CHECK(agreed.size() == shared + processes * own);
  auto r = open_ok(path, 1h, capacity);
  const auto later = replay_record::clock::now();
  int mismatches = 0;
  for (auto [i, t] : agreed)
    if (first(r, i, later).time_since_epoch().count() != t) ++mismatches;
  CHECK(mismatches == 0);
}

TEST_CASE("host replay: a lock held too long is reported, not waited for") {
  temp_dir dir;
  auto path = dir / "replay";
  replay_record::options opts;
  opts.lock_wait = 50ms;
  auto r = open_ok(path, 1h, 64, opts);
  int holder = ::open(path.c_str(), O_RDWR);  // its own open file: its lock excludes r's
  REQUIRE(holder >= 0);
  REQUIRE(::flock(holder, LOCK_EX) == 0);
  auto start = std::chrono::steady_clock::now();
  auto res = r.first_accepted(hash_of(1), at(0s));
  auto waited = std::chrono::steady_clock::now() - start;
  CHECK_FALSE(res.first);
  CHECK(res.problem.find("locked") != std::string::npos);
  CHECK(waited >= 50ms);
  CHECK(waited < 5s);
  ::close(holder);
  CHECK(first(r, 1, at(1s)) == at(1s));
}

TEST_CASE("host replay: file mode 0600, or 0660 in a directory a group shares") {
  temp_dir dir;
  auto mode_of = [](const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
  };
  auto saved = ::umask(0);  // the mode must not depend on the umask
  open_ok(dir / "private");
  CHECK(mode_of(dir / "private") == 0600);
  auto shared = dir.path / "shared";
  fs::create_directory(shared);
  REQUIRE(::chmod(shared.c_str(), 02770) == 0);
  open_ok(shared / "replay");
  CHECK(mode_of(shared / "replay") == 0660);
  ::umask(saved);
  // No temporary files are left behind.
  CHECK(std::distance(fs::directory_iterator(shared), fs::directory_iterator()) == 1);
}

TEST_CASE("host replay: an unusable place gives a reason") {
  temp_dir dir;
  write_file(dir / "plain", "x");
  fs::create_directory(dir / "a_directory");
  fs::create_symlink(dir / "elsewhere", dir / "a_link");
  struct {
    fs::path path;
    const char* says;
  } cases[] = {
      {dir / "missing" / "replay", "No such file or directory"},
      {dir / "plain" / "replay", "Not a directory"},
      {dir / "a_directory", "Is a directory"},
      {dir / "a_link", "symbolic link"},
  };
  for (auto& c : cases) {
    CAPTURE(c.path);
    auto opened = core::open_replay_record(c.path, 1h);
    CHECK_FALSE(opened.record);
    CHECK(opened.why.find(c.says) != std::string::npos);
    CHECK(opened.why.find(c.path.parent_path().string()) != std::string::npos);
  }
  CHECK_FALSE(fs::exists(dir / "elsewhere"));
}

TEST_CASE("host replay: resolving replay_cache: off, a path, or the default place") {
  temp_dir dir;
  CHECK(core::resolve_replay_record("off").off());
  CHECK(core::resolve_replay_record("OFF").off());
  auto given = core::resolve_replay_record("/srv/remaphore/replay");
  CHECK(given.path == "/srv/remaphore/replay");
  CHECK(given.why.empty());
  auto relative = core::resolve_replay_record("state/replay");
  CHECK(relative.path.empty());
  CHECK(relative.why.find("absolute") != std::string::npos);

  core::replay_record_dirs service{dir.path, std::nullopt};
  CHECK(core::resolve_replay_record("", service).path == dir.path / "replay");

  core::replay_record_dirs nowhere{dir / "missing", std::nullopt};
  auto none = core::resolve_replay_record("", nowhere);
  CHECK(none.path.empty());
  CHECK_FALSE(none.off());
  CHECK(none.why.find((dir / "missing").string()) != std::string::npos);
  CHECK(none.why.find("XDG_RUNTIME_DIR") != std::string::npos);

  core::replay_record_dirs user{dir / "missing", dir.path};
  auto runtime = core::resolve_replay_record("", user);
  CHECK(runtime.path == dir.path / "remaphore" / "replay");
  struct stat st {};
  REQUIRE(::stat((dir.path / "remaphore").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);

  core::replay_record_dirs broken{dir / "missing", dir / "plain"};
  write_file(dir / "plain", "x");
  auto unusable = core::resolve_replay_record("", broken);
  CHECK(unusable.path.empty());
  CHECK(unusable.why.find((dir / "plain").string()) != std::string::npos);
}
