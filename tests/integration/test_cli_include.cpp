// End-to-end tests of `include:`: a host's identity in its own file, the peer list
// in a shared directory (as config management ships it), --check-config naming every
// file it read, a receiver and a sender that work from such a config, and the refusals
// an admin must see (a file others may change, a missing file) with FILE:LINE.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <string>

#include "cli_support.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace std::chrono_literals;

namespace {

// /DIR/main.conf (server, destination, includes), /DIR/identity.conf (0600) and
// /DIR/peers.d/<name>.conf (0644), one per peer.
struct split_config {
  temp_dir& dir;
  std::string main_path;

  split_config(temp_dir& d, const std::string& server, const std::string& destination, const key_pair& self,
               const std::vector<std::pair<std::string, key_pair>>& peers)
      : dir(d) {
    ::mkdir(dir.file("peers.d").c_str(), 0755);
    for (const auto& [name, key] : peers)
      write("peers.d/" + name + ".conf", "[ Peers ]\n" + peer_line(name, key) + "\n", 0644);
    write("identity.conf", "[ Identities ]\n" + identity_line(self) + "\n", 0600);
    main_path = write(
        "main.conf",
        "server: " + server + "\ndestination: " + destination + "\ninclude: identity.conf\ninclude: peers.d/*.conf\n",
        0600);
  }

  std::string write(const std::string& name, const std::string& text, mode_t mode) const {
    const auto path = dir.write(name, text);
    ::chmod(path.c_str(), mode);
    return path;
  }
};

}  // namespace

TEST_CASE("cli: include: identity and peers from files of their own, --check-config names every file read") {
  nats_server server;
  temp_dir dir_a, dir_b;
  auto keys = keygen(2);
  auto &a = keys[0], &b = keys[1];
  split_config host_a(dir_a, server.url(), "web.a", a, {{"web.b", b}});
  split_config host_b(dir_b, server.url(), "web.b", b, {{"web.a", a}});

  auto check = run_remaphore({"-c", host_a.main_path, "--check-config"});
  INFO("stdout:\n", check.out, "\nstderr:\n", check.err);
  CHECK(check.exit_code == 0);
  CHECK(check.out.find("included: " + dir_a.file("identity.conf")) != std::string::npos);
  CHECK(check.out.find("included: " + dir_a.file("peers.d/web.b.conf")) != std::string::npos);
  CHECK(check.out.find("identities: 1\npeers: 1\n") != std::string::npos);
  CHECK(check.err.empty());  // a world-readable peers file is fine: it holds public keys

  const auto out = dir_b.file("got");
  auto rx = start_receiver({"-c", host_b.main_path, "-o", "sh", "-c", "echo \"$2\" > " + out, "--"});
  auto tx = run_remaphore({"-c", host_a.main_path, "-s", "-D", "web.b", "hello"});
  CHECK(tx.exit_code == 0);
  auto r = rx.wait(run_bound);
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(wait_file_equals(out, "hello\n"));
}

TEST_CASE("cli: include: a file others may change, a missing file and a key in two files are refused with FILE:LINE") {
  temp_dir dir;
  auto keys = keygen(2);
  split_config host(dir, "nats://127.0.0.1:1", "web.a", keys[0], {{"web.b", keys[1]}});

  ::chmod(dir.file("peers.d/web.b.conf").c_str(), 0666);
  auto writable = run_remaphore({"-c", host.main_path, "--check-config"});
  CHECK(writable.exit_code == 2);
  CHECK(writable.err.find(host.main_path + ":4: include 'peers.d/*.conf': '" + dir.file("peers.d/web.b.conf") +
                          "' has mode 0666: other users can change it") != std::string::npos);
  // The same refusal when a mode runs: nothing is sent from a config in doubt.
  auto send = run_remaphore({"-c", host.main_path, "-s", "hello"});
  CHECK(send.exit_code == 2);
  ::chmod(dir.file("peers.d/web.b.conf").c_str(), 0644);

  host.write("peers.d/again.conf", "\n[ Peers ]\n" + peer_line("web.again", keys[1]) + "\n", 0644);
  auto twice = run_remaphore({"-c", host.main_path, "--check-config"});
  CHECK(twice.exit_code == 2);
  CHECK(twice.err.find(dir.file("peers.d/web.b.conf") + ":2: peer " + keys[1].pub + " is listed twice (first on " +
                       dir.file("peers.d/again.conf") + ":3)") != std::string::npos);
  ::unlink(dir.file("peers.d/again.conf").c_str());

  host.write("main.conf", "server: nats://127.0.0.1:1\ninclude: identity.conf\ninclude: gone.conf\n", 0600);
  auto missing = run_remaphore({"-c", host.main_path, "--check-config"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find(host.main_path + ":3: include 'gone.conf': cannot read '" + dir.file("gone.conf") +
                         "': No such file or directory") != std::string::npos);
}
