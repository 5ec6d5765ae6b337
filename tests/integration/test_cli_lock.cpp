// remaphore --lock: the real binary as separate processes against a real nats-server
// with JetStream: what a command gets, exit codes, signals, a holder killed or cut
// off, lost acknowledgements, and --lock-status.
#include <signal.h>

#include <thread>

#include "core/lock/record.hpp"
#include "integration/lock_support.hpp"
#include "support/tcp_relay.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace remaphore::test::lock;
namespace asio = boost::asio;

namespace {

std::vector<std::string> js_args() { return {"-js", "-sd", "{{DIR}}/js"}; }

bool has_subject_with(const std::vector<std::string>& subjects, const std::string& part) {
  return std::any_of(subjects.begin(), subjects.end(),
                     [&](const std::string& s) { return s.find(part) != std::string::npos; });
}

// A shell loop that takes the lock `count` times, each time running lock_job.
child contender(const std::string& conf, const std::string& name, unsigned slots, int count, const std::string& log,
                int min_ms, int max_ms) {
  std::string one = binary + " -c " + conf + " --log-level warn --lock " + name + " -n " + std::to_string(slots) +
                    " -- " + job_binary + " " + log + " " + std::to_string(min_ms) + " " + std::to_string(max_ms);
  return child(process::start({"sh", "-c",
                               "i=0; while [ $i -lt " + std::to_string(count) + " ]; do " + one +
                                   " || echo \"exit $?\" >&2; i=$((i+1)); done"}));
}

}  // namespace

TEST_CASE("lock: the command runs with REMAPHORE_LOCK, _SLOT and _TOKEN - tokens grow - its exit code is ours") {
  nats_server server("", js_args());
  lock_node n(server.url(), keygen());
  auto first = run_remaphore(lock_args(n.conf, "deploy", {}, {"sh", "-c", "env; exit 7"}));
  INFO(first.err);
  CHECK(first.exit_code == 7);
  CHECK(env_value(first.out, "REMAPHORE_LOCK") == "deploy");
  CHECK(env_value(first.out, "REMAPHORE_LOCK_SLOT") == "0");
  auto second = run_remaphore(lock_args(n.conf, "deploy", {"-n", "2"}, {"env"}));
  CHECK(second.exit_code == 0);
  CHECK(std::atoll(env_value(second.out, "REMAPHORE_LOCK_TOKEN").c_str()) >
        std::atoll(env_value(first.out, "REMAPHORE_LOCK_TOKEN").c_str()));
  CHECK(lock_subjects(server.url(), "deploy").empty());  // released
  auto missing = run_remaphore(lock_args(n.conf, "deploy", {}, {"/nonexistent/command"}));
  CHECK(missing.exit_code == 127);
  CHECK(lock_subjects(server.url(), "deploy").empty());
}

TEST_CASE("lock: a mutex: contenders take turns, with growing tokens") {
  nats_server server("", js_args());
  lock_node n(server.url(), keygen());
  const auto log = n.dir.file("jobs.log");
  std::vector<child> procs;
  for (int i = 0; i < 5; ++i) procs.push_back(contender(n.conf, "mutex", 1, 4, log, 10, 40));
  for (auto& p : procs) {
    auto r = p.wait(60s);
    CHECK_MESSAGE(r.err.find("exit ") == std::string::npos, r.err);
  }
  auto jobs = read_jobs(log);
  CHECK(jobs.size() == 20);
  auto wrong = check_jobs(jobs, 1);
  CHECK_MESSAGE(wrong.empty(), wrong.front());
}

TEST_CASE("lock: a command longer than the lease keeps its slot: the holder renews it") {
  nats_server server("", js_args());
  lock_node n(server.url(), keygen(), "2s");
  auto holder = spawn(lock_args(n.conf, "long", {}, {"sleep", "4"}));
  REQUIRE(wait_until([&] { return !lock_subjects(server.url(), "long").empty(); }, 10s));
  auto other = run_remaphore(lock_args(n.conf, "long", {"-t", "3500ms"}, {"true"}));
  CHECK(other.exit_code == 1);  // not acquired within -t, well past the lease
  CHECK(other.err.find("-t deadline") != std::string::npos);
  auto r = holder.wait(10s);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(lock_subjects(server.url(), "long").empty());  // the waiter left nothing behind
}

TEST_CASE("lock: usage and config errors exit 2, naming the mistake") {
  nats_server server("", js_args());
  auto k = keygen();
  lock_node n(server.url(), k);
  auto no_command = run_remaphore({"-c", n.conf, "--lock", "x"});
  CHECK(no_command.exit_code == 2);
  CHECK(no_command.err.find("needs a command") != std::string::npos);
  CHECK(run_remaphore({"-c", n.conf, "--lock", "Upper", "true"}).exit_code == 2);
  CHECK(run_remaphore({"-c", n.conf, "--lock", "x", "-n", "1001", "true"}).exit_code == 2);
  CHECK(run_remaphore({"-c", n.conf, "--lock", "x", "-s", "true"}).exit_code == 2);
  CHECK(run_remaphore({"-c", n.conf, "--lock-status", "x", "true"}).exit_code == 2);
  CHECK(run_remaphore({"-c", n.conf, "--lock", "x", "-o", "true"}).exit_code == 2);

  temp_dir d;
  auto c = self_config(server.url(), k, "com.example.lock");
  c.identities = {identity_line(k, "ping, lock:other")};
  auto not_allowed = run_remaphore({"-c", d.write("c.conf", c.text()), "--lock", "x", "true"});
  CHECK(not_allowed.exit_code == 2);
  CHECK(not_allowed.err.find("may take lock x") != std::string::npos);
  CHECK(run_remaphore({"-c", d.write("c.conf", c.text()), "--lock", "other", "true"}).exit_code == 0);
}

TEST_CASE("lock: contenders that disagree on SLOTS get exit 2 naming both numbers") {
  nats_server server("", js_args());
  lock_node n(server.url(), keygen());
  auto holder = spawn(lock_args(n.conf, "pool", {"-n", "3"}, {"sleep", "30"}));
  REQUIRE(wait_until([&] { return !lock_subjects(server.url(), "pool").empty(); }, 10s));
  auto two = run_remaphore(lock_args(n.conf, "pool", {"-n", "2"}, {"true"}));
  CHECK(two.exit_code == 2);
  CHECK(two.err.find("3 slots, not 2") != std::string::npos);
  auto one = run_remaphore(lock_args(n.conf, "pool", {}, {"true"}));  // default 1
  CHECK(one.exit_code == 2);
  CHECK(one.err.find("3 slots, not 1") != std::string::npos);
  holder.signal(SIGTERM);
  CHECK(holder.wait(10s).exit_code == 143);
}

TEST_CASE("lock: without JetStream exit 3 - a stream with another lease or replicas: exit 2 with FILE:LINE") {
  nats_server plain;
  lock_node p(plain.url(), keygen());
  auto r = run_remaphore(lock_args(p.conf, "x", {}, {"true"}));
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("JetStream") != std::string::npos);

  nats_server server("", js_args());
  auto k = keygen();
  lock_node three(server.url(), k, "3s");
  REQUIRE(run_remaphore(lock_args(three.conf, "x", {}, {"true"})).exit_code == 0);
  lock_node five(server.url(), k, "5s");
  auto other = run_remaphore(lock_args(five.conf, "x", {}, {"true"}));
  CHECK(other.exit_code == 2);
  CHECK(other.err.find(five.conf + ":") != std::string::npos);
  CHECK(other.err.find("3s, not lock_lease 5s") != std::string::npos);
  lock_node replicated(server.url(), k, "3s", "com.example.lock", {"lock_replicas: 3"});
  auto more = run_remaphore(lock_args(replicated.conf, "x", {}, {"true"}));
  CHECK(more.exit_code == 2);
  CHECK(more.err.find("1 replica, not lock_replicas 3") != std::string::npos);
  lock_node unset(server.url(), k, "");  // no lock_lease: the stream's is taken
  CHECK(run_remaphore(lock_args(unset.conf, "x", {}, {"true"})).exit_code == 0);
}

TEST_CASE("lock: SIGTERM while waiting exits 143 at once holding nothing - while holding, the group ends first") {
  nats_server server("", js_args());
  lock_node n(server.url(), keygen());
  const auto pid_file = n.dir.file("pid");
  auto holder = spawn(lock_args(n.conf, "t", {}, {"sh", "-c", "echo $$ > " + pid_file + "; sleep 1000 & sleep 1000"}));
  const int group = wait_pid_file(pid_file);
  REQUIRE(group > 0);
  auto waiter = spawn(lock_args(n.conf, "t", {}, {"true"}));
  REQUIRE(wait_until([&] { return has_subject_with(lock_subjects(server.url(), "t"), ".wait."); }, 10s));
  auto asked = std::chrono::steady_clock::now();
  waiter.signal(SIGTERM);
  auto w = waiter.wait(10s);
  CHECK(w.exit_code == 143);
  CHECK(std::chrono::steady_clock::now() - asked < 2s);
  auto left = lock_subjects(server.url(), "t");
  CHECK(left == std::vector<std::string>{"remaphore.lock.t.slot.0"});  // the holder's, and no ticket

  holder.signal(SIGTERM);
  auto h = holder.wait(10s);
  CHECK(h.exit_code == 143);
  CHECK(processes_in_group(group).empty());
  CHECK(lock_subjects(server.url(), "t").empty());  // released
}

TEST_CASE("lock: a holder killed with -9: its slot is taken again within lease + 1 s, and its command is gone") {
  nats_server server("", js_args());
  lock_node n(server.url(), keygen(), "2s");
  const auto pid_file = n.dir.file("pid");
  auto holder = spawn(lock_args(n.conf, "k", {}, {"sh", "-c", "echo $$ > " + pid_file + "; exec sleep 1000"}));
  const int command = wait_pid_file(pid_file);
  REQUIRE(command > 0);
  const auto started = n.dir.file("started");
  auto waiter = spawn(lock_args(n.conf, "k", {"-t", "20s"}, {"sh", "-c", "touch " + started}));
  REQUIRE(wait_until([&] { return has_subject_with(lock_subjects(server.url(), "k"), ".wait."); }, 10s));
  const auto killed = std::chrono::steady_clock::now();
  holder.signal(SIGKILL);
  REQUIRE(wait_until([&] { return exists(started); }, 10s));
  const auto taken = std::chrono::steady_clock::now() - killed;
  CHECK_MESSAGE(taken < 3s,
                "taken again after " << std::chrono::duration_cast<std::chrono::milliseconds>(taken).count() << " ms");
  CHECK(waiter.wait(10s).exit_code == 0);
  CHECK(wait_until([&] { return process_gone(command); }, 2s));  // PR_SET_PDEATHSIG
}

TEST_CASE("lock: a holder cut off ends its command's group before its lease can pass on - exit 4") {
  nats_server server("", js_args());
  tcp_relay relay(server.port());
  auto k = keygen();
  lock_node cut_off(relay.url(), k, "2s");
  lock_node direct(server.url(), k, "2s");
  const auto log = direct.dir.file("jobs.log"), pid_file = direct.dir.file("pid");
  // The job runs in the background of a shell: the whole group must go, not just the shell.
  auto holder = spawn(
      lock_args(cut_off.conf, "cut", {},
                {"sh", "-c", "echo $$ > " + pid_file + "; " + job_binary + " " + log + " 60000 60000 & sleep 1000"}));
  const int group = wait_pid_file(pid_file);
  REQUIRE(wait_file_contains(log, "start"));
  auto next = spawn(lock_args(direct.conf, "cut", {"-t", "20s"}, {job_binary, log, "0", "0"}));
  REQUIRE(wait_until([&] { return has_subject_with(lock_subjects(server.url(), "cut"), ".wait."); }, 10s));
  relay.freeze();
  auto h = holder.wait(10s);
  INFO(h.err);
  CHECK(h.exit_code == 4);
  CHECK(h.err.find("could not be renewed in time") != std::string::npos);
  CHECK(processes_in_group(group).empty());
  CHECK(next.wait(10s).exit_code == 0);
  auto jobs = read_jobs(log);
  CHECK(jobs.size() == 2);
  auto wrong = check_jobs(jobs, 1);
  CHECK_MESSAGE(wrong.empty(), wrong.front());  // the next one started after the cut-off one ended
}

TEST_CASE("lock: renewals stored but never acknowledged keep the slot no longer than a lease") {
  nats_server server("", js_args());
  tcp_relay relay(server.port());
  auto k = keygen();
  lock_node cut_off(relay.url(), k, "2s");
  lock_node direct(server.url(), k, "2s");
  const auto log = direct.dir.file("jobs.log");
  auto holder = spawn(lock_args(cut_off.conf, "ack", {}, {job_binary, log, "60000", "60000"}));
  REQUIRE(wait_file_contains(log, "start"));
  // The next job works a while, so that its record stays long enough to be read.
  auto next = spawn(lock_args(direct.conf, "ack", {"-t", "20s"}, {job_binary, log, "1000", "1000"}));
  relay.freeze_replies();  // what the holder sends still arrives; no answer comes back
  // Watch the slot's record: the holder's last one, then the next holder's.
  std::string first_holder;
  std::int64_t last_of_first = 0, taken_at = 0;
  with_client(server.url(), [&](remaphore::nats::client& c) -> asio::awaitable<void> {
    asio::steady_timer t(c.executor());
    auto end = std::chrono::steady_clock::now() + 15s;
    while (taken_at == 0 && std::chrono::steady_clock::now() < end) {
      auto m = co_await remaphore::nats::js::get_last_message(c, "REMAPHORE-LOCK", "remaphore.lock.ack.slot.0", 2s);
      if (m.found) {
        remaphore::protocol::config none;
        auto holder_id = remaphore::core::lock::read_record(m.data, none).holder;
        if (first_holder.empty()) first_holder = holder_id;
        if (holder_id == first_holder)
          last_of_first = m.time_ns;
        else
          taken_at = m.time_ns;
      }
      t.expires_after(20ms);
      co_await t.async_wait(asio::use_awaitable);
    }
  });
  REQUIRE(taken_at > 0);
  CHECK(taken_at - last_of_first < 3'000'000'000);  // lease 2s + 1s
  CHECK(holder.wait(10s).exit_code == 4);
  CHECK(next.wait(10s).exit_code == 0);
  auto wrong = check_jobs(read_jobs(log), 1);
  CHECK_MESSAGE(wrong.empty(), wrong.front());
}

TEST_CASE("lock-status: holders, foreign records and waiters, as text and JSON") {
  nats_server server("", js_args());
  auto k = keygen();
  lock_node n(server.url(), k, "3s", "com.example.db");
  auto holder = spawn(lock_args(n.conf, "s", {"-n", "2"}, {"sleep", "30"}));
  REQUIRE(wait_until([&] { return !lock_subjects(server.url(), "s").empty(); }, 10s));
  // A record on slot 1 by a key nobody configured: held, but foreign.
  with_client(server.url(), [&](remaphore::nats::client& c) -> asio::awaitable<void> {
    auto stranger = remaphore::protocol::generate_key_pair();
    remaphore::core::lock::record_fields f;
    f.lock = "s";
    f.slots = 2;
    f.slot = 1;
    auto wire = remaphore::core::lock::encode_record({stranger.pub, stranger.priv, {"*"}}, "com.elsewhere",
                                                     std::vector<std::uint8_t>(12, 1), f);
    auto w = co_await remaphore::nats::js::publish_expecting(c, "remaphore.lock.s.slot.1", wire, 0, 2s);
    CHECK(w.outcome == remaphore::nats::js::write_outcome::stored);
  });
  auto waiter = spawn(lock_args(n.conf, "s", {"-n", "2", "-t", "20s"}, {"true"}));
  REQUIRE(wait_until([&] { return has_subject_with(lock_subjects(server.url(), "s"), ".wait."); }, 10s));
  auto text = run_remaphore({"-c", n.conf, "--lock-status", "s"});
  INFO(text.out);
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("slot 0: com.example.db " + k.pub) != std::string::npos);
  CHECK(text.out.find("slot 1: com.elsewhere") != std::string::npos);
  CHECK(text.out.find("(foreign: not a configured peer)") != std::string::npos);
  CHECK(text.out.find("waiting: 1") != std::string::npos);
  auto json = run_remaphore({"-c", n.conf, "--lock-status", "s", "--json"});
  auto j = nlohmann::json::parse(json.out);
  REQUIRE(j["holders"].size() == 2);
  CHECK(j["holders"][0]["key"] == k.pub);
  CHECK(j["holders"][0]["foreign"] == false);
  CHECK(j["holders"][0]["token"].get<long long>() > 0);
  CHECK(j["holders"][1]["foreign"] == true);
  CHECK(j["waiting"] == 1);
  CHECK(j["lease"] == "3s");
  holder.signal(SIGTERM);
  CHECK(holder.wait(10s).exit_code == 143);
  CHECK(waiter.wait(10s).exit_code == 0);  // slot 0, once the holder let go; slot 1 stays foreign
  auto nobody = run_remaphore({"-c", n.conf, "--lock-status", "never-used"});
  CHECK(nobody.out.find("no holder") != std::string::npos);
}
