// End-to-end tests of rolling requests (--batch N), --batch-stop-on-failure, the
// summary (stderr, and the --json summary object), --sort, and the live progress line
// under a pseudo-terminal (and its absence without one). Responders are real remaphore
// receivers; each command appends its name to a shared file, so the file's order says
// who was asked in which batch.
#include <doctest/doctest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli_support.hpp"

extern char** environ;

using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace std::chrono_literals;

namespace {

std::string fleet_name(int i) { return (i < 10 ? "fleet.n0" : "fleet.n") + std::to_string(i); }

std::set<std::string> set_of(const std::vector<std::string>& v, std::size_t from, std::size_t to) {
  return {v.begin() + static_cast<std::ptrdiff_t>(from), v.begin() + static_cast<std::ptrdiff_t>(to)};
}

// N responders fleet.n00 ... on one server. Each command appends "<name>
// <REMAPHORE_DESTMATCH>" to `log_file` and answers "ok <name>"; `failing` exits 3.
struct fleet {
  nats_server server;
  temp_dir dir;
  std::vector<key_pair> keys;  // [0, n): the responders, [n]: the requester
  std::vector<child> responders;
  std::string log_file = dir.file("asked.log");
  std::string requester_config;     // the responders in order, then the silent peers
  std::string silent_first_config;  // the silent peers first

  fleet(int n, int failing, const std::vector<std::string>& silent_peers = {}) : keys(keygen(n + 1)) {
    config_text qc;
    qc.server = server.url();
    qc.identities = {identity_line(keys[n])};
    std::vector<std::string> silent;
    for (const auto& name : silent_peers) silent.push_back(peer_line(name, keygen()));
    qc.peers = silent;
    for (int i = 0; i < n; ++i) qc.peers.push_back(peer_line(fleet_name(i), keys[i]));
    silent_first_config = dir.write("q-silent-first.conf", qc.text());
    qc.peers.erase(qc.peers.begin(), qc.peers.begin() + static_cast<std::ptrdiff_t>(silent.size()));
    qc.peers.insert(qc.peers.end(), silent.begin(), silent.end());
    requester_config = dir.write("q.conf", qc.text());
    for (int i = 0; i < n; ++i) responders.push_back(start_responder(i, i == failing));
    for (auto& r : responders) REQUIRE_MESSAGE(r.wait_stderr("ready:", ready_bound), r.err());
  }

  child start_responder(int i, bool fails) {
    config_text c;
    c.server = server.url();
    c.destination = fleet_name(i);
    c.identities = {identity_line(keys[i])};
    c.peers = {peer_line("the.requester", keys.back())};
    auto cfg = dir.write(fleet_name(i) + ".conf", c.text());
    const std::string script = std::string("echo \"$0 $REMAPHORE_DESTMATCH\" >> ") + log_file +
                               (fails ? "; echo broken; exit 3" : "; echo ok $0");
    return spawn({"-c", cfg, "--log-level", "debug", "-t", "120s", "sh", "-c", script, fleet_name(i)});
  }

  std::vector<std::string> asked() const { return lines_of(slurp(log_file)); }
  void forget_asked() const { dir.write("asked.log", ""); }
};

// The lines the commands of these responders append: "fleet.n03 fleet.n03".
std::set<std::string> ran_by(const std::vector<std::string>& short_names) {
  std::set<std::string> out;
  for (const auto& n : short_names) out.insert("fleet." + n + " fleet." + n);
  return out;
}

// What a terminal shows after `raw`: carriage return, newline and "erase to the end
// of the line" are the only controls remaphore writes.
std::vector<std::string> screen_of(const std::string& raw) {
  std::vector<std::string> screen(1);
  std::size_t col = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto& line = screen.back();
    if (raw.compare(i, 3, "\033[K") == 0) {
      line.resize(std::min(line.size(), col));
      i += 2;
    } else if (raw[i] == '\r') {
      col = 0;
    } else if (raw[i] == '\n') {
      screen.emplace_back();
      col = 0;
    } else {
      if (line.size() <= col) line.resize(col + 1, ' ');
      line[col++] = raw[i];
    }
  }
  while (!screen.empty() && screen.back().empty()) screen.pop_back();
  return screen;
}

struct pty_result {
  int exit_code = -1;
  std::string output;  // stdout and stderr as the terminal got them
  std::chrono::nanoseconds elapsed{0};
};

// Runs remaphore with stdin, stdout and stderr on a pseudo-terminal (TERM=xterm).
pty_result run_in_pty(std::vector<std::string> args, std::chrono::milliseconds bound) {
  args = argv_of(std::move(args));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_text = {"TERM=xterm"};
  for (char** e = environ; *e; ++e)
    if (std::string_view(*e).rfind("TERM=", 0) != 0) env_text.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  pty_result r;
  const auto start = std::chrono::steady_clock::now();
  int master = -1;
  winsize ws{24, 160, 0, 0};
  pid_t pid = ::forkpty(&master, nullptr, nullptr, &ws);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  const auto end = start + bound;
  char buf[4096];
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO: the child closed the terminal
    r.output.append(buf, static_cast<std::size_t>(n));
  }
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  r.elapsed = std::chrono::steady_clock::now() - start;
  ::close(master);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Whether `text` holds a progress line: "<digits>/<digits> answered, <digits> failed, ".
// (Not std::regex: g++ 12 with the sanitizers warns inside it.)
bool has_progress_text(std::string_view text) {
  auto digits_before = [&](std::size_t end) {
    std::size_t begin = end;
    while (begin > 0 && std::isdigit(static_cast<unsigned char>(text[begin - 1]))) --begin;
    return begin;
  };
  for (auto at = text.find(" answered, "); at != std::string_view::npos; at = text.find(" answered, ", at + 1)) {
    const auto total = digits_before(at);
    if (total == at || total == 0 || text[total - 1] != '/') continue;
    const auto done = digits_before(total - 1);
    const auto rest = text.substr(at + 11);
    const auto failed = rest.find_first_not_of("0123456789");
    const bool counted = done < total - 1 && failed > 0 && failed != std::string_view::npos;
    if (counted && rest.substr(failed).starts_with(" failed, ")) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("cli: --batch 3 asks 10 responders 3 at a time, each by its own destination, and sums up") {
  fleet f(10, 4);
  auto r = run_remaphore(
      {"-c", f.requester_config, "-r", "--batch", "3", "--batch-timeout", "10s", "-t", "60s", "-v", "deploy", "v2"},
      60s);
  INFO("stdout:\n", r.out, "\nstderr:\n", r.err);
  CHECK(r.exit_code == 0);  // a failed command does not stop the run without --batch-stop-on-failure

  // Who ran the command, in which order: batch by batch, each responder once, for its own destination.
  auto asked = f.asked();
  REQUIRE(asked.size() == 10);
  CHECK(set_of(asked, 0, 3) == ran_by({"n00", "n01", "n02"}));
  CHECK(set_of(asked, 3, 6) == ran_by({"n03", "n04", "n05"}));
  CHECK(set_of(asked, 6, 9) == ran_by({"n06", "n07", "n08"}));
  CHECK(asked[9] == "fleet.n09 fleet.n09");

  // Every responder saw the 9 requests of the others and dropped them at the
  // destination filter, before the signature check, and accepted its own once.
  for (int i = 0; i < 10; ++i) {
    auto& rx = f.responders[static_cast<std::size_t>(i)];
    CHECK_MESSAGE(rx.wait_stderr_count("dropped a message: destination does not match", 9, event_bound), rx.err());
    CHECK(count_of(rx.err(), "dropped a message: destination does not match") == 9);
    CHECK(count_of(rx.err(), "accepted 'deploy'") == 1);
    CHECK(rx.err().find("signature") == std::string::npos);
  }

  std::set<std::string> replies;
  for (const auto& line : lines_of(r.out)) replies.insert(line);
  std::set<std::string> want;
  for (int i = 0; i < 10; ++i) want.insert(fleet_name(i) + (i == 4 ? ",3,broken" : ",0,ok " + fleet_name(i)));
  CHECK(replies == want);

  CHECK(r.err.find("batch 1 of 4: fleet.n00, fleet.n01, fleet.n02") != std::string::npos);
  CHECK(r.err.find("batch 4 of 4: fleet.n09") != std::string::npos);
  CHECK(r.err.find("summary: 10 asked, 10 answered, 1 failed (fleet.n04: exit 3), 0 silent, 0 not asked, ") !=
        std::string::npos);
  CHECK(r.err.find("4 of 4 batches of 3") != std::string::npos);
  CHECK(r.err.find('\r') == std::string::npos);  // no progress line: stderr is not a terminal
}

TEST_CASE("cli: --batch-stop-on-failure stops after the batch with the failure and names who was not asked") {
  fleet f(10, 4);
  auto r = run_remaphore(
      {"-c", f.requester_config, "-r", "--batch", "3", "--batch-stop-on-failure", "--json", "-t", "60s", "deploy"},
      60s);
  INFO("stdout:\n", r.out, "\nstderr:\n", r.err);
  CHECK(r.exit_code == 1);

  // Batches 1 and 2 ran; the peers of batches 3 and 4 never ran the command.
  auto asked = f.asked();
  REQUIRE(asked.size() == 6);
  CHECK(set_of(asked, 0, 3) == ran_by({"n00", "n01", "n02"}));
  CHECK(set_of(asked, 3, 6) == ran_by({"n03", "n04", "n05"}));
  for (int i = 6; i < 10; ++i) CHECK(count_of(f.responders[static_cast<std::size_t>(i)].err(), "accepted '") == 0);

  CHECK(r.err.find("stopped after batch 2 of 4: failed: fleet.n04: exit 3; not asked: fleet.n06, fleet.n07, "
                   "fleet.n08, fleet.n09") != std::string::npos);
  CHECK(r.err.find("summary: 6 asked, 6 answered, 1 failed (fleet.n04: exit 3), 0 silent, 4 not asked (fleet.n06, "
                   "fleet.n07, fleet.n08, fleet.n09), ") != std::string::npos);

  // --json: six reply objects, then the summary object, told apart by its key.
  auto objects = json_lines(r.out);
  REQUIRE(objects.size() == 7);
  for (std::size_t i = 0; i < 6; ++i) {
    CHECK(objects[i].contains("destination"));
    CHECK(!objects[i].contains("summary"));
  }
  const auto& s = objects.back().at("summary");
  CHECK(objects.back().size() == 1);
  CHECK(s["asked"] == 6);
  CHECK(s["answered"] == 6);
  CHECK(s["failed"] == nlohmann::json::parse(R"([{"destination":"fleet.n04","exit_code":3}])"));
  CHECK(s["silent"].empty());
  CHECK(s["not_asked"] == nlohmann::json::parse(R"(["fleet.n06","fleet.n07","fleet.n08","fleet.n09"])"));
  CHECK(s["batches"] == nlohmann::json::parse(R"({"size":3,"run":2,"total":4})"));
  CHECK(s["stopped"] == "failure");
  CHECK(s["elapsed_ms"].is_number());
}

TEST_CASE("cli: a silent peer stops a rolling run with --batch-stop-on-failure, and -t can end one early") {
  fleet f(4, -1, {"fleet.gone"});  // config order: n00 n01 n02 n03 gone
  auto start = std::chrono::steady_clock::now();
  auto r = run_remaphore({"-c", f.requester_config, "-r", "--batch", "2", "--batch-timeout", "700ms",
                          "--batch-stop-on-failure", "-D", "fleet.*", "status"});
  auto elapsed = std::chrono::steady_clock::now() - start;
  INFO("stdout:\n", r.out, "\nstderr:\n", r.err);
  // Batches n00+n01 and n02+n03 answer; the last, fleet.gone alone, is silent: the
  // run ends with it, nothing is left to skip, and the exit says not all is well.
  CHECK(r.exit_code == 1);
  CHECK(f.asked().size() == 4);
  CHECK(elapsed >= 700ms);
  CHECK(r.err.find("no reply from fleet.gone") != std::string::npos);
  CHECK(r.err.find("summary: 5 asked, 4 answered, 0 failed, 1 silent (fleet.gone), 0 not asked, ") !=
        std::string::npos);

  // The silent peer first: nothing after its batch is asked.
  f.forget_asked();
  auto stopped = run_remaphore({"-c", f.silent_first_config, "-r", "--batch", "2", "--batch-timeout", "500ms",
                                "--batch-stop-on-failure", "status"});
  INFO("stderr (silent first):\n", stopped.err);
  CHECK(stopped.exit_code == 1);
  CHECK(f.asked() == std::vector<std::string>{"fleet.n00 fleet.n00"});
  CHECK(stopped.err.find("stopped after batch 1 of 3: silent: fleet.gone; not asked: fleet.n01, fleet.n02, "
                         "fleet.n03") != std::string::npos);

  // --batch-timeout 0: the batch waits for its silent peer until -t ends the whole run.
  f.forget_asked();
  auto cut = run_remaphore(
      {"-c", f.silent_first_config, "-r", "--batch", "2", "--batch-timeout", "0", "-t", "1s", "--json", "status"});
  INFO("stderr (-t):\n", cut.err);
  CHECK(cut.exit_code == 0);  // fleet.n00 answered
  CHECK(f.asked() == std::vector<std::string>{"fleet.n00 fleet.n00"});
  CHECK(cut.err.find("the -t deadline passed after batch 1 of 3; not asked: fleet.n01, fleet.n02, fleet.n03") !=
        std::string::npos);
  auto objects = json_lines(cut.out);
  REQUIRE(objects.size() == 2);
  CHECK(objects.back()["summary"]["stopped"] == "deadline");
  CHECK(objects.back()["summary"]["silent"] == nlohmann::json::parse(R"(["fleet.gone"])"));
}

TEST_CASE("cli: a plain request sums up too, and --sort prints the replies by destination at the end") {
  fleet f(6, 2, {"fleet.gone"});
  auto r = run_remaphore({"-c", f.requester_config, "-r", "--sort", "-t", "2s", "status"});
  INFO("stdout:\n", r.out, "\nstderr:\n", r.err);
  CHECK(r.exit_code == 0);
  auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 6);
  for (int i = 0; i < 6; ++i) CHECK(lines[static_cast<std::size_t>(i)].rfind(fleet_name(i) + ",", 0) == 0);
  CHECK(r.err.find("summary: 7 asked, 6 answered, 1 failed (fleet.n02: exit 3), 1 silent (fleet.gone), ") !=
        std::string::npos);
  CHECK(r.err.find("not asked") == std::string::npos);  // only a rolling request leaves peers out
  CHECK(r.err.find("batch") == std::string::npos);

  auto j = run_remaphore({"-c", f.requester_config, "-r", "--sort", "--json", "-t", "2s", "status"});
  auto objects = json_lines(j.out);
  REQUIRE(objects.size() == 7);
  for (int i = 0; i < 6; ++i) CHECK(objects[static_cast<std::size_t>(i)]["destination"] == fleet_name(i));
  CHECK(objects.back()["summary"]["silent"] == nlohmann::json::parse(R"(["fleet.gone"])"));
  CHECK(objects.back()["summary"]["stopped"].is_null());
  CHECK(!objects.back()["summary"].contains("batches"));
}

TEST_CASE("cli: --require-all exits 1 unless every addressed peer answered 0, naming the failed and the silent") {
  fleet f(3, 1, {"fleet.gone"});
  auto loose = run_remaphore({"-c", f.requester_config, "-r", "-t", "2s", "status"});
  CHECK(loose.exit_code == 0);  // at least one answered: enough without --require-all
  auto strict = run_remaphore({"-c", f.requester_config, "-r", "--require-all", "-t", "2s", "--json", "status"});
  INFO("stderr:\n", strict.err);
  CHECK(strict.exit_code == 1);
  CHECK(strict.err.find("not every addressed peer answered with exit code 0 (--require-all); failed: fleet.n01: "
                        "exit 3; silent: fleet.gone") != std::string::npos);
  CHECK(json_lines(strict.out).size() == 4);  // three replies and the summary, as without it

  auto one = run_remaphore({"-c", f.requester_config, "-r", "--require-all", "-D", "fleet.n02", "status"});
  CHECK_MESSAGE(one.exit_code == 0, one.err);
  auto failed = run_remaphore({"-c", f.requester_config, "-r", "--require-all", "-D", "fleet.n01", "status"});
  CHECK(failed.exit_code == 1);
  CHECK(failed.err.find("failed: fleet.n01: exit 3") != std::string::npos);
  CHECK(failed.err.find("silent:") == std::string::npos);

  // With batches: every batch is asked (no stop), the verdict comes at the end.
  auto rolling =
      run_remaphore({"-c", f.requester_config, "-r", "--require-all", "--batch", "2", "--batch-timeout", "1s", "x"});
  CHECK(rolling.exit_code == 1);
  CHECK(rolling.err.find("summary: 4 asked, 3 answered, 1 failed (fleet.n01: exit 3), 1 silent (fleet.gone)") !=
        std::string::npos);
}

TEST_CASE("cli: --batch N% asks that share of the matching peers at a time, --batch-sleep pauses in between") {
  fleet f(4, -1);
  const auto start = std::chrono::steady_clock::now();
  auto r =
      run_remaphore({"-c", f.requester_config, "-r", "--batch", "50%", "--batch-sleep", "1s", "-t", "60s", "x"}, 60s);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  INFO("stderr:\n", r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("batch 1 of 2: fleet.n00, fleet.n01") != std::string::npos);
  CHECK(r.err.find("pausing 1.0s before batch 2 of 2") != std::string::npos);
  CHECK(r.err.find("batch 2 of 2: fleet.n02, fleet.n03") != std::string::npos);
  CHECK(elapsed >= 1s);
  auto asked = f.asked();
  REQUIRE(asked.size() == 4);
  CHECK(set_of(asked, 0, 2) == ran_by({"n00", "n01"}));

  // A share is rounded up: 1% of 4 peers is one at a time.
  f.forget_asked();
  auto small = run_remaphore({"-c", f.requester_config, "-r", "--batch", "1%", "-t", "60s", "x"}, 60s);
  CHECK(small.exit_code == 0);
  CHECK(small.err.find("batch 4 of 4: fleet.n03") != std::string::npos);

  // The -t deadline ends a pause: no further batch.
  f.forget_asked();
  const auto cut_start = std::chrono::steady_clock::now();
  auto cut = run_remaphore({"-c", f.requester_config, "-r", "--batch", "2", "--batch-sleep", "60s", "-t", "3s", "x"});
  INFO("stderr (cut):\n", cut.err);
  CHECK(std::chrono::steady_clock::now() - cut_start < 30s);
  CHECK(cut.exit_code == 0);
  CHECK(f.asked().size() == 2);
  CHECK(cut.err.find("the -t deadline passed after batch 1 of 2; not asked: fleet.n02, fleet.n03") !=
        std::string::npos);
}

TEST_CASE("cli: after Ctrl-C the peers whose command was still running are reported as interrupted, not silent") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(3);  // fast, slow, the requester
  auto responder = [&](std::size_t i, const std::string& name, const std::string& script) {
    config_text c;
    c.server = server.url();
    c.destination = name;
    c.identities = {identity_line(keys[i])};
    c.peers = {peer_line("the.requester", keys[2])};
    return start_receiver({"-c", dir.write(name + ".conf", c.text()), "-t", "60s", "sh", "-c", script});
  };
  auto fast = responder(0, "web.fast", "echo done");
  auto slow = responder(1, "web.slow", "sleep 30");
  config_text qc;
  qc.server = server.url();
  qc.identities = {identity_line(keys[2])};
  qc.peers = {peer_line("web.fast", keys[0]), peer_line("web.slow", keys[1])};
  auto q = spawn({"-c", dir.write("q.conf", qc.text()), "-r", "-t", "60s", "--json", "restart"});
  REQUIRE(q.wait_stdout("web.fast", event_bound));  // its reply is in
  REQUIRE(slow.wait_stderr("accepted '", event_bound));
  q.signal(SIGINT);
  auto r = q.wait(run_bound);
  INFO("stderr:\n", r.err);
  CHECK(r.exit_code == 130);
  CHECK(r.err.find("summary: 2 asked, 1 answered, 0 failed, 0 silent, 1 interrupted (web.slow), ") !=
        std::string::npos);
  CHECK(r.err.find("no reply from web.slow") == std::string::npos);
  auto objects = json_lines(r.out);
  REQUIRE(objects.size() == 2);
  CHECK(objects.back()["summary"]["interrupted"] == nlohmann::json::parse(R"(["web.slow"])"));
  CHECK(objects.back()["summary"]["silent"].empty());
  CHECK(objects.back()["summary"]["stopped"] == "interrupted");
}

TEST_CASE("cli: on a terminal the progress line is drawn in place, at most ten times a second, and cleared") {
  REQUIRE(has_progress_text("\r\033[K12/40 answered, 1 failed, 3.2s, batch 2/4"));
  REQUIRE(!has_progress_text("summary: 4 asked, 3 answered, 1 failed (fleet.n01: exit 3)"));
  fleet f(3, 1, {"fleet.gone"});
  auto r = run_in_pty({"-c", f.requester_config, "-r", "--batch", "2", "--batch-timeout", "1s", "status"}, 30s);
  INFO("terminal output:\n", r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("\r\033[K") != std::string::npos);
  CHECK(has_progress_text(r.output));
  CHECK(r.output.find(", batch 2/2") != std::string::npos);
  // Draws (an erase followed by text) within the rate: 10 per second, and the first at once.
  const auto draws = count_of(r.output, "\r\033[K0") + count_of(r.output, "\r\033[K1") +
                     count_of(r.output, "\r\033[K2") + count_of(r.output, "\r\033[K3");
  const double seconds = std::chrono::duration<double>(r.elapsed).count();
  CHECK(draws >= 2);
  CHECK(static_cast<double>(draws) <= seconds * 10 + 2);

  // What stays on the screen: the replies and the log, the summary last, no progress.
  auto screen = screen_of(r.output);
  REQUIRE(!screen.empty());
  for (const auto& line : screen) CHECK_MESSAGE(!has_progress_text(line), line);
  CHECK(screen.back().find("summary: 4 asked, 3 answered, 1 failed (fleet.n01: exit 3), 1 silent (fleet.gone)") !=
        std::string::npos);
  for (int i = 0; i < 3; ++i) {
    const auto prefix = fleet_name(i) + ",";
    CHECK(std::count_if(screen.begin(), screen.end(), [&](const std::string& l) { return l.rfind(prefix, 0) == 0; }) ==
          1);
  }
}

TEST_CASE("cli: without a terminal the same run writes no progress and no control characters") {
  fleet f(3, 1, {"fleet.gone"});
  auto r = run_remaphore({"-c", f.requester_config, "-r", "--batch", "2", "--batch-timeout", "500ms", "status"});
  INFO("stderr:\n", r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find('\r') == std::string::npos);
  CHECK(r.err.find('\033') == std::string::npos);
  CHECK(r.out.find('\r') == std::string::npos);
  CHECK(!has_progress_text(r.err));
  // Every stderr line is a log record.
  for (const auto& line : lines_of(r.err)) CHECK_MESSAGE(line.rfind("remaphore: ", 0) == 0, line);
}

TEST_CASE("cli: --batch options are refused where they would be ignored or misread") {
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("c.conf", self_config("nats://127.0.0.1:1", k, "node.a").text());
  struct usage_case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<usage_case> cases = {
      {{"-c", cfg, "-r", "--batch", "0"}, "invalid batch size for --batch: '0'"},
      {{"-c", cfg, "-r", "--batch", "x"}, "invalid batch size for --batch: 'x'"},
      {{"-c", cfg, "-r", "--batch-timeout", "5s"}, "--batch-timeout needs --batch"},
      {{"-c", cfg, "-r", "--batch-stop-on-failure"}, "--batch-stop-on-failure needs --batch"},
      {{"-c", cfg, "-r", "--batch-sleep", "5s"}, "--batch-sleep needs --batch"},
      {{"-c", cfg, "-r", "--batch", "2", "--batch-sleep", "0"}, "invalid duration for --batch-sleep: '0'"},
      {{"-c", cfg, "-r", "--batch", "0%"}, "invalid batch size for --batch: '0%'"},
      {{"-c", cfg, "-r", "--batch", "101%"}, "invalid batch size for --batch: '101%'"},
      {{"-c", cfg, "-s", "--require-all"}, "--require-all is for requests (-r): it cannot be used with -s"},
      {{"-c", cfg, "-r", "--batch", "2", "--batch-timeout", "-1s"}, "invalid duration for --batch-timeout"},
      {{"-c", cfg, "-s", "--batch", "2"}, "--batch is for requests (-r): it cannot be used with -s"},
      {{"-c", cfg, "--sort"}, "--sort is for requests (-r): it cannot be used when receiving"},
      {{"-c", cfg, "-s", "--sort"}, "--sort is for requests (-r): it cannot be used with -s"},
  };
  std::vector<child> procs;
  for (const auto& c : cases) procs.push_back(spawn(c.args));
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto r = procs[i].wait(run_bound);
    INFO("expected: ", cases[i].says, "\nstderr: ", r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(cases[i].says) != std::string::npos);
    CHECK(r.out.empty());
  }
}

TEST_CASE(
    "cli: a reply's terminal escapes and carriage return are shown escaped and framed on a terminal, raw when piped") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(2);  // the responder, the requester
  config_text c;
  c.server = server.url();
  c.destination = "web.evil";
  c.identities = {identity_line(keys[0])};
  c.peers = {peer_line("the.requester", keys[1])};
  // A retitle, a screen clear and a line that would read as another host's.
  const std::string script = R"(printf '\033]0;owned\007\033[2Jreal\rcom.example.db.9,0,all fine\n')";
  auto responder = start_receiver({"-c", dir.write("r.conf", c.text()), "-t", "60s", "sh", "-c", script});
  config_text qc;
  qc.server = server.url();
  qc.identities = {identity_line(keys[1])};
  qc.peers = {peer_line("web.evil", keys[0])};
  const auto q = dir.write("q.conf", qc.text());

  auto shown = run_in_pty({"-c", q, "-r", "-t", "20s"}, 30s);
  INFO("terminal:\n", shown.output);
  CHECK(shown.exit_code == 0);
  CHECK(shown.output.find("\x1b]0;owned") == std::string::npos);
  CHECK(shown.output.find("\x1b[2J") == std::string::npos);
  CHECK(shown.output.find("web.evil,0,\\u001b]0;owned\\u0007\\u001b[2Jreal\\u000dcom.example.db.9,0,all fine") !=
        std::string::npos);
  CHECK(shown.output.find("--> ") != std::string::npos);

  auto piped = run_remaphore({"-c", q, "-r", "-t", "20s"}, 30s);
  CHECK(piped.exit_code == 0);
  CHECK(piped.out == "web.evil,0,\x1b]0;owned\x07\x1b[2Jreal\rcom.example.db.9,0,all fine\n");
}
