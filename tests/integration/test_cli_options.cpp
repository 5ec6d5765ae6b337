// End-to-end tests of config files refused before anything runs (the file itself,
// server URLs, the files a key names) or warned about (permissions). Each runs the
// real binary.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cctype>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli_support.hpp"
#include "nats/nkeys.hpp"
#include "support/jwt.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace std::chrono_literals;

namespace {

// A port where nothing listens: connecting there is refused at once.
std::string dead_server() { return "nats://127.0.0.1:" + std::to_string(free_port()); }

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

TEST_CASE("config: a directory, an empty file or no server line is refused by every mode") {
  temp_dir dir;
  auto k = keygen();
  expect_config_error(dir.path(), "cannot read config file '" + dir.path() + "': it is a directory");
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
  const auto bad_seed = dir.write("badseed.creds", jwt_only + "\n-----BEGIN USER NKEY SEED-----\nSUNOTASEED\n"
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

TEST_CASE("config: readable by a group is fine; readable or writable by others is warned about, once") {
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
