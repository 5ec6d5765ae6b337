// End-to-end tests of the command line and config rules: options that cannot be
// combined, option values that are refused (-S, -t, --since, a value that is an
// option), -t 0, the warning for options after the command, --log-format and
// --connect-retry; and config files refused before anything runs (the file itself,
// server URLs, the files a key names) or warned about (permissions). Each runs the
// real binary; the tests that need a server start a real nats-server.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cctype>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "nats/proto/nkeys.hpp"
#include "support/jwt.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace std::chrono_literals;

namespace {

struct usage_case {
  std::vector<std::string> args;
  std::string says;
};

// Runs every case at once (each exits before connecting anywhere) and checks exit 2,
// the message on stderr and nothing on stdout.
void expect_usage_errors(const std::vector<usage_case>& cases) {
  std::vector<child> procs;
  for (const auto& c : cases) procs.push_back(spawn(c.args));
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto r = procs[i].wait(run_bound);
    std::string args;
    for (const auto& a : cases[i].args) args += a + " ";
    INFO("remaphore ", args, "\nexpected: ", cases[i].says, "\nstderr: ", r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(cases[i].says) != std::string::npos);
    CHECK(r.out.empty());
  }
}

// The same config error from every mode that reads the config: exit 2 and `says`.
void expect_config_error(const std::string& path, const std::string& says) {
  std::vector<child> procs;
  for (auto extra : std::vector<std::vector<std::string>>{{"--check-config"}, {"-s"}, {"-r"}, {"-t", "1s"}})
    procs.push_back(spawn(concat({"-c", path}, extra)));
  for (auto& p : procs) {
    auto r = p.wait(run_bound);
    INFO("expected: ", says, "\nstderr: ", r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(says) != std::string::npos);
    CHECK(r.out.empty());
  }
}

}  // namespace

TEST_CASE("options: every option that does nothing in the chosen mode is refused, naming it") {
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("c.conf", self_config(dead_server(), k, "node.a").text());
  std::vector<usage_case> cases = {
      // Two modes.
      {{"-c", cfg, "-s", "-C"}, "-s and -C cannot be used together"},
      {{"-c", cfg, "-r", "--keygen"}, "-r and --keygen cannot be used together"},
      {{"-c", cfg, "--check-config", "-s"}, "--check-config and -s cannot be used together"},
      {{"-C", "--check-config"}, "-C and --check-config cannot be used together"},
      {{"--request", "--send"}, "--request and --send cannot be used together"},
      // Sending.
      {{"-c", cfg, "-s", "-o"}, "-o is for receiving: it cannot be used with -s"},
      {{"-c", cfg, "-s", "-d"}, "-d is for receiving: it cannot be used with -s"},
      {{"-c", cfg, "-s", "--json"},
       "--json is for requests (-r), --lock-status and --discover: it cannot be used with -s"},
      {{"-c", cfg, "-s", "-n", "2"}, "-n is for receiving and --lock: it cannot be used with -s"},
      {{"-c", cfg, "-s", "--since", "1m"}, "--since is for receiving: it cannot be used with -s"},
      {{"-c", cfg, "--send", "--once"}, "--once is for receiving: it cannot be used with --send"},
      // Requests.
      {{"-c", cfg, "-r", "-o"}, "-o is for receiving: it cannot be used with -r"},
      {{"-c", cfg, "-r", "-d"}, "-d is for receiving: it cannot be used with -r"},
      {{"-c", cfg, "-r", "-n", "2"}, "-n is for receiving and --lock: it cannot be used with -r"},
      {{"-c", cfg, "-r", "--since", "1m"}, "--since is for receiving: it cannot be used with -r"},
      {{"-c", cfg, "-r", "--retain"}, "--retain is for sending (-s): it cannot be used with -r"},
      {{"-c", cfg, "-r", "-v", "a,b"}, "send one verb at a time"},
      // Receiving.
      {{"-c", cfg, "--json"},
       "--json is for requests (-r), --lock-status and --discover: it cannot be used when receiving"},
      {{"-c", cfg, "--retain"}, "--retain is for sending (-s): it cannot be used when receiving"},
      {{"-c", cfg, "-D", "x", "-d"}, "-D and -d cannot be used together"},
      {{"-c", cfg, "-d", "--dest", "x"}, "-d and --dest cannot be used together"},
      {{"-c", cfg, "-o", "-n", "2"}, "-o and -n cannot be used together"},
      {{"-c", cfg, "--count=2", "--once"}, "--count and --once cannot be used together"},
  };
  // The modes that read no message: everything but their own options is refused.
  const std::vector<std::vector<std::string>> messaging = {
      {"-D", "x"},
      {"-d"},
      {"-o"},
      {"-p", k.pub},
      {"-t", "5s"},
      {"-u", "x"},
      {"-v", "x"},
      {"-S", "x"},
      {"-n", "2"},
      {"--retain"},
      {"--since", "1m"},
      {"--json"},
      {"--connect-timeout", "1s"},
      {"--connect-retry"},
  };
  for (const std::string mode : {"-C", "--check-config", "--keygen"}) {
    for (const auto& opt : messaging) cases.push_back({concat({mode}, opt), opt[0] + " is for "});
    if (mode != "--check-config") cases.push_back({{mode, "-c", cfg}, "-c is for"});
  }
  expect_usage_errors(cases);
}

TEST_CASE("options: combinations that are fine stay fine") {
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("c.conf", self_config(dead_server(), k, "node.a").text());
  // Exit 3 (no server) shows that the options were accepted and a connect was tried.
  std::vector<child> procs;
  procs.push_back(spawn({"-c", cfg, "-u", "x", "-n", "2", "-t", "5s"}));  // -n replaces -u's one message
  procs.push_back(spawn({"-c", cfg, "-o", "-u", "x", "-t", "5s"}));
  procs.push_back(spawn({"-c", cfg, "-s", "--retain", "-u", "x", "-v", "go", "--connect-timeout", "1s"}));
  procs.push_back(spawn({"-c", cfg, "-r", "--json", "-D", "node.*", "-t", "5s"}));
  procs.push_back(spawn({"-c", cfg, "-s", "--connect-retry", "-t", "1s"}));
  for (auto& p : procs) {
    auto r = p.wait(run_bound);
    INFO("stderr: ", r.err);
    CHECK(r.exit_code == 3);
  }
  auto check = run_remaphore({"--check-config", "-c", cfg, "--log-level", "debug", "--log-format", "text"});
  CHECK_MESSAGE(check.exit_code == 0, check.err);
  CHECK(run_remaphore({"-C", "--log-level", "error"}).exit_code == 0);
  CHECK(run_remaphore({"--keygen", "--log-format", "json"}).exit_code == 0);
  // -h wins over anything else on the line: a broken command line is when help is wanted.
  auto help = run_remaphore({"-s", "-r", "-o", "-h"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("usage: remaphore") != std::string::npos);
}

TEST_CASE("options: values that would be misread are refused, naming the option") {
  expect_usage_errors({
      // A space makes the rest a queue group (SUB) or a reply subject (PUB) on the wire.
      {{"-S", "q grp"}, "invalid subject for -S: 'q grp': it contains white space"},
      {{"-s", "-S", "a b"}, "invalid subject for -S: 'a b': it contains white space"},
      {{"--subject=a.*"}, "invalid subject for --subject: 'a.*': it contains the wildcard '*'"},
      {{"-r", "-S", ">"}, "invalid subject for -S: '>'"},
      {{"-S", "a..b"}, "invalid subject for -S: 'a..b': it has an empty token"},
      {{"-S", ""}, "invalid subject for -S: '': it is empty"},
      {{"--since", "0s"}, "invalid duration for --since: '0s': it must be positive"},
      {{"--since=-5m"}, "invalid duration for --since: '-5m': it must be positive"},
      {{"-t", "-1s"}, "invalid duration for -t: '-1s': it cannot be negative (0 means no timeout)"},
      {{"--timeout", "soon"}, "invalid duration for --timeout: 'soon'"},
      {{"--connect-timeout", "0"}, "invalid duration for --connect-timeout: '0': it must be positive"},
      {{"-n", "1.5"}, "invalid count for -n: '1.5'"},
      {{"--log-format", "xml"}, "invalid --log-format 'xml' (text, json)"},
      {{"-p", "not-a-key"}, "-p: 'not-a-key' is not a base58 public key"},
      {{"-D", ""}, "-D needs a destination"},
      {{"-u", ""}, "-u needs an id"},
      {{"-v", ","}, "-v needs at least one verb"},
      // A forgotten value: the next option is not taken as the value.
      {{"-D", "-s", "hello"}, "option -D needs a value, not the option '-s'"},
      {{"-u", "--once"}, "option -u needs a value, not the option '--once'"},
      {{"-c", "--"}, "option -c needs a value, not the option '--'"},
      {{"-t"}, "option -t needs a value"},
      {{"--uuid"}, "option --uuid needs a value"},
      {{"--conn", "1s"}, "ambiguous option '--conn'"},
  });
}

TEST_CASE("options: -t 0 means no timeout, as in the Go tool") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("c.conf", self_config(server.url(), k, "node.a").text());
  auto zero = start_receiver({"-c", cfg, "-o", "-t", "0"});
  auto go_form = start_receiver({"-c", cfg, "-o", "-t=0s"});
  auto long_form = start_receiver({"-c", cfg, "-o", "--timeout=0"});
  // A zero deadline ends a receiver (exit 1) right after "ready:"; none may end here.
  const bool one_ended =
      wait_until([&] { return !zero.running() || !go_form.running() || !long_form.running(); }, 1500ms);
  CHECK_FALSE(one_ended);
  auto sent = run_remaphore({"-c", cfg, "-s", "-t", "0"});
  CHECK_MESSAGE(sent.exit_code == 0, sent.err);
  for (auto* p : {&zero, &go_form, &long_form}) {
    auto r = p->wait(run_bound);
    CHECK_MESSAGE(r.exit_code == 0, r.err);
  }
}

TEST_CASE("options: our options after the command run as the command's words, with a warning naming each") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("c.conf", self_config(server.url(), k, "node.a").text());
  auto misplaced = start_receiver({"-c", cfg, "-o", "-t", "20s", "echo", "-t", "5s"});
  CHECK(misplaced.err().find("'-t' is part of the command, not an option of remaphore") != std::string::npos);
  CHECK(misplaced.err().find("options end at the first argument that is not an option ('echo')") != std::string::npos);
  // Every such word is named, whichever of our options it is (a command may take -v).
  auto several = start_receiver({"-c", cfg, "-o", "-t", "20s", "echo", "-v", "x", "--dest=a.b", "-S"});
  CHECK(several.err().find("'-v', '--dest=a.b' and '-S' are part of the command, not options of remaphore") !=
        std::string::npos);
  auto long_form = start_receiver({"-c", cfg, "-o", "-t", "20s", "echo", "--uuid=x"});
  CHECK(long_form.err().find("'--uuid=x' is part of the command") != std::string::npos);
  // "--" says the split is meant: no warning.
  auto explicit_split = start_receiver({"-c", cfg, "-o", "-t", "20s", "--", "echo", "-o"});
  CHECK(explicit_split.err().find("is part of the command") == std::string::npos);
  auto plain = start_receiver({"-c", cfg, "-o", "-t", "20s", "echo", "-e", "-E", "-vx", "---v"});
  CHECK(plain.err().find("part of the command") == std::string::npos);

  // "--" before the payload sends the words as written.
  auto sent = run_remaphore({"-c", cfg, "-s", "--", "done", "-u", "build_42"});
  CHECK_MESSAGE(sent.exit_code == 0, sent.err);
  CHECK(sent.err.empty());

  auto r = misplaced.wait(run_bound);
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out == "-t 5s ping done -u build_42\n");  // the command ran, with the words as given
  CHECK(several.wait(run_bound).out == "-v x --dest=a.b -S ping done -u build_42\n");
  CHECK(long_form.wait(run_bound).out == "--uuid=x ping done -u build_42\n");
  CHECK(explicit_split.wait(run_bound).out == "-o ping done -u build_42\n");
  CHECK(plain.wait(run_bound).exit_code == 0);
}

// `remaphore -s -v restart now -D com.acme.web.2` once sent "now -D com.acme.web.2" to
// every host. A payload word that is one of our options is refused before anything
// goes out; the receiver here would take anything that was sent.
TEST_CASE("options: a payload that holds one of our options is refused (exit 2), naming it and --") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("c.conf", self_config(server.url(), k, "node.a").text());
  auto rx = start_receiver({"-c", cfg, "-d", "-o", "-t", "20s", "echo"});
  expect_usage_errors({
      {{"-c", cfg, "-s", "-v", "restart", "now", "-D", "com.acme.web.2"},
       "the payload holds '-D', which is an option of remaphore: options end at the first argument that is not an "
       "option ('now'), so it would be sent as payload"},
      {{"-c", cfg, "-r", "status", "--dest=com.x", "-t", "5s"}, "the payload holds '--dest=com.x' and '-t'"},
      {{"-c", cfg, "-s", "x", "--batch"}, "'--batch'"},
      {{"-c", cfg, "-s", "x", "-t=5s"}, "'-t=5s'"},
      {{"-c", cfg, "-s", "x", "--json"}, "or put -- before the payload to send it as written"},
  });
  auto words = run_remaphore({"-c", cfg, "-s", "-v", "restart", "now", "-xD", "--destination", "-", "---D"});
  CHECK_MESSAGE(words.exit_code == 0, words.err);  // none of these is one of our options
  auto r = rx.wait(run_bound);
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out == "restart now -xD --destination - ---D\n");  // the first message is the last send's
}

TEST_CASE("options: --log-format json writes one JSON object per record") {
  temp_dir dir;
  auto bad = dir.write("bad.conf", "server: nats://127.0.0.1:1\ncolour: blue\n");
  auto json = run_remaphore({"--check-config", "-c", bad, "--log-format", "json"});
  CHECK(json.exit_code == 2);
  INFO("stderr: ", json.err);
  CHECK(json.err.rfind("{\"time\":\"", 0) == 0);
  CHECK(json.err.find("\"level\":\"error\"") != std::string::npos);
  CHECK(json.err.find("unknown key 'colour'") != std::string::npos);
  CHECK(json.err.back() == '\n');
  CHECK(count_of(json.err, "\n") == 1);
  auto text = run_remaphore({"--check-config", "-c", bad, "--log-format=text"});
  CHECK(text.err.rfind("remaphore: error: " + bad + ":2: unknown key 'colour'", 0) == 0);
}

// The man page test in test_cli.cpp checks --help against the man page; this one the
// other way: an option the man page describes must exist.
TEST_CASE("options: every option the man page describes is in --help") {
  const std::string man = slurp(REMAPHORE_MANPAGE);
  REQUIRE(!man.empty());
  auto help = run_remaphore({"--help"});
  REQUIRE(help.exit_code == 0);
  std::set<std::string> help_words;
  std::istringstream words(help.out);
  for (std::string w; words >> w;) help_words.insert(w.back() == ',' ? w.substr(0, w.size() - 1) : w);

  // Option headings are the line after each ".TP", e.g. '.BR \-c ", " \-\-config " \fIFILE\fR"'.
  std::size_t found = 0;
  std::istringstream lines(man);
  bool heading = false;
  for (std::string line; std::getline(lines, line);) {
    if (line == ".TP") {
      heading = true;
      continue;
    }
    if (!heading) continue;
    heading = false;
    std::istringstream tokens(line);
    for (std::string t; tokens >> t;) {
      if (!t.starts_with("\\-")) continue;
      std::string option;
      for (std::size_t i = 0; i < t.size(); ++i) {
        if (t.compare(i, 2, "\\-") == 0) {
          option += '-';
          ++i;
        } else if (std::isalnum(static_cast<unsigned char>(t[i]))) {
          option += t[i];
        } else {
          break;
        }
      }
      ++found;
      CHECK_MESSAGE(help_words.contains(option), "--help lacks " << option << " (man page: " << line << ")");
    }
  }
  CHECK(found >= 27);
}

TEST_CASE("config: a directory, an empty file or no server line is refused by every mode") {
  temp_dir dir;
  auto k = keygen();
  expect_config_error(dir.path(), "cannot read config file '" + dir.path() + "': it is a directory");
  // A FIFO nobody writes would hold every mode for ever, -t or not; a device is no config.
  const auto fifo = dir.file("fifo.conf");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  expect_config_error(fifo, "cannot read config file '" + fifo + "': it is a FIFO, not a regular file");
  expect_config_error("/dev/zero", "cannot read config file '/dev/zero': it is a device, not a regular file");
  auto empty = dir.write("empty.conf", "");
  expect_config_error(empty, empty + ": the file is empty");
  auto no_server = self_config("", k, "node.a");
  auto no_server_cfg = dir.write("noserver.conf", "# a node\n" + no_server.text());
  // Reported where the settings end: the first section header.
  expect_config_error(no_server_cfg, no_server_cfg + ":4: no 'server:' line");
  auto comments = dir.write("comments.conf", "# nothing\n\n# here\n");
  expect_config_error(comments, comments + ":3: no 'server:' line");
}

TEST_CASE("config: server URLs are read when the config is, and named with FILE:LINE") {
  temp_dir dir;
  auto k = keygen();
  struct url_case {
    std::string url;
    std::string says;
  };
  const std::vector<url_case> cases = {
      {"http://host:4222",
       "invalid server URL 'http://host:4222': unknown scheme 'http' (nats://, tls://, ws:// or wss://)"},
      {"nats://host:99999", "invalid server URL 'nats://host:99999': bad port '99999' (1 to 65535)"},
      {"nats://host:0", "invalid server URL 'nats://host:0': bad port '0'"},
      {"tls://host:http", "invalid server URL 'tls://host:http': bad port 'http'"},
      {"nats://:4222", "invalid server URL 'nats://:4222': no host"},
      {"nats://", "invalid server URL 'nats://': no host"},
      // A password in the URL is not repeated into logs.
      {"nats://alice:s3cret@host:70000", "invalid server URL 'nats://***@host:70000': bad port '70000'"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto c = self_config("nats://127.0.0.1:4222", k, "node.a");
    c.extra = {"server: " + cases[i].url};  // the second server line: line 3
    auto path = dir.write("url" + std::to_string(i) + ".conf", c.text());
    INFO(cases[i].url);
    expect_config_error(path, path + ":3: " + cases[i].says);
    auto r = run_remaphore({"--check-config", "-c", path});
    CHECK(r.err.find("s3cret") == std::string::npos);
  }
}

TEST_CASE("config: files the config names must be readable and hold what they should") {
  temp_dir dir;
  auto k = keygen();
  trust_chain chain;
  const auto user = remaphore::nats::generate_nkey('U');
  const auto good_creds = dir.write("good.creds", chain.user_creds());
  const auto good_seed = dir.write("good.nk", user.seed_string() + "\n");
  const auto pem = dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
  const std::string jwt_only =
      "-----BEGIN NATS USER JWT-----\neyJhbGciOi.eyJzdWIiOi.c2ln\n------END NATS USER JWT------\n";
  const auto no_seed = dir.write("noseed.creds", jwt_only);
  const auto bad_seed = dir.write("badseed.creds", jwt_only +
                                                       "\n-----BEGIN USER NKEY SEED-----\nSUNOTASEED\n"
                                                       "------END USER NKEY SEED------\n");
  const auto not_a_seed = dir.write("bad.nk", "hello\n");
  const auto missing = dir.file("missing");
  struct file_case {
    std::string line;
    std::string says;  // after "FILE:3: "
  };
  const std::vector<file_case> cases = {
      {"credentials: " + missing, "credentials file '" + missing + "': No such file or directory"},
      {"credentials: " + dir.path(), "credentials file '" + dir.path() + "': it is a directory"},
      {"credentials: " + no_seed, "credentials file '" + no_seed + "': it does not hold a JWT and an nkey seed"},
      {"credentials: " + bad_seed, "credentials file '" + bad_seed + "': its seed is not a valid nkey seed"},
      {"nkey_seed: " + missing, "nkey_seed file '" + missing + "': No such file or directory"},
      {"nkey_seed: " + not_a_seed, "nkey_seed file '" + not_a_seed + "': it does not hold a valid nkey seed"},
      {"tls_ca: " + missing, "tls_ca file '" + missing + "': No such file or directory"},
      {"tls_cert: " + dir.path(), "tls_cert file '" + dir.path() + "': it is a directory"},
      {"tls_key: " + missing, "tls_key file '" + missing + "': No such file or directory"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto c = self_config(dead_server(), k, "node.a");
    c.extra = {cases[i].line};
    auto path = dir.write("f" + std::to_string(i) + ".conf", c.text());
    expect_config_error(path, path + ":3: " + cases[i].says);
  }
  // Good files pass (the server is unreachable: exit 3 at run time, valid in --check-config).
  auto c = self_config(dead_server(), k, "node.a");
  c.extra = {"credentials: " + good_creds, "tls_ca: " + pem, "tls_cert: " + pem, "tls_key: " + pem};
  auto good = dir.write("good.conf", c.text());
  auto check = run_remaphore({"--check-config", "-c", good});
  CHECK_MESSAGE(check.exit_code == 0, check.err);
  CHECK(run_remaphore({"-c", good, "-s"}).exit_code == 3);
  c.extra = {"nkey_seed: " + good_seed};
  auto seeded = run_remaphore({"--check-config", "-c", dir.write("seeded.conf", c.text())});
  CHECK_MESSAGE(seeded.exit_code == 0, seeded.err);
  CHECK(seeded.err.find(user.seed_string()) == std::string::npos);
}

TEST_CASE("config: readable by a group is fine, readable or writable by others is warned about, once") {
  temp_dir dir;
  auto k = keygen();
  auto path = dir.write("c.conf", self_config(dead_server(), k, "node.a").text());
  struct mode_case {
    mode_t mode;
    std::string warning;  // empty: none
  };
  const std::vector<mode_case> cases = {
      {0600, ""},
      {0640, ""},
      {0660, ""},
      {0644, "has mode 0644: other users can read it"},
      {0602, "has mode 0602: other users can change it"},
      {0666, "has mode 0666: other users can read and change it"},
  };
  for (const auto& c : cases) {
    REQUIRE(::chmod(path.c_str(), c.mode) == 0);
    auto r = run_remaphore({"--check-config", "-c", path});
    INFO("mode ", c.mode, " stderr: ", r.err);
    CHECK(r.exit_code == 0);
    if (c.warning.empty()) {
      CHECK(r.err.empty());
    } else {
      CHECK(r.err.find(c.warning) != std::string::npos);
      CHECK(count_of(r.err, "other users can") == 1);
    }
  }
}

TEST_CASE("config: REMAPHORE_CONFIG is read by every mode when -c is not given, and -c wins over it") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("env.conf", self_config(server.url(), k, "node.env").text());
  const env_list env = {{"REMAPHORE_CONFIG", cfg}};
  auto check = run({binary, "--check-config"}, run_bound, env);
  CHECK_MESSAGE(check.exit_code == 0, check.err);
  CHECK(check.out.find("config " + cfg + " is valid") != std::string::npos);
  auto rx = child(process::start({binary, "-o", "-t", "20s", "echo"}, env));
  REQUIRE_MESSAGE(rx.wait_stderr("ready:", ready_bound), rx.err());
  CHECK(rx.err().find("for destination node.env") != std::string::npos);
  auto sent = run({binary, "-s", "-D", "node.env", "from-env"}, run_bound, env);
  CHECK_MESSAGE(sent.exit_code == 0, sent.err);
  auto got = rx.wait(run_bound);
  CHECK(got.out == "ping from-env\n");
  auto asked = run({binary, "-r", "-t", "2s", "status"}, run_bound, env);
  CHECK(asked.exit_code == 1);  // node.env is a peer with no listener: asked, silent
  CHECK(asked.err.find("1 silent (node.env)") != std::string::npos);
  // -c wins; an empty variable means the default.
  auto other = dir.write("other.conf", "server: nats://127.0.0.1:1\nwhat: x\n");
  auto given = run({binary, "--check-config", "-c", other}, run_bound, env);
  CHECK(given.exit_code == 2);
  CHECK(given.err.find(other + ":2: unknown key 'what'") != std::string::npos);
  auto empty = run({binary, "--check-config"}, run_bound, {{"REMAPHORE_CONFIG", ""}});
  CHECK((empty.out + empty.err).find("/etc/remaphore/remaphore.conf") != std::string::npos);
}
