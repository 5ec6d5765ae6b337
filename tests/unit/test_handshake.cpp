// The pure steps of the handshake: server URLs, the server's INFO, our CONNECT, and
// which -ERR texts end a connection or mean our credentials are wrong.
#include <ostream>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "nats/error.hpp"
#include "nats/proto/handshake.hpp"
#include "nats/proto/nkeys.hpp"

using namespace remaphore::nats;

namespace {

server_url url_ok(std::string_view text) {
  std::error_code ec;
  auto u = parse_server_url(text, ec);
  INFO(text);
  REQUIRE_FALSE(ec);
  return u;
}

bool url_refused(std::string_view text) {
  std::error_code ec;
  parse_server_url(text, ec);
  return ec == errc::bad_url;
}

nlohmann::json connect_json(const connect_params& p, const auth& a, const server_info& info) {
  return nlohmann::json::parse(build_connect(p, a, info));
}

}  // namespace

TEST_CASE("handshake: parse_server_url schemes, default ports, bare host:port") {
  auto u = url_ok("nats://example.org");
  CHECK(u.kind == transport_kind::tcp);
  CHECK(u.host == "example.org");
  CHECK(u.port == 4222);
  CHECK(u.text() == "nats://example.org:4222");
  CHECK(url_ok("tls://h:4443").kind == transport_kind::tls);
  CHECK(url_ok("ws://h").port == 80);
  CHECK(url_ok("wss://h").port == 443);
  CHECK(url_ok("WSS://h:8443/nats").path == "/nats");
  CHECK(url_ok("ws://h").path == "/");
  auto bare = url_ok("10.0.0.2:4223");  // as INFO connect_urls write them
  CHECK(bare.kind == transport_kind::tcp);
  CHECK(bare.host == "10.0.0.2");
  CHECK(bare.port == 4223);
  auto v6 = url_ok("nats://[::1]:4222");
  CHECK(v6.host == "::1");
  CHECK(v6.text() == "nats://[::1]:4222");
}

TEST_CASE("handshake: parse_server_url credentials: user:password, token, never in text()") {
  auto up = url_ok("nats://alice:s3cret@h:1");
  CHECK(up.user == "alice");
  CHECK(up.password == "s3cret");
  CHECK(up.token.empty());
  CHECK(up.text() == "nats://h:1");
  auto tok = url_ok("nats://tok3n@h");
  CHECK(tok.token == "tok3n");
  CHECK(tok.user.empty());
}

TEST_CASE("handshake: parse_server_url refuses what it cannot connect to") {
  CHECK(url_refused("http://h:80"));
  CHECK(url_refused("nats://"));
  CHECK(url_refused("nats://h:0"));
  CHECK(url_refused("nats://h:65536"));
  CHECK(url_refused("nats://h:12x"));
  CHECK(url_refused("nats://h h"));
  CHECK(url_refused(""));
}

TEST_CASE("handshake: parse_info reads what the client uses and ignores the rest") {
  server_info info;
  REQUIRE(parse_info(R"({"server_id":"S1","server_name":"n1","version":"2.9.10","proto":1,"headers":true,)"
                     R"("max_payload":65536,"nonce":"abc","tls_required":true,"auth_required":true,)"
                     R"("ldm":true,"connect_urls":["a:1","b:2",3],"ws_connect_urls":["w:1"],"extra":{}})",
                     info));
  CHECK(info.server_id == "S1");
  CHECK(info.server_name == "n1");
  CHECK(info.max_payload == 65536);
  CHECK(info.proto == 1);
  CHECK(info.headers);
  CHECK(info.tls_required);
  CHECK(info.auth_required);
  CHECK(info.lame_duck);
  CHECK(info.nonce == "abc");
  CHECK(info.connect_urls == std::vector<std::string>{"a:1", "b:2"});
  CHECK(info.ws_connect_urls == std::vector<std::string>{"w:1"});

  server_info defaults;
  REQUIRE(parse_info("{}", defaults));
  CHECK(defaults.max_payload == 1024 * 1024);
  CHECK_FALSE(defaults.headers);
  CHECK_FALSE(parse_info("[1,2]", defaults));
  CHECK_FALSE(parse_info("{not json", defaults));
  server_info negative;
  REQUIRE(parse_info(R"({"max_payload":-1})", negative));
  CHECK(negative.max_payload == 1024 * 1024);  // a negative limit is no limit to trust
}

TEST_CASE("handshake: build_connect sends only the auth fields in use") {
  connect_params p;
  p.version = "0.1.0";
  server_info info;
  auto plain = connect_json(p, auth{}, info);
  CHECK(plain["verbose"] == false);
  CHECK(plain["pedantic"] == false);
  CHECK(plain["protocol"] == 1);
  CHECK(plain["lang"] == "cpp");
  CHECK(plain["version"] == "0.1.0");
  CHECK(plain["headers"] == false);
  for (const char* field : {"user", "pass", "auth_token", "jwt", "nkey", "sig"}) CHECK_FALSE(plain.contains(field));

  auth up;
  up.user = "a\"b";  // escaped, not spliced
  up.password = "p";
  auto with_user = connect_json(p, up, info);
  CHECK(with_user["user"] == "a\"b");
  CHECK(with_user["pass"] == "p");

  auth token;
  token.token = "t";
  CHECK(connect_json(p, token, info)["auth_token"] == "t");
}

TEST_CASE("handshake: build_connect signs the nonce for nkey and JWT auth, and only when there is one") {
  auto key = generate_nkey('U');
  connect_params p;
  server_info info;
  info.nonce = "PXoWU7zWAMt75FY";
  auth nk;
  nk.nkey_public = key.public_key();
  nk.sign_nonce = [key](std::string_view nonce) { return key.sign_nonce(nonce); };
  auto j = connect_json(p, nk, info);
  CHECK(j["nkey"] == key.public_key());
  CHECK(j["sig"] == key.sign_nonce(info.nonce));

  auth jwt = nk;
  jwt.jwt = "eyJ.x.y";
  auto jj = connect_json(p, jwt, info);
  CHECK(jj["jwt"] == "eyJ.x.y");
  CHECK_FALSE(jj.contains("nkey"));  // the JWT names the key
  CHECK(jj["sig"] == key.sign_nonce(info.nonce));

  info.nonce.clear();
  CHECK_FALSE(connect_json(p, nk, info).contains("sig"));
}

TEST_CASE("handshake: is_auth_error and is_soft_error classify -ERR texts, in any case") {
  for (const char* t : {"Authorization Violation", "authorization violation", "User Authentication Expired",
                        "Authorization Timeout", "Account Authentication Expired", "User Authentication Revoked"}) {
    CAPTURE(t);
    CHECK(is_auth_error(t));
    CHECK_FALSE(is_soft_error(t));
  }
  for (const char* t : {"Permissions Violation for Publish to \"x\"", "permissions violation for subscription to y",
                        "Invalid Subject"}) {
    CAPTURE(t);
    CHECK(is_soft_error(t));
    CHECK_FALSE(is_auth_error(t));
  }
  for (const char* t : {"Stale Connection", "Slow Consumer", "Maximum Payload Violation",
                        "Secure Connection - TLS Required", "Unknown Protocol Operation"}) {
    CAPTURE(t);
    CHECK_FALSE(is_soft_error(t));
    CHECK_FALSE(is_auth_error(t));
  }
}
