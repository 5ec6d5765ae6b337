// Helpers of the end-to-end CLI tests (test_cli*.cpp): the real remaphore binary,
// run as separate processes against a real nats-server, with configs composed
// from keys that `remaphore --keygen` prints.
#pragma once
#include <dirent.h>
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/envelope.hpp"
#include "protocol/keys.hpp"
#include "support/nats_server.hpp"
#include "support/process.hpp"

namespace remaphore::test::cli {

using namespace std::chrono_literals;

inline const std::string binary = REMAPHORE_BINARY;

// Bounds: generous for slow (sanitizer) builds; a passing run is far below them.
inline constexpr auto run_bound = 15s;    // a one-shot remaphore call
inline constexpr auto ready_bound = 10s;  // a receiver subscribed ("ready:")
inline constexpr auto event_bound = 10s;  // a message to arrive and be handled

// The lines of a program's output, without their newlines.
// A server URL where nobody listens: a port that was free a moment ago.
inline std::string dead_server() { return "nats://127.0.0.1:" + std::to_string(free_port()); }

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The JSON objects of a --json run, one per line (a line that is not JSON throws).
inline std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  for (const auto& line : lines_of(text)) out.push_back(nlohmann::json::parse(line));
  return out;
}

inline std::vector<std::string> argv_of(std::vector<std::string> args) {
  args.insert(args.begin(), binary);
  return args;
}

// Sanitizer builds report into the child's stderr; a report fails the test even
// when the exit code looks right.
inline void check_no_sanitizer_report(const std::string& err) {
  for (const char* what : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"})
    CHECK_MESSAGE(err.find(what) == std::string::npos, "sanitizer report in stderr:\n" << err);
}

// A remaphore process (or a shell running one) in the background. When it is still
// running at the end of the test it gets SIGTERM, so that it ends its own commands,
// then the process group is killed if need be; its stderr is checked for sanitizer
// reports either way.
class child : public process {
 public:
  explicit child(process p) : process(std::move(p)) {}
  child(child&&) = default;
  child& operator=(child&&) = default;
  ~child() {
    if (pid() <= 0) return;  // moved from
    if (running()) {
      signal(SIGTERM);
      process::wait(run_bound);
    }
    check_no_sanitizer_report(err());
  }
  process_result wait(std::chrono::milliseconds bound) {
    auto r = process::wait(bound);
    check_no_sanitizer_report(r.err);
    return r;
  }
};

// `remaphore args...` to completion.
inline process_result run_remaphore(std::vector<std::string> args, std::chrono::milliseconds bound = run_bound) {
  auto r = run(argv_of(std::move(args)), bound);
  check_no_sanitizer_report(r.err);
  return r;
}

// Starts `remaphore args...` in the background.
inline child spawn(std::vector<std::string> args) { return child(process::start(argv_of(std::move(args)))); }

// Starts a receiver and waits until it has subscribed (its "ready:" log line).
inline child start_receiver(std::vector<std::string> args) {
  auto p = spawn(std::move(args));
  bool ready = p.wait_stderr("ready:", ready_bound);
  REQUIRE_MESSAGE(ready, "the receiver did not get ready; stderr:\n" << p.err());
  return p;
}

struct key_pair {
  std::string pub, priv;
};

// A fresh key pair from `remaphore --keygen` ("<pub> <priv> [*]").
inline key_pair keygen() {
  auto r = run_remaphore({"--keygen"});
  REQUIRE(r.exit_code == 0);
  std::istringstream in(r.out);
  key_pair k;
  std::string verbs;
  in >> k.pub >> k.priv >> verbs;
  REQUIRE(verbs == "[*]");
  return k;
}

// n key pairs, made by concurrent --keygen runs.
inline std::vector<key_pair> keygen(std::size_t n) {
  std::vector<child> procs;
  for (std::size_t i = 0; i < n; ++i) procs.push_back(spawn({"--keygen"}));
  std::vector<key_pair> keys;
  for (auto& p : procs) {
    auto r = p.wait(run_bound);
    REQUIRE(r.exit_code == 0);
    std::istringstream in(r.out);
    key_pair k;
    in >> k.pub >> k.priv;
    keys.push_back(k);
  }
  return keys;
}

// An envelope signed with a key pair that `--keygen` printed.
inline std::string sign(const key_pair& k, const remaphore::protocol::envelope_fields& f) {
  auto priv = remaphore::protocol::parse_private_key(k.priv);
  REQUIRE(priv.has_value());
  return remaphore::protocol::encode(*priv, f);
}

// A fresh signal from `k` now: verb ping, a random uuid unless one is given.
inline remaphore::protocol::envelope_fields signal_fields(const std::string& payload, bool request = false,
                                                          const std::string& uuid = "") {
  remaphore::protocol::envelope_fields f;
  f.destination = "**";
  f.send_time_ns = remaphore::protocol::now_unix_ns();
  f.uuid = remaphore::protocol::uuid_from(uuid);
  f.verb = "ping";
  f.request = request;
  f.payload = payload;
  return f;
}

inline std::string identity_line(const key_pair& k, const std::string& verbs = "*") {
  return k.pub + " " + k.priv + " [" + verbs + "]";
}
inline std::string peer_line(const std::string& destination, const key_pair& k, const std::string& verbs = "*") {
  return destination + " " + k.pub + " [" + verbs + "]";
}

// A config file in the Go tool's syntax; empty fields are left out.
struct config_text {
  std::string server;
  std::string destination;
  std::string default_identity;
  std::string subject;
  std::string allow_skew;
  std::vector<std::string> extra;       // more "key: value" lines
  std::vector<std::string> identities;  // identity_line()
  std::vector<std::string> peers;       // peer_line()

  std::string text() const {
    std::string t;
    if (!server.empty()) t += "server: " + server + "\n";
    if (!subject.empty()) t += "subject: " + subject + "\n";
    if (!default_identity.empty()) t += "default_identity: " + default_identity + "\n";
    if (!destination.empty()) t += "destination: " + destination + "\n";
    if (!allow_skew.empty()) t += "allow_skew: " + allow_skew + "\n";
    for (auto& l : extra) t += l + "\n";
    t += "\n[ Identities ]\n";
    for (auto& l : identities) t += l + "\n";
    t += "\n[ Peers ]\n";
    for (auto& l : peers) t += l + "\n";
    return t;
  }
};

// One identity that is also its own peer: a node that can talk to itself.
inline config_text self_config(const std::string& server, const key_pair& k, const std::string& destination) {
  config_text c;
  c.server = server;
  c.destination = destination;
  c.identities = {identity_line(k)};
  c.peers = {peer_line(destination, k)};
  return c;
}

// A node that only sends: one identity, no destination, no peers.
inline config_text sender_config(const std::string& server, const key_pair& k) {
  config_text c;
  c.server = server;
  c.identities = {identity_line(k)};
  return c;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline bool exists(const std::string& path) { return std::ifstream(path).good(); }

// Polls until the file holds `text`.
inline bool wait_file_contains(const std::string& path, const std::string& text,
                               std::chrono::milliseconds bound = event_bound) {
  return wait_until([&] { return slurp(path).find(text) != std::string::npos; }, bound);
}

// Polls until the file holds exactly `text`.
inline bool wait_file_equals(const std::string& path, const std::string& text,
                             std::chrono::milliseconds bound = event_bound) {
  return wait_until([&] { return slurp(path) == text; }, bound);
}

// Each file of `dir` named in `expected` comes to hold exactly its text (bounded
// wait: the last command may still be writing when its message is logged).
inline void check_files(const temp_dir& dir, const std::map<std::string, std::string>& expected) {
  for (const auto& entry : expected) {
    const auto path = dir.file(entry.first);
    wait_file_equals(path, entry.second);
    CHECK_MESSAGE(slurp(path) == entry.second, entry.first);
  }
}

// The messages a receiver has looked at so far, by its debug log: accepted or dropped.
inline std::size_t handled(const std::string& err) {
  return count_of(err, "accepted '") + count_of(err, "dropped a message: ");
}

// Arguments `a` followed by `b`.
inline std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The value of NAME in an `env` dump, or nullopt-like "<unset>".
inline std::string env_value(const std::string& env_dump, const std::string& name) {
  std::istringstream in(env_dump);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + "=", 0) == 0) return line.substr(name.size() + 1);
  return "<unset>";
}

// Processes (not zombies) whose process group is `pgid`: what a command left behind.
inline std::vector<int> processes_in_group(int pgid) {
  std::vector<int> found;
  DIR* d = ::opendir("/proc");
  if (!d) return found;
  while (auto* e = ::readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    auto st = read_proc_stat(static_cast<pid_t>(pid));
    if (st && st->pgrp == pgid && st->state != 'Z' && st->state != 'X') found.push_back(static_cast<int>(pid));
  }
  ::closedir(d);
  return found;
}

// Reads a pid written by a command (`echo $$ > FILE`), waiting for it to appear.
inline int wait_pid_file(const std::string& path) {
  int pid = 0;
  wait_until(
      [&] {
        std::string s = slurp(path);
        if (s.empty() || s.back() != '\n') return false;
        pid = std::atoi(s.c_str());
        return pid > 0;
      },
      event_bound);
  return pid;
}

}  // namespace remaphore::test::cli
