// End-to-end tests of the host-wide replay record's trust rules: a file that is not a
// record is never overwritten, a record changed under running receivers never
// crashes them, and members of a group share one record.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli_support.hpp"
#include "nats/client.hpp"
#include "support/client_options.hpp"
#include "support/coro.hpp"
#include "support/publish.hpp"

namespace asio = boost::asio;
using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace std::chrono_literals;
namespace nats = remaphore::nats;

namespace {

// A node that takes signals from `sender`, with the record at `record`.
std::string node_config(const temp_dir& dir, const nats_server& server, const std::vector<key_pair>& senders,
                        const std::string& record, const std::string& name = "rx.conf") {
  config_text c;
  c.server = server.url();
  c.destination = "node.record";
  c.allow_skew = "30s";
  c.extra = {"replay_record: " + record};
  for (std::size_t i = 0; i < senders.size(); ++i)
    c.peers.push_back(peer_line("from." + std::to_string(i), senders[i]));
  return dir.write(name, c.text());
}

}  // namespace

TEST_CASE("replay record: a file that is not a record is refused by name, left as it is, and --check-config says so") {
  nats_server server;
  temp_dir dir;
  auto sender = keygen();
  const std::string notes = "these are someone's notes\n";
  const auto text_file = dir.write("notes.txt", notes);
  REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
  for (const std::string& target : {text_file, dir.file("fifo"), std::string("/dev/null")}) {
    CAPTURE(target);
    const auto cfg = node_config(dir, server, {sender}, target);
    auto rx = start_receiver({"-c", cfg, "-o", "-t", "10s"});
    publish_all(server, {sign(sender, signal_fields("x"))});
    auto r = rx.wait(run_bound);
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.err.find("no host-wide replay record at " + target) != std::string::npos);
    CHECK(r.err.find("left as it is") != std::string::npos);
    CHECK(r.err.find("rebuilt") == std::string::npos);

    auto check = run_remaphore({"-c", cfg, "--check-config"});
    CHECK(check.exit_code == 2);
    CHECK(check.err.find(cfg + ":") != std::string::npos);
    CHECK(check.err.find(target) != std::string::npos);
    CHECK(check.out.find("is valid") == std::string::npos);
  }
  CHECK(slurp(text_file) == notes);

  // The config naming itself as the record: still the config afterwards.
  config_text c;
  c.server = server.url();
  c.destination = "node.record";
  c.peers = {peer_line("from.0", sender)};
  c.extra = {"replay_record: " + dir.file("self.conf")};
  const auto self = dir.write("self.conf", c.text());
  auto r = run_remaphore({"-c", self, "-o", "-t", "1s"});
  CHECK(r.exit_code == 1);
  CHECK(slurp(self) == c.text());
}

TEST_CASE("replay record: truncated and garbled in a loop while messages flow, the receiver keeps accepting") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(2);
  const auto record = dir.file("replay");
  const auto cfg = node_config(dir, server, keys, record);
  // A barrier of two peers: the flood from the first counts once, the second ends it.
  auto rx = start_receiver({"-c", cfg, "-n", "2", "-t", "60s"});
  REQUIRE(exists(record));
  std::atomic<bool> stop{false};
  std::thread vandal([&] {
    const std::string junk(4096, 'x');
    for (unsigned round = 0; !stop.load(); ++round) {
      const int fd = ::open(record.c_str(), O_WRONLY);
      if (fd < 0) continue;
      // A failed step is as good as any other here.
      const long rc = round % 2 == 0 ? ::ftruncate(fd, 0)
                                     : ::pwrite(fd, junk.data(), junk.size(), static_cast<off_t>(round % 3) * 64);
      (void)rc;
      ::close(fd);
    }
  });
  std::vector<std::string> flood;
  for (int i = 0; i < 3000; ++i) flood.push_back(sign(keys[0], signal_fields("flood " + std::to_string(i))));
  publish_all(server, flood);
  publish_all(server, {sign(keys[1], signal_fields("last"))});
  auto r = rx.wait(60s);
  stop = true;
  vandal.join();
  CHECK_MESSAGE(r.exit_code == 0, "term signal " << r.term_signal << "; stderr:\n" << r.err.substr(0, 4000));
  CHECK(r.term_signal == 0);
}

TEST_CASE("replay record: a second receiver run as another member of the group shares the record") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: running a receiver as another user needs root");
    return;
  }
  nats_server server;
  temp_dir dir;
  auto sender = keygen();
  // As the package lays it out: a state directory of the group, 2770; here the group is
  // nogroup, and the other member is nobody.
  const auto state = dir.file("state");
  REQUIRE(::mkdir(state.c_str(), 0700) == 0);
  REQUIRE(::chown(state.c_str(), 0, 65534) == 0);
  REQUIRE(::chmod(state.c_str(), 02770) == 0);
  REQUIRE(::chmod(dir.path().c_str(), 0711) == 0);
  const auto record = state + "/replay";
  const auto cfg = node_config(dir, server, {sender}, record);
  REQUIRE(::chown(cfg.c_str(), 0, 65534) == 0);
  REQUIRE(::chmod(cfg.c_str(), 0640) == 0);
  const auto wire = sign(sender, signal_fields("once"));

  // root takes the signal first: the record is made 0660 for the group.
  auto first = start_receiver({"-c", cfg, "-o", "-t", "20s"});
  publish_all(server, {wire});
  CHECK(first.wait(run_bound).exit_code == 0);
  struct stat st {};
  REQUIRE(::stat(record.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0660);
  CHECK(st.st_gid == 65534);

  // nobody, started later, drops the same bytes as a replay: it read root's record.
  auto as_nobody = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", binary};
    argv.insert(argv.end(), args.begin(), args.end());
    return child(process::start(argv));
  };
  auto late = as_nobody({"-c", cfg, "-o", "-t", "4s", "--log-level", "debug"});
  REQUIRE_MESSAGE(late.wait_stderr("ready:", ready_bound), late.err());
  publish_all(server, {wire});
  auto l = late.wait(run_bound);
  CHECK_MESSAGE(l.exit_code == 1, l.err);
  CHECK(l.err.find("dropped a message: replayed message") != std::string::npos);
  CHECK(l.err.find("no host-wide replay record") == std::string::npos);

  // And the other way: what nobody takes first, root drops later.
  const auto second_wire = sign(sender, signal_fields("twice"));
  auto taker = as_nobody({"-c", cfg, "-o", "-t", "20s"});
  REQUIRE_MESSAGE(taker.wait_stderr("ready:", ready_bound), taker.err());
  publish_all(server, {second_wire});
  CHECK(taker.wait(run_bound).exit_code == 0);
  auto root_late = start_receiver({"-c", cfg, "-o", "-t", "4s", "--log-level", "debug"});
  publish_all(server, {second_wire});
  auto rl = root_late.wait(run_bound);
  CHECK_MESSAGE(rl.exit_code == 1, rl.err);
  CHECK(rl.err.find("dropped a message: replayed message") != std::string::npos);
}
