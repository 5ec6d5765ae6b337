// The one diagnostics channel and the connection events: how failures read in a
// log line - every server once, each with its reason once.
#include <ostream>

#include <doctest/doctest.h>

#include <string>

#include "nats/error.hpp"
#include "nats/proto/diagnostic.hpp"
#include "nats/proto/events.hpp"

using namespace remaphore::nats;
using namespace std::chrono_literals;

namespace {

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("diagnostic: one line names the server and the reason once") {
  auto d = make_diagnostic(errc::stale_connection, "nats://h:4222", "2 PINGs unanswered");
  CHECK(d);
  CHECK(d.text() == "nats://h:4222: 2 PINGs unanswered");
  CHECK(make_diagnostic(errc::bad_creds, {}, "credentials file 'x': bad").text() == "credentials file 'x': bad");
  // Without words of its own, the error's message, still once.
  CHECK(make_diagnostic(errc::timeout, "nats://h:1", {}).text() == "nats://h:1: timed out");
  diagnostic none;
  CHECK_FALSE(none);
  CHECK(none.text().empty());
}

TEST_CASE("diagnostic: connect attempts list every server once, with its latest reason") {
  diagnostic d;
  std::error_code refused = std::make_error_code(std::errc::connection_refused);
  d.add_attempt("nats://a:1", refused, refused.message());
  d.add_attempt("nats://b:2", errc::connect_timeout, "no answer within 2 s");
  d.add_attempt("nats://a:1", errc::auth_failed, "Authorization Violation");
  REQUIRE(d.attempts.size() == 2);
  std::string text = d.text();
  CHECK(text == "nats://a:1: Authorization Violation; nats://b:2: no answer within 2 s");
  CHECK(occurrences(text, "nats://a:1") == 1);
  d.clear();
  CHECK(d.attempts.empty());
  CHECK_FALSE(d);
}

TEST_CASE("diagnostic: durations in a log's words") {
  CHECK(describe_duration(2s) == "2 s");
  CHECK(describe_duration(700ms) == "700 ms");
  CHECK(describe_duration(1500ms) == "1500 ms");
  CHECK(describe_duration(0ms) == "0 ms");
}

TEST_CASE("events: each kind reads as one line, reason once") {
  using kind = conn_event_kind;
  std::error_code refused = std::make_error_code(std::errc::connection_refused);
  CHECK(describe({kind::connected, {}, "nats://h:1", {}}) == "connected to nats://h:1");
  CHECK(describe({kind::connect_failed, refused, "nats://h:1", refused.message()}) ==
        "cannot connect to nats://h:1: " + refused.message());
  CHECK(describe({kind::disconnected, make_error_code(errc::stale_connection), "nats://h:1", "2 PINGs unanswered"}) ==
        "disconnected from nats://h:1: 2 PINGs unanswered");
  CHECK(describe({kind::disconnected, make_error_code(errc::write_timeout), "nats://h:1", {}}) ==
        "disconnected from nats://h:1: " + make_error_code(errc::write_timeout).message());
  CHECK(describe({kind::reconnected, {}, "nats://h:2", {}}) == "reconnected to nats://h:2");
  CHECK(describe({kind::server_discovered, {}, "nats://h:3", {}}) == "learned server nats://h:3");
  CHECK(describe({kind::lame_duck, {}, "nats://h:1", {}}).find("nats://h:1 entered lame duck mode") == 0);
  CHECK(describe({kind::server_error, make_error_code(errc::server_error), "nats://h:1", "Permissions Violation"}) ==
        "server error from nats://h:1: Permissions Violation");
  CHECK(describe({kind::slow_consumer, {}, {}, "subscription x is full: dropping messages"}) ==
        "slow consumer: subscription x is full: dropping messages");
  CHECK(describe({kind::gave_up, make_error_code(errc::auth_failed), {}, "nats://h:1: Authorization Violation"}) ==
        "gave up reconnecting: nats://h:1: Authorization Violation");
  CHECK(to_string(kind::gave_up) == "gave up reconnecting");
}
