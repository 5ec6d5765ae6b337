// End-to-end tests of receiving: which receivers a destination pattern reaches, the
// -v / -p / -S / -D filters and peer permissions, two receivers on one config, the
// counting barrier, and that a command never outlives its receiver (-t, SIGTERM).
#include <doctest/doctest.h>
#include <signal.h>

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace std::chrono_literals;

namespace {

// A command that appends "verb payload" to a file, one line per message.
std::vector<std::string> append_to(const std::string& file) {
  return {"sh", "-c", "printf '%s %s\\n' \"$1\" \"$2\" >> '" + file + "'", "--"};
}

bool wait_handled(process& p, std::size_t n) {
  // running() collects the output so far.
  return wait_until(
      [&] {
        p.running();
        return handled(p.err()) >= n;
      },
      event_bound);
}

}  // namespace

TEST_CASE("cli: a destination pattern reaches the receivers it matches and no others") {
  nats_server server;
  temp_dir dir;
  auto sender = keygen();
  config_text tx;
  tx.server = server.url();
  tx.identities = {identity_line(sender)};
  auto tx_cfg = dir.write("tx.conf", tx.text());

  const std::vector<std::string> nodes = {"com.crypto.us.left", "com.crypto.us.right", "com.crypto.eu.left",
                                          "org.other.host"};
  std::vector<child> receivers;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    config_text rx;
    rx.server = server.url();
    rx.destination = nodes[i];
    rx.peers = {peer_line("the.sender", sender)};
    auto cfg = dir.write("rx" + std::to_string(i) + ".conf", rx.text());
    receivers.push_back(spawn(concat({"-c", cfg, "-t", "30s", "--log-level", "debug"}, append_to(dir.file(nodes[i])))));
  }
  for (auto& r : receivers) REQUIRE_MESSAGE(r.wait_stderr("ready:", ready_bound), r.err());

  // pattern -> payload; sent in this order.
  const std::vector<std::pair<std::string, std::string>> sends = {
      {"com.crypto.us.*", "us-star"},
      {"com.crypto.**", "crypto-all"},
      {"*.crypto.*.left", "left"},
      {"com.crypto.us.left", "exact"},
      {"com.crypto.us.l*t", "inner"},
      {"com.crypto.*.*.*", "too-long"},
      {"com.*", "too-short"},
      {"com.crypto.us*s.left", "overlap"},
      {"org.**", "org"},
      {"**", "all"},
  };
  for (auto& [pattern, payload] : sends) {
    auto r = run_remaphore({"-c", tx_cfg, "-s", "-D", pattern, payload});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  // Every receiver has looked at every message (accepted or dropped).
  for (auto& r : receivers) CHECK_MESSAGE(wait_handled(r, sends.size()), r.err());

  const std::map<std::string, std::string> expected = {
      {"com.crypto.us.left", "ping us-star\nping crypto-all\nping left\nping exact\nping inner\nping all\n"},
      {"com.crypto.us.right", "ping us-star\nping crypto-all\nping all\n"},
      {"com.crypto.eu.left", "ping crypto-all\nping left\nping all\n"},
      {"org.other.host", "ping org\nping all\n"},
  };
  check_files(dir, expected);
}

TEST_CASE("cli: receive filters -v, -p, -S and -D, and peer permissions") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(3);
  auto &a = keys[0], &b = keys[1], &stranger = keys[2];

  auto from_a = dir.write("a.conf", sender_config(server.url(), a).text());
  auto from_b = dir.write("b.conf", sender_config(server.url(), b).text());
  auto from_stranger = dir.write("stranger.conf", sender_config(server.url(), stranger).text());

  config_text rx;
  rx.server = server.url();
  rx.destination = "node.x";
  rx.peers = {peer_line("from.a", a), peer_line("from.b", b)};
  auto rx_cfg = dir.write("rx.conf", rx.text());
  config_text limited = rx;
  limited.peers = {peer_line("from.a", a, "PING, status")};  // lower-cased when read
  auto limited_cfg = dir.write("limited.conf", limited.text());

  struct receiver {
    std::string name;
    std::vector<std::string> opts;
    std::string cfg;
  };
  const std::vector<receiver> specs = {
      {"all", {"-d"}, rx_cfg},
      {"verbs", {"-v", "restart, stop"}, rx_cfg},
      {"sender", {"-p", a.pub}, rx_cfg},
      {"subject", {"-S", "grp1", "-d"}, rx_cfg},
      {"exact", {"-D", "exact.dest"}, rx_cfg},
      {"limited", {}, limited_cfg},
  };
  std::map<std::string, child> rxs;
  for (auto& s : specs)
    rxs.emplace(s.name, spawn(concat(concat({"-c", s.cfg, "-t", "30s", "--log-level", "debug"}, s.opts),
                                     append_to(dir.file(s.name)))));
  for (auto& rx : rxs) REQUIRE_MESSAGE(rx.second.wait_stderr("ready:", ready_bound), rx.first, ": ", rx.second.err());

  // config, arguments (payload last)
  const std::vector<std::pair<std::string, std::vector<std::string>>> sends = {
      {from_a, {"-v", "ping", "m1"}},      {from_a, {"-v", "restart", "m2"}},
      {from_b, {"-v", "stop", "m3"}},      {from_b, {"-D", "exact.dest", "m4"}},
      {from_a, {"-D", "exact.de*", "m5"}},                           // -D on a receiver is exact, not a pattern
      {from_a, {"-S", "grp2", "m6"}},                                // nobody listens on grp2
      {from_a, {"-S", "grp1", "m7"}},      {from_stranger, {"m8"}},  // not a peer of anyone
      {from_a, {"-v", "status", "m9"}},    {from_a, {"-v", "Status", "m10"}},  // verbs in messages compare exactly
  };
  std::size_t on_all = 0, on_grp1 = 0;
  for (auto& [cfg, args] : sends) {
    auto r = run_remaphore(concat({"-c", cfg, "-s"}, args));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    bool grp1 = args[0] == "-S" && args[1] == "grp1";
    bool grp2 = args[0] == "-S" && args[1] == "grp2";
    on_all += !grp1 && !grp2;
    on_grp1 += grp1;
  }
  for (auto& rx : rxs)
    CHECK_MESSAGE(wait_handled(rx.second, rx.first == "subject" ? on_grp1 : on_all), rx.first, ": ", rx.second.err());

  const std::map<std::string, std::string> expected = {
      {"all", "ping m1\nrestart m2\nstop m3\nping m4\nping m5\nstatus m9\nStatus m10\n"},
      {"verbs", "restart m2\nstop m3\n"},
      {"sender", "ping m1\nrestart m2\nstatus m9\nStatus m10\n"},
      {"subject", "ping m7\n"},
      {"exact", "ping m4\n"},
      {"limited", "ping m1\nstatus m9\n"},
  };
  check_files(dir, expected);

  // Each filter says why it dropped (debug log).
  CHECK(rxs.at("verbs").err().find("dropped a message: verb does not match -v") != std::string::npos);
  CHECK(rxs.at("sender").err().find("dropped a message: sender does not match -p") != std::string::npos);
  CHECK(rxs.at("exact").err().find("dropped a message: destination does not match") != std::string::npos);
  CHECK(rxs.at("limited").err().find("dropped a message: peer is not allowed this verb") != std::string::npos);
  CHECK(rxs.at("limited").err().find("dropped a message: sender is not a configured peer") != std::string::npos);
}

TEST_CASE("cli: two receivers started with the same config on one host both get the message") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("c.conf", self_config(server.url(), k, "node.same").text());
  auto first = start_receiver(concat({"-c", cfg, "-o", "-t", "20s"}, append_to(dir.file("first"))));
  auto second = start_receiver(concat({"-c", cfg, "-o", "-t", "20s"}, append_to(dir.file("second"))));
  REQUIRE(run_remaphore({"-c", cfg, "-s", "both"}).exit_code == 0);
  CHECK(first.wait(run_bound).exit_code == 0);
  CHECK(second.wait(run_bound).exit_code == 0);
  CHECK(slurp(dir.file("first")) == "ping both\n");
  CHECK(slurp(dir.file("second")) == "ping both\n");
}

TEST_CASE("cli: counting barrier -n 2 -u x is released only by two distinct peers") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(2);
  auto &a = keys[0], &b = keys[1];
  config_text rx;
  rx.server = server.url();
  rx.destination = "node.barrier";
  rx.peers = {peer_line("from.a", a), peer_line("from.b", b)};
  auto rx_cfg = dir.write("rx.conf", rx.text());
  auto from_a = dir.write("a.conf", sender_config(server.url(), a).text());
  auto from_b = dir.write("b.conf", sender_config(server.url(), b).text());

  auto barrier = start_receiver(concat({"-c", rx_cfg, "-n", "2", "-u", "x", "-t", "30s", "--log-level", "debug"},
                                       append_to(dir.file("released"))));
  // A second barrier that only one peer ever reaches: it times out with exit 1.
  auto starved = start_receiver({"-c", rx_cfg, "-n", "2", "-u", "z", "-t", "1s"});

  REQUIRE(run_remaphore({"-c", from_a, "-s", "-u", "z"}).exit_code == 0);
  REQUIRE(run_remaphore({"-c", from_a, "-s", "-u", "x", "first"}).exit_code == 0);
  CHECK(barrier.wait_stderr_count("1 of 2 peers so far", 1, event_bound));
  REQUIRE(run_remaphore({"-c", from_a, "-s", "-u", "x", "again"}).exit_code == 0);  // same peer: still 1
  CHECK(barrier.wait_stderr_count("1 of 2 peers so far", 2, event_bound));
  REQUIRE(run_remaphore({"-c", from_b, "-s", "-u", "y", "other id"}).exit_code == 0);
  // The "z" message and this one.
  CHECK(barrier.wait_stderr_count("dropped a message: uuid does not match -u", 2, event_bound));
  CHECK(barrier.running());
  CHECK(!exists(dir.file("released")));

  REQUIRE(run_remaphore({"-c", from_b, "-s", "-u", "x", "second"}).exit_code == 0);
  auto r = barrier.wait(run_bound);
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(slurp(dir.file("released")) == "ping second\n");  // the command runs once, on release

  auto s = starved.wait(run_bound);
  CHECK(s.exit_code == 1);
  CHECK(s.err.find("timed out with 1 of 2 peers") != std::string::npos);
}

namespace {

// A command that starts a background child, records both pids, then sleeps in the
// foreground: sh ($$) leads the command's process group.
std::vector<std::string> long_command(const temp_dir& dir) {
  return {"sh", "-c",
          "sleep 100 & echo $! > '" + dir.file("bg.pid") + "'; echo $$ > '" + dir.file("sh.pid") +
              "'; sleep 100; echo never",
          "--"};
}

// True once nothing of the command is left: its leader, its background child, and
// anything else in its process group.
bool command_gone(int sh_pid, int bg_pid) {
  return wait_until([&] { return process_gone(sh_pid) && process_gone(bg_pid) && processes_in_group(sh_pid).empty(); },
                    5s);
}

}  // namespace

TEST_CASE("cli: a command still running at the receiver's -t is killed with everything it started") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("c.conf", self_config(server.url(), k, "node.slow").text());

  auto rx = start_receiver(concat({"-c", cfg, "-o", "-t", "1s"}, long_command(dir)));
  auto start = std::chrono::steady_clock::now();
  REQUIRE(run_remaphore({"-c", cfg, "-s"}).exit_code == 0);
  int sh_pid = wait_pid_file(dir.file("sh.pid"));
  int bg_pid = wait_pid_file(dir.file("bg.pid"));
  REQUIRE(sh_pid > 0);
  REQUIRE(bg_pid > 0);
  CHECK(!processes_in_group(sh_pid).empty());

  auto r = rx.wait(run_bound);
  CHECK(!r.timed_out);
  // The message was accepted, so the receiver reports success even though the
  // command did not finish (exit codes are about messages).
  CHECK(r.exit_code == 0);
  CHECK(std::chrono::steady_clock::now() - start < 6s);
  CHECK(command_gone(sh_pid, bg_pid));
}

TEST_CASE("cli: SIGTERM or SIGHUP to a receiver running a command: 128+N, and the command is gone") {
  struct ending {
    int sig;
    int code;
    const char* said;
  };
  for (auto e : {ending{SIGTERM, 143, "terminated (SIGTERM)"}, ending{SIGHUP, 129, "hung up (SIGHUP)"}}) {
    CAPTURE(e.said);
    nats_server server;
    temp_dir dir;
    auto k = keygen();
    auto cfg = dir.write("c.conf", self_config(server.url(), k, "node.slow").text());

    auto rx = start_receiver(concat({"-c", cfg}, long_command(dir)));
    REQUIRE(run_remaphore({"-c", cfg, "-s"}).exit_code == 0);
    int sh_pid = wait_pid_file(dir.file("sh.pid"));
    int bg_pid = wait_pid_file(dir.file("bg.pid"));
    REQUIRE(sh_pid > 0);
    REQUIRE(bg_pid > 0);

    rx.signal(e.sig);
    auto r = rx.wait(run_bound);
    CHECK(!r.timed_out);
    CHECK(r.term_signal == 0);
    CHECK_MESSAGE(r.exit_code == e.code, r.err);
    CHECK(r.err.find(e.said) != std::string::npos);
    CHECK(command_gone(sh_pid, bg_pid));
  }
}

TEST_CASE("cli: a receiver's own stdout carries the command's whole output, only the reply is cut") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("c.conf", self_config(server.url(), k, "node.out").text());
  auto rx = start_receiver({"-c", cfg, "-o", "-t", "20s", "sh", "-c", "head -c 200000 /dev/zero | tr '\\0' x"});
  auto q = run_remaphore({"-c", cfg, "-r", "--json", "-t", "10s"});
  auto r = rx.wait(run_bound);
  CHECK(r.exit_code == 0);
  CHECK(r.out == std::string(200000, 'x'));
  CHECK(q.exit_code == 0);
  CHECK(q.out.find(std::string(64 * 1024, 'x')) != std::string::npos);
  CHECK(q.out.find(std::string(64 * 1024 + 1, 'x')) == std::string::npos);
}

// The messages the "command queue full" lines of a receiver's log say were dropped.
static int queue_full_drops(const std::string& log) {
  int total = 0;
  const std::string marker = "command queue full: ";
  for (auto at = log.find(marker); at != std::string::npos; at = log.find(marker, at + 1))
    total += std::atoi(log.c_str() + at + marker.size());
  return total;
}

TEST_CASE("cli: commands run one at a time in arrival order, and a full queue drops and says so") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto node = self_config(server.url(), k, "node.q");
  node.extra = {"command_queue: 64"};
  auto cfg = dir.write("c.conf", node.text());
  const std::string runs = dir.file("runs"), gate = dir.file("gate"), busy = dir.file("busy");
  // Each command notes its payload, fails if another one is running, and waits for
  // the gate so that the following messages pile up in the queue. The gate's bound
  // (100 s) only has to outlast 67 sends, each a process of its own, on a loaded
  // machine under the sanitizers: the test opens the gate as soon as they are sent.
  const std::string script = "[ -e '" + busy + "' ] && echo overlap >> '" + runs + "'; : > '" + busy +
                             "'; printf '%s\\n' \"$2\" >> '" + runs + "'; i=0; while [ ! -e '" + gate +
                             "' ] && [ $i -lt 2000 ]; do sleep 0.05; i=$((i+1)); done; rm -f '" + busy + "'";
  auto rx = start_receiver({"-c", cfg, "-t", "150s", "sh", "-c", script, "--"});

  REQUIRE(run_remaphore({"-c", cfg, "-s", "0"}).exit_code == 0);
  REQUIRE(wait_file_contains(runs, "0\n"));  // the first command runs and holds the queue
  // 64 more fill the queue, 3 more are dropped.
  constexpr int sent = 68;
  for (int i = 1; i < sent; ++i) REQUIRE(run_remaphore({"-c", cfg, "-s", std::to_string(i)}).exit_code == 0);
  // The first drop is reported at once, the other two in the next summary.
  REQUIRE(rx.wait_stderr("command queue full: 1 message dropped", event_bound));
  { std::ofstream(gate.c_str()) << "open\n"; }

  std::string expected;
  for (int i = 0; i <= 64; ++i) expected += std::to_string(i) + "\n";
  CHECK(wait_file_equals(runs, expected, 30s));
  CHECK(slurp(runs) == expected);  // in order, no overlap, 65 to 67 dropped
  // Reported as they come: the other two in the next summary, or one by one when the
  // sends were more than the summary's second apart.
  CHECK(wait_until([&] { return rx.running() && queue_full_drops(rx.err()) == 3; }, event_bound));
  CHECK(rx.running());  // a full queue is no reason to stop
}

TEST_CASE("cli: with --log-format json every line is a JSON object, with an audit record per command and per reply") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("c.conf", self_config(server.url(), k, "node.audit").text());
  auto rx = start_receiver({"-c", cfg, "-o", "-t", "20s", "--log-format", "json", "sh", "-c", "echo done; exit 4"});
  auto q = run_remaphore({"-c", cfg, "-r", "-t", "10s", "-u", "job-1", "the payload"});
  CHECK(q.exit_code == 0);
  auto r = rx.wait(run_bound);
  CHECK(r.exit_code == 0);
  std::vector<nlohmann::json> records;
  std::istringstream lines(r.err);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    CHECK_MESSAGE(j.is_object(), line);
    if (j.is_object()) records.push_back(j);
  }
  auto find = [&](const std::string& event) {
    for (auto& j : records)
      if (j.value("event", "") == event) return j;
    return nlohmann::json();
  };
  auto command = find("command");
  REQUIRE(command.is_object());
  CHECK(command["level"] == "warn");  // a command that failed
  CHECK(command["sender"] == k.pub);
  CHECK(command["peer"] == "node.audit");
  CHECK(command["verb"] == "ping");
  CHECK(command["uuid"] == "6a6f622d31");  // "job-1"
  CHECK(command["payload_bytes"] == 11);
  CHECK(command["payload_sha256"].get<std::string>().size() == 64);
  CHECK(command["command"] == "sh");
  CHECK(command["exit_code"] == 4);
  CHECK(command["duration_ms"].is_number());
  CHECK(command["time"].get<std::string>().ends_with("Z"));
  auto reply = find("reply");
  REQUIRE(reply.is_object());
  CHECK(reply["peer"] == "node.audit");
  CHECK(reply["uuid"] == "6a6f622d31");
  CHECK(reply["reply_bytes"].get<int>() > 0);
}

TEST_CASE("cli: a receiver whose stdout takes nothing still ends at -t, saying how much output it could not write") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto conf = dir.write("node.conf", self_config(server.url(), k, "node.stuck").text());
  // stdout is a pipe to a reader that never reads (and ends by itself later): it fills
  // at 64 KiB, the command writes 1 MB. The subshell reports remaphore's exit on stderr.
  const auto flood = dir.write("flood.sh", "head -c 1000000 /dev/zero\n");
  const std::string line = "(" + binary + " -c " + conf + " -o -t 4s sh " + flood + "; echo \"rc=$?\" >&2) | sleep 8";
  auto rx = child(process::start({"sh", "-c", line}));
  REQUIRE(rx.wait_stderr("ready:", ready_bound));
  REQUIRE(run_remaphore({"-c", conf, "-s", "go"}).exit_code == 0);
  CHECK(rx.wait_stderr("rc=0", 10s));
  CHECK(rx.err().find("bytes of the commands' output were not written") != std::string::npos);
}

TEST_CASE("cli: SIGTERM with commands waiting says how many were not run, and audits each and the one ended") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto conf = dir.write("node.conf", self_config(server.url(), k, "node.busy").text());
  const auto started = dir.file("started");
  const auto slow = dir.write("slow.sh", "echo x >> '" + started + "'; sleep 100\n");
  auto rx = start_receiver({"-c", conf, "-t", "60s", "sh", slow});
  for (int i = 0; i < 4; ++i) REQUIRE(run_remaphore({"-c", conf, "-s", "job" + std::to_string(i)}).exit_code == 0);
  REQUIRE(rx.wait_stderr_count("accepted '", 4, event_bound));
  REQUIRE(wait_until([&] { return slurp(started).size() == 2; }, 5s));  // the first runs
  rx.signal(SIGTERM);
  auto r = rx.wait(run_bound);
  INFO("stderr:\n", r.err);
  CHECK(r.exit_code == 143);
  CHECK(r.err.find("3 accepted messages were not run: the receiver stopped while they waited") != std::string::npos);
  CHECK(count_of(r.err, "accepted message not run: the receiver stopped") == 3);
  CHECK(r.err.find("was ended (its process group: SIGTERM, then SIGKILL): the receiver stopped") != std::string::npos);
  CHECK(r.err.find("4 passed every check (3 of them not run)") != std::string::npos);
  CHECK(slurp(started).size() == 2);  // only the first ever started
}
