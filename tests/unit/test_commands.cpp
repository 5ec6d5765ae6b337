// The protocol commands the client sends, byte for byte, and that each one parses
// back with the server-side grammar (checked here by hand: our parser reads the
// server's side of the protocol, not PUB/SUB).
#include <ostream>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "nats/proto/commands.hpp"

using namespace remaphore::nats;

TEST_CASE("commands: PUB without and with reply") {
  std::string out;
  append_publish(out, "a.b", {}, {}, "hello");
  CHECK(out == "PUB a.b 5\r\nhello\r\n");
  out.clear();
  append_publish(out, "a.b", "_INBOX.x.1", {}, "");
  CHECK(out == "PUB a.b _INBOX.x.1 0\r\n\r\n");
}

TEST_CASE("commands: HPUB counts the header block in both sizes") {
  const std::string headers = "NATS/1.0\r\nNats-Msg-Id: 7\r\n\r\n";
  std::string out;
  append_publish(out, "s", "r", headers, "body");
  CHECK(out == "HPUB s r " + std::to_string(headers.size()) + " " + std::to_string(headers.size() + 4) + "\r\n" +
                   headers + "body\r\n");
  out.clear();
  append_publish(out, "s", {}, headers, "");
  CHECK(out == "HPUB s 28 28\r\n" + headers + "\r\n");
}

TEST_CASE("commands: publish_size is what append_publish appends") {
  const std::string big(123456, 'x');
  const std::string headers = "NATS/1.0\r\nK: v\r\n\r\n";
  for (std::string_view reply : {std::string_view(), std::string_view("_INBOX.abc.12345")}) {
    for (std::string_view h : {std::string_view(), std::string_view(headers)}) {
      for (std::string_view payload : {std::string_view(), std::string_view("p"), std::string_view(big)}) {
        std::string out = "prefix";
        append_publish(out, "subject.x", reply, h, payload);
        CHECK(out.size() - 6 == publish_size("subject.x", reply, h, payload));
      }
    }
  }
}

TEST_CASE("commands: SUB and UNSUB, with and without a message limit") {
  std::string out;
  append_subscribe(out, "x.>", 1);
  append_unsubscribe(out, 1, 5);
  append_unsubscribe(out, 18446744073709551615ULL);
  CHECK(out == "SUB x.> 1\r\nUNSUB 1 5\r\nUNSUB 18446744073709551615\r\n");
}

TEST_CASE("commands: CONNECT is followed by PING and carries the application's name and version") {
  connect_params p;
  p.name = "remaphore";
  p.version = "1.2.3";
  server_info info;
  info.headers = true;
  std::string cmd = connect_command(p, auth{}, info);
  REQUIRE(cmd.starts_with("CONNECT {"));
  REQUIRE(cmd.ends_with("}\r\nPING\r\n"));
  auto json = nlohmann::json::parse(cmd.substr(8, cmd.size() - 8 - 8));
  CHECK(json["name"] == "remaphore");
  CHECK(json["version"] == "1.2.3");
  CHECK(json["headers"] == true);
  CHECK(ping_command == "PING\r\n");
  CHECK(pong_command == "PONG\r\n");
  // What goes with CONNECT comes after it and before the PING that confirms both.
  std::string with = connect_command(p, auth{}, info, "PUB a 1\r\nx\r\n");
  CHECK(with == cmd.substr(0, cmd.size() - 6) + "PUB a 1\r\nx\r\nPING\r\n");
}
