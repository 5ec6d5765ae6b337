// End-to-end tests of the remaphore binary: the examples of the README's usage section,
// every exit code, identity selection, what a receiver's command gets (arguments
// and REMAPHORE_* variables), and payloads that must never reach a shell.
// Each test runs real processes against a real nats-server on a free loopback port.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli_support.hpp"
#include "nats/proto/nkeys.hpp"
#include "protocol/keys.hpp"
#include "support/jwt.hpp"
#include "support/mute_listener.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace std::chrono_literals;

namespace {

std::string hex_of(const std::string& s) {
  return remaphore::protocol::hex_encode(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

}  // namespace

TEST_CASE("cli: --help, --version, --keygen, -C and --check-config") {
  temp_dir dir;
  auto help = run_remaphore({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("usage: remaphore") != std::string::npos);
  CHECK(help.out.find("Exit codes") != std::string::npos);
  CHECK(run_remaphore({"-h"}).out == help.out);

  auto version = run_remaphore({"--version"});
  CHECK(version.exit_code == 0);
  CHECK(version.out.rfind("remaphore ", 0) == 0);

  auto k = keygen();
  CHECK(remaphore::protocol::parse_public_key(k.pub).has_value());
  auto priv = remaphore::protocol::parse_private_key(k.priv);
  REQUIRE(priv.has_value());
  CHECK(priv->public_part().to_base58() == k.pub);

  // -C: an example config with a fresh key pair, which --check-config accepts.
  auto example = run_remaphore({"-C"});
  CHECK(example.exit_code == 0);
  CHECK(example.out.find("[ Identities ]") != std::string::npos);
  CHECK(example.out.find("[ Peers ]") != std::string::npos);
  CHECK(run_remaphore({"-C"}).out != example.out);  // a fresh key each time
  auto path = dir.write("example.conf", example.out);
  auto check = run_remaphore({"--check-config", "-c", path});
  CHECK(check.exit_code == 0);
  CHECK(check.out.find("is valid") != std::string::npos);
  CHECK(check.out.find("identities: 1") != std::string::npos);
  CHECK(check.err.empty());  // mode 0600: no warning about readable private keys

  // The documented config example (README, "Config"), with real keys in place of the placeholders and
  // a creds file that exists (a file the config names must be readable).
  auto peer = keygen();
  auto creds = dir.write("user.creds", trust_chain().user_creds());
  std::string design =
      "server: nats://natsserver:4222        # repeatable; failover list\n"
      "credentials: " +
      creds +
      "      # NATS creds (JWT + nkey seed)\n"
      "subject: remaphore\n"
      "default_identity: " +
      k.pub +
      "\n"
      "destination: com.crypto.us.left\n"
      "allow_skew: 5s                        # Go duration syntax: 1h2m3s4ms, 300ms, 1.5h\n"
      "[ Identities ]\n" +
      k.pub + " " + k.priv +
      " [ping, restart]  # [*] = all verbs\n"
      "[ Peers ]\n"
      "com.crypto.us.right " +
      peer.pub + " [ping]\n";
  auto design_check = run_remaphore({"--check-config", "-c", dir.write("design.conf", design)});
  CHECK_MESSAGE(design_check.exit_code == 0, design_check.err);
  CHECK(design_check.out.find("server: nats://natsserver:4222\n") != std::string::npos);
  CHECK(design_check.out.find("destination: com.crypto.us.left\n") != std::string::npos);
  CHECK(design_check.out.find("default identity: " + k.pub) != std::string::npos);
}

// The man page is written by hand: it must keep up with --help and -C.
TEST_CASE("cli: the man page documents every option of --help and every config key of -C") {
  const std::string man = slurp(REMAPHORE_MANPAGE);
  REQUIRE(!man.empty());
  // roff spells '-' as '\-'.
  auto roff = [](const std::string& s) {
    std::string r;
    for (char ch : s) r += ch == '-' ? std::string("\\-") : std::string(1, ch);
    return r;
  };
  auto help = run_remaphore({"--help"});
  REQUIRE(help.exit_code == 0);
  std::size_t options = 0;
  std::istringstream lines(help.out);
  for (std::string line; std::getline(lines, line);) {
    // Option lines of --help start with "  -x, --name" or "      --name".
    if (line.rfind("  -", 0) != 0 && line.rfind("      --", 0) != 0) continue;
    std::istringstream words(line);
    for (std::string w; words >> w;) {
      if (w.back() == ',') w.pop_back();
      if (w.size() < 2 || w[0] != '-') break;
      ++options;
      CHECK_MESSAGE(man.find(roff(w)) != std::string::npos, "the man page lacks " << w);
    }
  }
  CHECK(options >= 25);

  auto example = run_remaphore({"-C"});
  REQUIRE(example.exit_code == 0);
  std::size_t keys = 0;
  std::istringstream conf(example.out);
  for (std::string line; std::getline(conf, line);) {
    // "key: value" or "# key: value" (an optional key, commented out).
    auto start = line.rfind("# ", 0) == 0 ? 2 : 0;
    auto colon = line.find(':', start);
    if (colon == std::string::npos) continue;
    std::string key = line.substr(start, colon - start);
    if (key.empty() || key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos) continue;
    ++keys;
    CHECK_MESSAGE(man.find(key) != std::string::npos, "the man page lacks the config key " << key);
  }
  CHECK(keys >= 15);
}

TEST_CASE("cli: the config from -C works once its server line points at a server") {
  nats_server server;
  temp_dir dir;
  auto example = run_remaphore({"-C"});
  REQUIRE(example.exit_code == 0);
  std::string text = example.out;
  auto pos = text.find("server: nats://127.0.0.1:4222");
  REQUIRE(pos != std::string::npos);
  text.replace(pos, std::string("server: nats://127.0.0.1:4222").size(), "server: " + server.url());
  auto cfg = dir.write("remaphore.conf", text);

  // Its own key is its peer: the node hears itself.
  auto rx = start_receiver({"-c", cfg, "-o", "-t", "10s"});
  auto sent = run_remaphore({"-c", cfg, "-s"});
  CHECK_MESSAGE(sent.exit_code == 0, sent.err);
  auto r = rx.wait(run_bound);
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.find("accepted 'ping' from com.example.host") != std::string::npos);
}

TEST_CASE("cli: usage errors exit 2 and say what is wrong") {
  temp_dir dir;
  auto k = keygen();
  auto other = keygen();
  auto cfg = dir.write("ok.conf", self_config(dead_server(), k, "node.a").text());
  auto no_dest = self_config(dead_server(), k, "node.a");
  no_dest.destination.clear();
  auto no_dest_cfg = dir.write("nodest.conf", no_dest.text());
  auto no_server = self_config("", k, "node.a");
  auto no_server_cfg = dir.write("noserver.conf", no_server.text());

  struct usage_case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<usage_case> cases = {
      {{"-c", cfg, "--bogus"}, "unknown option '--bogus'"},
      {{"-c", cfg, "-x"}, "unknown option"},
      {{"-c", cfg, "-s", "-r"}, "-s and -r cannot be used together"},
      {{"-c", cfg, "-t", "banana"}, "invalid duration for -t: 'banana'"},
      {{"-c", cfg, "-t=banana"}, "invalid duration for -t: 'banana'"},
      {{"-c", cfg, "-t", "-5s"}, "invalid duration for -t"},
      {{"-c", cfg, "-t"}, "option -t needs a value"},
      {{"-c", cfg, "-n", "0"}, "invalid count for -n"},
      {{"-c", cfg, "-s", "-n", "2"}, "-n is for receiving"},
      {{"-c", cfg, "-s", "-v", "a,b"}, "send one verb at a time"},
      {{"-c", cfg, "-D", "x", "-d"}, "-D and -d cannot be used together"},
      {{"-c", cfg, "--log-level", "loud"}, "invalid --log-level"},
      {{"-c", cfg, "-s", "-D", "a,b"}, "cannot contain ','"},
      {{"-c", cfg, "-s", "-p", "not-a-key"}, "is not a base58 public key"},
      {{"-c", cfg, "-s", "-p", other.pub}, "-p: no identity " + other.pub},
      {{"-c", cfg, "-p", "not-a-key"}, "is not a base58 public key"},
      {{"-c", dir.file("missing.conf"), "-s"}, "cannot read config file"},
      {{"-c", no_dest_cfg}, "has no 'destination:'"},
      {{"-c", no_server_cfg, "-s"}, "no 'server:' line"},
      {{"-c", cfg, "-r", "-D", "nobody.*"}, "no peer in " + cfg + " has a destination matching 'nobody.*'"},
  };
  // All at once: they are independent and each exits right away.
  std::vector<child> procs;
  for (auto& c : cases) procs.push_back(spawn(c.args));
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto r = procs[i].wait(run_bound);
    INFO("case ", i, ": ", cases[i].says, "\nstderr: ", r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(cases[i].says) != std::string::npos);
    CHECK(r.out.empty());
  }
}

TEST_CASE("cli: config errors exit 2 and name FILE:LINE") {
  temp_dir dir;
  auto k = keygen();
  auto other = keygen();
  const std::string head =
      "server: nats://127.0.0.1:1\n"  // line 1
      "# a comment\n"                 // line 2
      "destination: node.a\n";        // line 3
  struct config_case {
    std::string text;
    std::string says;  // after "FILE:LINE: "
    int line;
  };
  const std::vector<config_case> cases = {
      {head + "allow_skew: banana\n", "invalid duration 'banana' for allow_skew", 4},
      {head + "\ncolour: blue\n", "unknown key 'colour'", 5},
      {head + "no colon here\n", "expected 'key: value'", 4},
      {head + "[ Identities ]\n" + k.pub + " " + other.priv + " [*]\n", "private key does not belong to public key", 5},
      {head + "[ Identities ]\n" + identity_line(k) + "\n[ Peers ]\nnode.b notakey [*]\n",
       "invalid public key 'notakey'", 7},
      {head + "[ Peers ]\nnode.b " + other.pub + " ping\n", "permission list", 5},
  };
  std::vector<child> procs;
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    paths.push_back(dir.write("bad" + std::to_string(i) + ".conf", cases[i].text));
    // The same error whichever mode reads the config.
    procs.push_back(spawn({"-c", paths[i], "-s"}));
    procs.push_back(spawn({"-c", paths[i], "-r"}));
    procs.push_back(spawn({"-c", paths[i], "-t", "1s"}));
    procs.push_back(spawn({"-c", paths[i], "--check-config"}));
  }
  for (std::size_t i = 0; i < procs.size(); ++i) {
    auto& c = cases[i / 4];
    auto r = procs[i].wait(run_bound);
    std::string expected = paths[i / 4] + ":" + std::to_string(c.line) + ": " + c.says;
    INFO("expected: ", expected, "\nstderr: ", r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(expected) != std::string::npos);
  }
}

TEST_CASE("cli: exit 3 when no server can be reached") {
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("dead.conf", self_config(dead_server(), k, "node.a").text());
  std::vector<child> procs;
  procs.push_back(spawn({"-c", cfg, "-s", "hello"}));
  procs.push_back(spawn({"-c", cfg, "-r", "-t", "5s"}));
  procs.push_back(spawn({"-c", cfg, "-t", "5s"}));
  procs.push_back(spawn({"-c", cfg}));  // no timeout at all: must still give up
  for (auto& p : procs) {
    auto r = p.wait(run_bound);
    INFO("stderr: ", r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("cannot connect") != std::string::npos);
  }
}

TEST_CASE("cli: exit 3 when a server accepts the connection but never speaks (--connect-timeout)") {
  mute_listener mute;
  const std::string url = mute.url();

  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("mute.conf", self_config(url, k, "node.a").text());
  auto start = std::chrono::steady_clock::now();
  std::vector<child> procs;
  procs.push_back(spawn({"-c", cfg, "--connect-timeout", "300ms", "-s"}));
  procs.push_back(spawn({"-c", cfg, "--connect-timeout=300ms", "-r", "-t", "20s"}));
  procs.push_back(spawn({"-c", cfg, "--connect-timeout", "300ms", "-t", "20s"}));
  for (auto& p : procs) {
    auto r = p.wait(run_bound);
    INFO("stderr: ", r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("cannot connect") != std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("cli: exit 3 when the server refuses our token, 0 with the right one") {
  nats_server server(R"(authorization { token: "t" })");
  temp_dir dir;
  auto k = keygen();
  auto wrong = self_config(server.url(), k, "node.a");
  wrong.extra = {"token: wrong"};
  auto wrong_cfg = dir.write("wrong.conf", wrong.text());
  auto none_cfg = dir.write("none.conf", self_config(server.url(), k, "node.a").text());
  auto right = self_config(server.url(), k, "node.a");
  right.extra = {"token: t"};
  auto right_cfg = dir.write("right.conf", right.text());

  std::vector<child> procs;
  procs.push_back(spawn({"-c", wrong_cfg, "-s"}));
  procs.push_back(spawn({"-c", wrong_cfg, "-r", "-t", "5s"}));
  procs.push_back(spawn({"-c", wrong_cfg, "-t", "5s"}));
  procs.push_back(spawn({"-c", none_cfg, "-s"}));
  for (auto& p : procs) {
    auto r = p.wait(run_bound);
    INFO("stderr: ", r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("Authorization Violation") != std::string::npos);
  }

  auto rx = start_receiver({"-c", right_cfg, "-o", "-t", "10s"});
  auto sent = run_remaphore({"-c", right_cfg, "-s"});
  CHECK_MESSAGE(sent.exit_code == 0, sent.err);
  auto r = rx.wait(run_bound);
  CHECK_MESSAGE(r.exit_code == 0, r.err);
}

TEST_CASE("cli: a refused nkey names the server and the user key, so the admin knows which to fix") {
  auto allowed = remaphore::nats::generate_nkey('U');
  auto stranger = remaphore::nats::generate_nkey('U');
  nats_server server("authorization { users = [ { nkey: " + allowed.public_key() + " } ] }");
  temp_dir dir;
  auto k = keygen();
  auto conf = [&](const std::string& name, const remaphore::nats::nkey& key) {
    auto c = self_config(server.url(), k, "node.a");
    c.extra = {"nkey_seed: " + dir.write(name + ".nk", key.seed_string() + "\n")};
    return dir.write(name + ".conf", c.text());
  };
  auto refused = run_remaphore({"-c", conf("stranger", stranger), "-s"});
  INFO("stderr: ", refused.err);
  CHECK(refused.exit_code == 3);
  CHECK(refused.err.find("Authorization Violation") != std::string::npos);
  CHECK(refused.err.find("server " + server.url()) != std::string::npos);
  CHECK(refused.err.find("user key " + stranger.public_key()) != std::string::npos);
  CHECK(refused.err.find(stranger.seed_string()) == std::string::npos);  // never the secret

  auto sent = run_remaphore({"-c", conf("allowed", allowed), "-s"});
  CHECK_MESSAGE(sent.exit_code == 0, sent.err);
}

TEST_CASE("cli: exit 1 when nothing arrives before -t, in both -t 300ms and Go's -t=300ms forms") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto silent = keygen();  // a peer nobody runs
  auto c = self_config(server.url(), k, "node.a");
  c.peers.push_back(peer_line("node.silent", silent));
  auto cfg = dir.write("c.conf", c.text());

  auto start = std::chrono::steady_clock::now();
  std::vector<child> procs;
  procs.push_back(spawn({"-c", cfg, "-t", "300ms"}));
  procs.push_back(spawn({"-c", cfg, "-t=300ms"}));
  procs.push_back(spawn({"-c", cfg, "--timeout=300ms"}));
  procs.push_back(spawn({"-c", cfg, "-t=300ms", "-u", "never_sent"}));
  procs.push_back(spawn({"-c", cfg, "-r", "-t=300ms", "-D", "node.silent"}));
  for (auto& p : procs) {
    auto r = p.wait(run_bound);
    INFO("stderr: ", r.err);
    CHECK(r.exit_code == 1);
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed >= 300ms);
  CHECK(elapsed < 5s);
  CHECK(procs[0].err().find("timed out: no message accepted") != std::string::npos);
  CHECK(procs[4].err().find("no reply from node.silent (" + silent.pub + ")") != std::string::npos);

  // -t=5s with a message in time: exit 0 long before the timeout.
  auto rx = start_receiver({"-c", cfg, "-o", "-t=5s"});
  CHECK(run_remaphore({"-c", cfg, "-s", "-t=5s"}).exit_code == 0);
  auto r = rx.wait(run_bound);
  CHECK(r.exit_code == 0);
}

TEST_CASE("cli: the DESIGN example `remaphore -u build_42_done -t 10m && deploy`") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("c.conf", self_config(server.url(), k, "ci.runner").text());
  auto deployed = dir.file("deployed");

  // The CI side: a shell that deploys once the semaphore is released.
  child ci(process::start(
      {"sh", "-c", "\"$0\" -c \"$1\" -u build_42_done -t 10m && echo deployed > \"$2\"", binary, cfg, deployed}));
  REQUIRE_MESSAGE(ci.wait_stderr("ready:", ready_bound), ci.err());

  // Another id does not release it; -u implies -o, so the right one ends the wait.
  auto other = run_remaphore({"-c", cfg, "-s", "-u", "build_41_done"});
  CHECK(other.exit_code == 0);
  auto done = run_remaphore({"-c", cfg, "-s", "-u", "build_42_done"});
  CHECK_MESSAGE(done.exit_code == 0, done.err);
  auto r = ci.wait(run_bound);
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(slurp(deployed) == "deployed\n");
  CHECK(count_of(r.err, "accepted 'ping'") == 1);
}

TEST_CASE("cli: a receiver without -o keeps running, with -o it stops after the first message") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("c.conf", self_config(server.url(), k, "node.a").text());
  auto many = start_receiver({"-c", cfg, "-t", "20s"});
  auto once = start_receiver({"-c", cfg, "-o", "-t", "20s", "echo", "said"});
  CHECK(run_remaphore({"-c", cfg, "-s", "one"}).exit_code == 0);
  auto r = once.wait(run_bound);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "said ping one\n");  // the command's output goes to the receiver's stdout
  CHECK(run_remaphore({"-c", cfg, "-s", "two"}).exit_code == 0);
  CHECK(many.wait_stderr_count("accepted 'ping'", 2, event_bound));
  CHECK(many.running());
  many.signal(SIGINT);
  auto m = many.wait(run_bound);
  CHECK(m.exit_code == 130);  // 128 + SIGINT
}

TEST_CASE("cli: the signing identity is -p, else the default if it may use the verb, else the first that may") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(4);
  auto &a = keys[0], &b = keys[1], &c = keys[2], &stranger = keys[3];

  // The receiver knows each sender by a destination of its own, which its log names.
  config_text rx_conf;
  rx_conf.server = server.url();
  rx_conf.destination = "node.rx";
  rx_conf.identities = {identity_line(stranger)};
  rx_conf.peers = {peer_line("from.a", a), peer_line("from.b", b), peer_line("from.c", c)};
  auto rx = start_receiver({"-c", dir.write("rx.conf", rx_conf.text()), "-t", "30s"});

  config_text tx;
  tx.server = server.url();
  tx.default_identity = a.pub;
  tx.identities = {identity_line(a, "ping"), identity_line(b, "restart, status"), identity_line(c)};
  auto tx_cfg = dir.write("tx.conf", tx.text());

  // Without default_identity the first identity is the default.
  config_text first;
  first.server = server.url();
  first.identities = {identity_line(b, "restart"), identity_line(a, "ping")};
  auto first_cfg = dir.write("first.conf", first.text());

  std::size_t accepted = 0;
  auto expect_sender = [&](std::vector<std::string> args, const std::string& verb, const std::string& from) {
    auto r = run_remaphore(std::move(args));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    ++accepted;
    REQUIRE_MESSAGE(rx.wait_stderr_count("accepted '", accepted, event_bound), rx.err());
    auto last = rx.err().rfind("accepted '");
    auto line = rx.err().substr(last, rx.err().find('\n', last) - last);
    CHECK(line.find("accepted '" + verb + "' from " + from + " (") == 0);
  };
  expect_sender({"-c", tx_cfg, "-s"}, "ping", "from.a");                      // the default may
  expect_sender({"-c", tx_cfg, "-s", "-v", "restart"}, "restart", "from.b");  // the first that may
  expect_sender({"-c", tx_cfg, "-s", "-v", "deploy"}, "deploy", "from.c");    // only [*]
  expect_sender({"-c", tx_cfg, "-s", "-p", c.pub}, "ping", "from.c");         // -p wins
  expect_sender({"-c", tx_cfg, "-s", "-p", b.pub, "-v", "status"}, "status", "from.b");
  expect_sender({"-c", first_cfg, "-s", "-v", "restart"}, "restart", "from.b");
  expect_sender({"-c", first_cfg, "-s"}, "ping", "from.a");  // first (default) may not ping

  // Nobody allowed: exit 2 before anything is sent.
  auto refused = run_remaphore({"-c", tx_cfg, "-s", "-p", a.pub, "-v", "restart"});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("may not use verb 'restart'") != std::string::npos);
  auto nobody = run_remaphore({"-c", first_cfg, "-s", "-v", "deploy"});
  CHECK(nobody.exit_code == 2);
  CHECK(nobody.err.find("no identity may use verb 'deploy' (in " + first_cfg + ")") != std::string::npos);
  auto nobody_request = run_remaphore({"-c", first_cfg, "-r", "-v", "deploy", "-D", "from.*"});
  CHECK(nobody_request.exit_code == 2);  // (first.conf has no peers: the -r check comes first)

  // The receiver got exactly the messages above, nothing from the refused ones.
  CHECK(run_remaphore({"-c", tx_cfg, "-s", "-v", "last"}).exit_code == 0);
  CHECK(rx.wait_stderr("accepted 'last'", event_bound));
  CHECK(count_of(rx.err(), "accepted '") == accepted + 1);
}

TEST_CASE("cli: a command gets `verb payload` as its last arguments and the REMAPHORE_* variables") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("c.conf", self_config(server.url(), k, "com.example.node").text());
  // env and the arguments after the command's own ($0 is "--").
  auto recorder = [&](const std::string& name) {
    return std::vector<std::string>{"sh", "-c",
                                    "env > '" + dir.file(name + ".env") +
                                        "'; for a in \"$@\"; do printf '%s|' \"$a\"; done > '" +
                                        dir.file(name + ".args") + "'",
                                    "--"};
  };
  auto receiver = [&](std::vector<std::string> opts, const std::string& name) {
    std::vector<std::string> args = {"-c", cfg, "-t", "20s"};
    args.insert(args.end(), opts.begin(), opts.end());
    auto cmd = recorder(name);
    args.insert(args.end(), cmd.begin(), cmd.end());
    return start_receiver(args);
  };

  SUBCASE("with the config destination, and with -d") {
    auto matched = receiver({"-u", "build_42"}, "matched");
    auto any = receiver({"-u", "build_42", "-d"}, "any");
    auto before = std::time(nullptr);
    auto sent = run_remaphore({"-c", cfg, "-s", "-u", "build_42", "-v", "deploy", "hello", "world"});
    auto after = std::time(nullptr);
    REQUIRE(sent.exit_code == 0);
    CHECK(matched.wait(run_bound).exit_code == 0);
    CHECK(any.wait(run_bound).exit_code == 0);

    for (const std::string name : {"matched", "any"}) {
      INFO(name);
      CHECK(slurp(dir.file(name + ".args")) == "deploy|hello world|");
      auto env = slurp(dir.file(name + ".env"));
      CHECK(env_value(env, "REMAPHORE_SENDER") == k.pub);
      CHECK(env_value(env, "REMAPHORE_VERB") == "deploy");
      CHECK(env_value(env, "REMAPHORE_MSG") == "hello world");
      CHECK(env_value(env, "REMAPHORE_UUID") == hex_of("build_42"));
      auto t = std::atoll(env_value(env, "REMAPHORE_TIME").c_str());
      CHECK(t >= before);
      CHECK(t <= after);
    }
    CHECK(env_value(slurp(dir.file("matched.env")), "REMAPHORE_DESTMATCH") == "com.example.node");
    CHECK(env_value(slurp(dir.file("any.env")), "REMAPHORE_DESTMATCH") == "<unset>");
  }

  SUBCASE("defaults: verb ping, payload ping, destination **; a long uuid is hashed") {
    const std::string long_id = "a-uuid-longer-than-twelve-bytes";
    // -D is an exact match: only a message sent to "**" passes.
    auto exact = receiver({"-o", "-D", "**"}, "exact");
    auto by_id = receiver({"-u", long_id}, "by_id");
    REQUIRE(run_remaphore({"-c", cfg, "-s"}).exit_code == 0);
    CHECK(exact.wait(run_bound).exit_code == 0);
    REQUIRE(run_remaphore({"-c", cfg, "-s", "-u", long_id}).exit_code == 0);
    CHECK(by_id.wait(run_bound).exit_code == 0);

    CHECK(slurp(dir.file("exact.args")) == "ping|ping|");
    auto env = slurp(dir.file("exact.env"));
    CHECK(env_value(env, "REMAPHORE_DESTMATCH") == "**");
    CHECK(env_value(env, "REMAPHORE_UUID").size() == 24);  // 12 random bytes

    auto digest = remaphore::protocol::sha256(long_id);
    CHECK(env_value(slurp(dir.file("by_id.env")), "REMAPHORE_UUID") ==
          remaphore::protocol::hex_encode(digest.data(), 12));
    CHECK(slurp(dir.file("by_id.args")) == "ping|ping|");
  }
}

TEST_CASE("cli: a payload full of shell metacharacters is one argument and runs nothing") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("c.conf", self_config(server.url(), k, "node.a").text());
  auto victim = dir.write("victim", "still here\n");
  // If any of this reached a shell it would create files or remove the victim.
  const std::string payload = "$(touch " + dir.file("x") + "); rm -rf " + victim + " ; `touch " + dir.file("y") +
                              "` | & > " + dir.file("z") +
                              " < /etc/passwd ' \" \\ * ? ~ ${HOME} !! #\n"
                              "second line; touch " +
                              dir.file("w") + "\t-rf --";

  auto rx = start_receiver({"-c", cfg, "-o", "-t", "20s", "sh", "-c",
                            "printf '%s' \"$2\" > '" + dir.file("arg") + "'; printf '%s' \"$#\" > '" +
                                dir.file("argc") + "'; printf '%s' \"$REMAPHORE_MSG\" > '" + dir.file("msg") + "'",
                            "--"});
  auto sent = run_remaphore({"-c", cfg, "-s", payload});
  REQUIRE_MESSAGE(sent.exit_code == 0, sent.err);
  auto r = rx.wait(run_bound);
  CHECK_MESSAGE(r.exit_code == 0, r.err);

  CHECK(slurp(dir.file("argc")) == "2");  // verb and payload, nothing split
  CHECK(slurp(dir.file("arg")) == payload);
  CHECK(slurp(dir.file("msg")) == payload);
  CHECK(slurp(victim) == "still here\n");
  for (auto name : {"x", "y", "z", "w"}) CHECK_MESSAGE(!exists(dir.file(name)), name);

  // A payload that looks like options, after "--".
  auto rx2 = start_receiver(
      {"-c", cfg, "-o", "-t", "20s", "sh", "-c", "printf '%s|' \"$@\" > '" + dir.file("args2") + "'", "--"});
  REQUIRE(run_remaphore({"-c", cfg, "-s", "--", "-v", "x", "--help"}).exit_code == 0);
  CHECK(rx2.wait(run_bound).exit_code == 0);
  CHECK(slurp(dir.file("args2")) == "ping|-v x --help|");
}

TEST_CASE("cli: -t is a deadline from the start, covering connect: a mute server cannot stretch it") {
  mute_listener mute;
  const std::string url = mute.url();
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("mute.conf", self_config(url, k, "node.a").text());
  for (auto mode : {"-s", "-r", "-o"}) {
    CAPTURE(mode);
    auto start = std::chrono::steady_clock::now();
    auto r = run_remaphore({"-c", cfg, "--connect-timeout", "30s", mode, "-t", "1s"});
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("-t deadline") != std::string::npos);
    CHECK(took < 10s);  // with the connect timeout counted apart, 31 s
  }
}

TEST_CASE("cli: --connect-retry waits for a server that comes up late, and without it exit 3 comes at once") {
  int port = 0;
  {
    nats_server probe;  // a free port, then nobody on it
    port = probe.port();
  }
  temp_dir dir;
  auto k = keygen();
  const std::string url = "nats://127.0.0.1:" + std::to_string(port);
  auto cfg = dir.write("late.conf", self_config(url, k, "node.late").text());

  auto start = std::chrono::steady_clock::now();
  auto at_once = run_remaphore({"-c", cfg, "-s", "-t", "20s"});
  CHECK(at_once.exit_code == 3);
  CHECK(std::chrono::steady_clock::now() - start < 10s);

  auto patient = spawn({"-c", cfg, "-s", "--connect-retry", "-t", "20s"});
  // Its first failed attempt is the warning: only then has it something to retry.
  REQUIRE(patient.wait_stderr("(still trying)", 10s));
  nats_server late("", {}, port);
  auto r = patient.wait(run_bound);
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(count_of(r.err, "(still trying)") == 1);  // one warning per server per minute

  // Never reachable: exit 3 at the deadline, naming the server.
  late.stop();
  auto gave_up = run_remaphore({"-c", cfg, "-s", "--connect-retry", "-t", "1s"});
  CHECK(gave_up.exit_code == 3);
  CHECK(gave_up.err.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
}
