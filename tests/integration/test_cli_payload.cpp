// What a receiver does with a payload no command can be given as it was signed.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "cli_support.hpp"
#include "support/publish.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace std::chrono_literals;

TEST_CASE("cli: a signed payload holding a NUL byte runs no command, and the receiver says why") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(2);  // the sender, the receiver
  config_text c;
  c.server = server.url();
  c.destination = "node.nul";
  c.identities = {identity_line(keys[1])};
  c.peers = {peer_line("the.sender", keys[0])};
  const auto ran = dir.file("ran");
  auto rx = start_receiver({"-c", dir.write("rx.conf", c.text()), "-o", "-t", "20s", "touch", ran});
  // An argument ends at its first NUL: the command would get "abc", not what was signed.
  publish_all(server, {sign(keys[0], signal_fields(std::string("abc\0def", 7)))});
  auto r = rx.wait(run_bound);
  INFO("stderr: ", r.err);
  CHECK(r.err.find("NUL byte") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(ran));
}
