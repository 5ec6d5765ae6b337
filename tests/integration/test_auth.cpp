// Every way the client authenticates, against a real nats-server configured for it:
// token, user/password, nkey, and operator mode with a user JWT from a creds file.
// Each kind is also refused once, and the refusal must carry the server's text.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include "nats/client.hpp"
#include "nats/error.hpp"
#include "nats/proto/nkeys.hpp"
#include "support/coro.hpp"
#include "support/jwt.hpp"
#include "support/nats_server.hpp"

namespace asio = boost::asio;
using asio::awaitable;
using namespace std::chrono_literals;
using remaphore::nats::client;
using remaphore::nats::errc;
using remaphore::nats::message;
using remaphore::nats::options;
using remaphore::test::nats_server;
using remaphore::test::run_coro;
using remaphore::test::temp_dir;

namespace {

options opts_for(const std::string& url) {
  options o;
  o.servers = {url};
  o.connect_timeout = 2s;
  o.allow_reconnect = false;
  return o;
}

std::string url_with(const nats_server& s, const std::string& userinfo) {
  return "nats://" + userinfo + "@127.0.0.1:" + std::to_string(s.port());
}

struct outcome {
  std::error_code ec;
  std::string error_text;
  bool round_trip = false;  // a message published to ourselves came back
};

// Connects with `o`; when that works, checks a publish/subscribe round trip.
outcome try_connect(const options& o) {
  outcome out;
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    client c(ioc.get_executor(), o);
    out.ec = co_await c.connect();
    out.error_text = c.last_error().reason;
    if (!out.ec) {
      auto sub = c.subscribe("auth.check");
      if (!co_await c.flush(2s) && !c.publish("auth.check", "ping")) {
        message m;
        out.round_trip = !co_await c.next_msg(sub, m, 2s) && m.payload == "ping";
      }
    }
    co_await c.close();
  });
  return out;
}

void check_works(const options& o) {
  auto r = try_connect(o);
  CHECK_MESSAGE(!r.ec, r.ec.message(), ": ", r.error_text);
  CHECK(r.round_trip);
}

void check_refused(const options& o) {
  auto r = try_connect(o);
  CHECK(r.ec == errc::auth_failed);
  CHECK(r.error_text == "Authorization Violation");
}

}  // namespace

TEST_CASE("auth: token in the options, token in the URL, wrong token refused") {
  nats_server server(R"(authorization { token: "s3cret" })");
  auto o = opts_for(server.url());
  o.auth.token = "s3cret";
  check_works(o);

  check_works(opts_for(url_with(server, "s3cret")));

  o.auth.token = "wrong";
  check_refused(o);
  check_refused(opts_for(server.url()));  // no token at all
}

TEST_CASE("auth: user/password in the options and in the URL, wrong password refused") {
  nats_server server("authorization { user: a, password: b }");
  auto o = opts_for(server.url());
  o.auth.user = "a";
  o.auth.password = "b";
  check_works(o);

  check_works(opts_for(url_with(server, "a:b")));

  o.auth.password = "c";
  check_refused(o);
  check_refused(opts_for(url_with(server, "a:c")));
}

TEST_CASE("auth: nkey seed file signs the server's nonce, another key is refused") {
  auto user = remaphore::nats::generate_nkey('U');
  nats_server server("authorization { users = [ { nkey: " + user.public_key() + " } ] }");
  temp_dir files;
  auto o = opts_for(server.url());
  o.auth.nkey_seed_file = files.write("user.nk", user.seed_string() + "\n");
  check_works(o);

  o.auth.nkey_seed_file = files.write("other.nk", remaphore::nats::generate_nkey('U').seed_string());
  check_refused(o);
}

TEST_CASE("auth: operator mode, user JWT and seed from a creds file") {
  remaphore::test::trust_chain chain;
  temp_dir files;
  nats_server server(chain.server_config(files.write("op.jwt", chain.op_jwt)));
  auto o = opts_for(server.url());

  SUBCASE("a user of a preloaded account connects and round-trips a message") {
    o.auth.creds_file = files.write("user.creds", chain.user_creds("alice"));
    check_works(o);
  }
  SUBCASE("CRLF line endings") {
    o.auth.creds_file = files.write("crlf.creds", chain.user_creds("bob", "\r\n"));
    check_works(o);
  }
  SUBCASE("a user signed by an account the server does not know is refused") {
    auto stranger = remaphore::nats::generate_nkey('A');
    auto user = remaphore::nats::generate_nkey('U');
    o.auth.creds_file =
        files.write("stranger.creds",
                    remaphore::test::creds_text(remaphore::test::user_jwt(stranger, user.public_key(), "eve"), user));
    check_refused(o);
  }
  SUBCASE("a user JWT whose seed is another key's is refused") {
    auto user = remaphore::nats::generate_nkey('U');
    auto other = remaphore::nats::generate_nkey('U');
    o.auth.creds_file = files.write(
        "mismatch.creds",
        remaphore::test::creds_text(remaphore::test::user_jwt(chain.account, user.public_key(), "mallory"), other));
    check_refused(o);
  }
  SUBCASE("a malformed creds file is a local error naming the file") {
    std::string creds = chain.user_creds("carol");
    std::string jwt_only = creds.substr(0, creds.find("-----BEGIN USER NKEY SEED-----"));
    o.auth.creds_file = files.write("jwt-only.creds", jwt_only);
    auto r = try_connect(o);
    CHECK(r.ec == errc::bad_creds);
    CHECK(r.error_text.find(o.auth.creds_file) != std::string::npos);
    CHECK(r.error_text.find("no seed block") != std::string::npos);

    o.auth.creds_file = files.file("missing.creds");
    r = try_connect(o);
    CHECK(r.ec == errc::bad_creds);
    CHECK(r.error_text.find("cannot read") != std::string::npos);
    CHECK(r.error_text.find(o.auth.creds_file) != std::string::npos);
  }
}
