// The NATS session without sockets: scripts of what the server sends and what the
// client must write, each event kind's effects checked, and every step of a script
// replaced in turn by a dropped connection.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "nats/proto/error.hpp"
#include "nats/proto/session.hpp"

using namespace remaphore::nats;
using namespace std::chrono_literals;
using kind = session_effect::kind;

namespace {

const auto t0 = session::clock::time_point() + 1000h;
const std::string server = "nats://127.0.0.1:4222";

server_info info_with(std::size_t max_payload = 1024) {
  server_info i;
  i.max_payload = max_payload;
  i.headers = true;
  return i;
}

// Both sides of one connection: the server's bytes go through the parser into the
// session, and what the session hands over to write is what the server reads.
struct wire {
  explicit wire(session& to) : s(to) {}
  session& s;
  parser p;
  std::vector<session_effect> effects;  // since the last take_effects()

  void connect(std::size_t early_sent = 0, const std::vector<std::string>& handshake_errors = {},
               std::size_t max_payload = 1024) {
    s.start_connecting();
    auto refused = s.on_connected(server, info_with(max_payload), early_sent, handshake_errors, t0);
    REQUIRE_MESSAGE(!refused, refused.text());
    s.clear_effects();
  }
  void sends(const std::string& bytes) {
    std::string_view rest = bytes;
    event ev;
    std::error_code ec;
    while (std::size_t n = p.parse(rest, ev, ec)) {
      s.on_event(ev);
      collect();
      rest.remove_prefix(n);
    }
    REQUIRE_FALSE(ec);
    REQUIRE(rest.empty());
  }
  std::string written() {
    std::string out;
    if (s.has_output()) s.take_output(out);
    return out;
  }
  void collect() {
    effects.insert(effects.end(), s.effects().begin(), s.effects().end());
    s.clear_effects();
  }
  std::vector<session_effect> take_effects() { return std::exchange(effects, {}); }
  std::vector<session_effect> of(kind k) {
    std::vector<session_effect> out;
    for (auto& e : effects)
      if (e.what == k) out.push_back(e);
    return out;
  }
};

// One step of a script: what the server sends, or what the client must have written.
struct step {
  bool server_sends;
  std::string bytes;
};
step sends(std::string b) { return {true, std::move(b)}; }
step writes(std::string b) { return {false, std::move(b)}; }

void play(wire& w, const std::vector<step>& steps, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    CAPTURE(i);
    if (steps[i].server_sends)
      w.sends(steps[i].bytes);
    else
      CHECK(w.written() == steps[i].bytes);
  }
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// The script `steps` after `setup`, with each step in turn replaced by a dropped
// connection (and one drop after the last step). Whatever waited learns it at once:
// every flush `setup` started has a result; nothing that arrives late is delivered;
// the next connection starts with every subscription still wanted.
void check_each_step_dropped(const std::function<std::vector<std::uint64_t>(session&)>& setup,
                             const std::vector<step>& steps) {
  for (std::size_t fail_at = 0; fail_at <= steps.size(); ++fail_at) {
    CAPTURE(fail_at);
    session s;
    wire w(s);
    w.connect();
    auto flushes = setup(s);
    play(w, steps, fail_at);
    s.on_disconnected();
    w.collect();
    CHECK(s.state() == session_state::reconnecting);
    for (auto id : flushes) {
      CAPTURE(id);
      auto result = s.flush_result(id);
      REQUIRE(result.has_value());
      if (result->error) CHECK((result->error == errc::disconnected || result->error == errc::permission_denied));
    }
    w.take_effects();
    w.sends("MSG late 1 2\r\nhi\r\nPONG\r\n");  // bytes of the old connection: ignored
    CHECK(w.effects.empty());
    const auto wanted = s.subscriptions();
    s.on_connected(server, info_with(), 0, {}, t0);
    const auto out = w.written();
    CHECK(count_of(out, "SUB ") - count_of(out, "UNSUB ") == wanted);
    if (wanted > 0) CHECK(out.starts_with("SUB "));
  }
}

}  // namespace

TEST_CASE("session: what is published and subscribed before connecting goes out after CONNECT, SUBs first") {
  session s;
  wire w(s);
  REQUIRE_FALSE(s.publish("a", {}, {}, "x"));
  s.subscribe("b");
  CHECK(s.early().bytes.empty());  // a SUB must go first: nothing with CONNECT
  w.connect();
  CHECK(w.written() == "SUB b 1\r\nPUB a 1\r\nx\r\n");
  CHECK(s.is_connected());
}

TEST_CASE("session: publishes made before connecting go with CONNECT, and the handshake's PONG confirms them") {
  session s;
  wire w(s);
  REQUIRE_FALSE(s.publish("a", "r", {}, "x"));
  auto early = s.early();
  CHECK(early.bytes == "PUB a r 1\r\nx\r\n");
  CHECK(early.largest_payload == 1);
  w.connect(early.bytes.size());
  CHECK_FALSE(s.has_output());
  auto ticket = s.flush();
  CHECK(ticket.id == 0);  // no round trip of its own
  CHECK_FALSE(ticket.result);
}

TEST_CASE("session: MSG and HMSG go to their subscription, auto-unsubscribe after max, and unknown sids are dropped") {
  session s;
  wire w(s);
  w.connect();
  auto a = s.subscribe("a", 2);
  auto b = s.subscribe("b");
  CHECK(w.written() == "SUB a 1\r\nUNSUB 1 2\r\nSUB b 2\r\n");
  w.sends(
      "MSG a 1 1\r\nx\r\nHMSG b 2 12 13\r\nNATS/1.0\r\n\r\ny\r\nMSG a 1 1\r\nz\r\nMSG a 1 1\r\nw\r\nMSG c 9 0\r\n\r\n");
  auto got = w.of(kind::deliver);
  REQUIRE(got.size() == 3);
  CHECK((got[0].sid == a && !got[0].last));
  CHECK((got[1].sid == b && !got[1].last));
  CHECK((got[2].sid == a && got[2].last));  // the second of two: gone after it
  CHECK(s.subscriptions() == 1);
}

TEST_CASE("session: unsubscribe sends UNSUB, and messages still on their way are dropped") {
  session s;
  wire w(s);
  w.connect();
  auto a = s.subscribe("a");
  w.written();
  s.unsubscribe(a);
  CHECK(w.written() == "UNSUB 1\r\n");
  w.sends("MSG a 1 1\r\nx\r\n");
  CHECK(w.of(kind::deliver).empty());
  s.subscribe("b");
  s.subscribe("c");
  w.written();
  s.unsubscribe_all();  // a drain: the subscriptions stay until close
  CHECK(w.written() == "UNSUB 2\r\nUNSUB 3\r\n");
  CHECK(s.subscriptions() == 2);
}

TEST_CASE("session: PING is answered with PONG, +OK and unasked PONGs change nothing") {
  session s;
  wire w(s);
  w.connect();
  w.sends("PING\r\n+OK\r\nPONG\r\n");
  CHECK(w.written() == "PONG\r\n");
  CHECK(w.effects.size() == 0);
}

TEST_CASE("session: flushes complete in order at their PONGs, the health check's PINGs keep PONGs in step") {
  session s;
  wire w(s);
  w.connect();
  REQUIRE_FALSE(s.publish("a", {}, {}, "1"));
  auto first = s.flush().id;
  s.on_tick(t0 + 10s);  // the health check's PING
  auto second = s.flush().id;
  REQUIRE(first != 0);
  REQUIRE(second != 0);
  CHECK(w.written() == "PUB a 1\r\n1\r\nPING\r\nPING\r\nPING\r\n");
  CHECK_FALSE(s.flush_result(first));
  w.sends("PONG\r\n");
  CHECK(w.of(kind::flushes).size() == 1);
  auto r = s.flush_result(first);
  REQUIRE(r);
  CHECK_FALSE(*r);
  CHECK_FALSE(s.flush_result(first));  // taken once
  w.sends("PONG\r\n");                 // the health check's
  CHECK_FALSE(s.flush_result(second));
  w.sends("PONG\r\n");
  CHECK(s.flush_result(second));
}

TEST_CASE("session: a flush that stops waiting leaves its PONG counted") {
  session s;
  wire w(s);
  w.connect();
  REQUIRE_FALSE(s.publish("a", {}, {}, "1"));
  auto gave_up = s.flush().id;
  auto waits = s.flush().id;
  s.abandon_flush(gave_up);
  w.written();
  w.sends("PONG\r\n");
  CHECK_FALSE(s.flush_result(gave_up));
  CHECK_FALSE(s.flush_result(waits));
  w.sends("PONG\r\n");
  CHECK(s.flush_result(waits));
}

TEST_CASE("session: a publish the server refuses fails the flush whose PONG comes after it, with the server's words") {
  session s;
  wire w(s);
  w.connect();
  REQUIRE_FALSE(s.publish("x", {}, {}, "1"));
  auto id = s.flush().id;
  CHECK(w.written() == "PUB x 1\r\n1\r\nPING\r\n");
  w.sends("-ERR 'Permissions Violation for Publish to \"x\"'\r\n");
  auto reported = w.of(kind::server_error);
  REQUIRE(reported.size() == 1);
  CHECK(reported[0].why.reason == "Permissions Violation for Publish to \"x\"");
  CHECK(s.is_connected());  // the connection stays
  w.sends("PONG\r\n");
  auto r = s.flush_result(id);
  REQUIRE(r);
  CHECK(r->error == errc::permission_denied);
  CHECK(r->reason == "Permissions Violation for Publish to \"x\"");
  CHECK(r->server == server);
  // Reported once: the next flush has nothing against it.
  auto next = s.flush().id;
  w.written();
  w.sends("PONG\r\n");
  CHECK_FALSE(*s.flush_result(next));
}

TEST_CASE("session: a refusal that comes while no flush waits fails the next flush") {
  session s;
  wire w(s);
  w.connect();
  REQUIRE_FALSE(s.publish("x", {}, {}, "1"));
  w.written();
  w.sends("-ERR 'Invalid Subject'\r\n");
  auto id = s.flush().id;
  w.written();
  w.sends("PONG\r\n");
  auto r = s.flush_result(id);
  REQUIRE(r);
  CHECK(r->error == errc::server_error);  // refused, though not for permissions
  CHECK(r->reason == "Invalid Subject");
}

TEST_CASE("session: a refused subscription: every subscription to that subject on the wire, none queued after") {
  session s;
  wire w(s);
  w.connect();
  auto a1 = s.subscribe("secret.a");
  auto a2 = s.subscribe("secret.a");
  auto other = s.subscribe("open.b");
  auto id = s.flush().id;
  w.written();
  auto later = s.subscribe("secret.a");  // its SUB is not on the wire yet
  w.sends("-ERR 'Permissions Violation for Subscription to \"secret.a\"'\r\n");
  auto refused = w.of(kind::refused);
  REQUIRE(refused.size() == 2);
  CHECK(refused[0].sid == a1);
  CHECK(refused[1].sid == a2);
  CHECK(refused[0].why.error == errc::permission_denied);
  CHECK(refused[0].why.reason == "Permissions Violation for Subscription to \"secret.a\"");
  w.sends("PONG\r\n");
  CHECK(s.flush_result(id)->error == errc::permission_denied);
  CHECK(s.subscriptions() == 2);  // `other` and `later`
  // A queue group's refusal names the subject the same way.
  w.take_effects();
  w.written();
  w.sends("-ERR 'Permissions Violation for Subscription to \"secret.a\" using queue \"q\"'\r\n");
  REQUIRE(w.of(kind::refused).size() == 1);
  CHECK(w.of(kind::refused)[0].sid == later);
  (void)other;
}

TEST_CASE("session: a refused resubscription after a reconnect reaches the subscription") {
  session s;
  wire w(s);
  w.connect();
  auto sub = s.subscribe("x.y");
  w.written();
  w.sends("PONG\r\n");
  s.on_disconnected();
  s.on_connected(server, info_with(), 0, {}, t0);
  CHECK(w.written() == "SUB x.y 1\r\n");
  w.take_effects();
  w.sends("-ERR 'Permissions Violation for Subscription to \"x.y\"'\r\n");
  auto refused = w.of(kind::refused);
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].sid == sub);
  // Not asked for again on the next connection.
  s.on_disconnected();
  s.on_connected(server, info_with(), 0, {}, t0);
  CHECK(w.written().empty());
}

TEST_CASE("session: INFO announces servers, lame duck mode ends the session, a malformed INFO is ignored") {
  session s;
  wire w(s);
  w.connect();
  w.take_effects();
  w.sends("INFO {\"connect_urls\":[\"10.0.0.2:4222\"]}\r\n");
  REQUIRE(w.of(kind::discovered).size() == 1);
  CHECK(s.info().connect_urls == std::vector<std::string>{"10.0.0.2:4222"});
  CHECK(s.info().max_payload == 1024);  // only the URLs change
  w.take_effects();
  w.sends("INFO {not json}\r\n");
  CHECK(w.effects.empty());
  w.sends("INFO {\"ldm\":true}\r\n");
  CHECK(w.of(kind::lame_duck).size() == 1);
  auto end = w.of(kind::end);
  REQUIRE(end.size() == 1);
  CHECK(end[0].why.error == errc::lame_duck);
}

TEST_CASE("session: an -ERR the server closes the connection after ends the session with its words") {
  for (auto words_and_error :
       {std::pair{"Authorization Violation", errc::auth_failed},
        std::pair{"User Authentication Expired", errc::auth_failed}, std::pair{"Stale Connection", errc::server_error},
        std::pair{"Maximum Payload Violation", errc::server_error}}) {
    // Not a structured binding: CAPTURE's lambda cannot capture one in clang 14.
    const auto text = words_and_error.first;
    const auto ec = words_and_error.second;
    CAPTURE(text);
    session s;
    wire w(s);
    w.connect();
    w.sends("-ERR '" + std::string(text) + "'\r\n");
    auto end = w.of(kind::end);
    REQUIRE(end.size() == 1);
    CHECK(end[0].why.error == ec);
    CHECK(end[0].why.reason == text);
    CHECK(end[0].why.server == server);
  }
}

TEST_CASE("session: first connection: an early publish the server refused fails it with the server's words") {
  session s;
  REQUIRE_FALSE(s.publish("remaphore.all", {}, {}, "sig"));
  auto early = s.early();
  s.start_connecting();
  auto refused = s.on_connected(server, info_with(), early.bytes.size(),
                                {"Permissions Violation for Publish to \"remaphore.all\""}, t0);
  CHECK(refused.error == errc::permission_denied);
  CHECK(refused.reason == "Permissions Violation for Publish to \"remaphore.all\"");
  CHECK(refused.server == server);
  CHECK(s.state() == session_state::connecting);
}

TEST_CASE("session: first connection: a queued payload over the server's max_payload fails it before it is written") {
  session s;
  REQUIRE_FALSE(s.publish("a", {}, {}, std::string(2000, 'x')));  // no limit known yet
  auto early = s.early();
  CHECK(early.largest_payload == 2000);
  s.start_connecting();
  auto refused = s.on_connected(server, info_with(1000), 0, {}, t0);
  CHECK(refused.error == errc::max_payload_exceeded);
  CHECK(refused.reason.find("2000 bytes") != std::string::npos);
  CHECK(refused.reason.find("max_payload of 1000 bytes") != std::string::npos);
  // Once the limit is known, a publish over it is refused at once.
  session known;
  wire w(known);
  w.connect(0, {}, 1000);
  CHECK(known.publish("a", {}, {}, std::string(1001, 'x')) == errc::max_payload_exceeded);
  CHECK_FALSE(known.has_output());
}

TEST_CASE("session: a reconnect's handshake refusal is reported and fails the next flush, the session goes on") {
  session s;
  wire w(s);
  w.connect();
  s.on_disconnected();
  REQUIRE_FALSE(s.publish("x", {}, {}, "1"));
  auto early = s.early();
  auto refused =
      s.on_connected(server, info_with(), early.bytes.size(), {"Permissions Violation for Publish to \"x\""}, t0);
  CHECK_FALSE(refused);
  w.collect();
  CHECK(w.of(kind::server_error).size() == 1);
  CHECK(s.flush().result.error == errc::permission_denied);
}

TEST_CASE("session: a dropped connection fails waiting flushes, keeps unsent PINGs in step, resubscribes") {
  session s;
  wire w(s);
  w.connect();
  s.subscribe("a", 5);
  auto sent = s.flush().id;
  w.written();
  w.sends("MSG a 1 0\r\n\r\n");
  auto unsent = s.flush().id;  // its PING is still queued
  s.on_disconnected();
  w.collect();
  CHECK(w.of(kind::flushes).size() == 1);
  CHECK(s.flush_result(sent)->error == errc::disconnected);
  CHECK(s.flush_result(unsent)->error == errc::disconnected);
  // While disconnected: publishes are buffered up to the bound.
  REQUIRE_FALSE(s.publish("b", {}, {}, "2"));
  auto later = s.flush().id;
  s.on_connected(server, info_with(), 0, {}, t0);
  CHECK(w.written() == "SUB a 1\r\nUNSUB 1 4\r\nPING\r\nPUB b 1\r\n2\r\nPING\r\n");
  w.sends("PONG\r\n");  // the PING of the flush that failed
  CHECK_FALSE(s.flush_result(later));
  w.sends("PONG\r\n");
  CHECK(s.flush_result(later));
}

TEST_CASE("session: publishes while disconnected are bounded by reconnect_buffer") {
  session_settings settings;
  settings.reconnect_buffer = 64;
  session s(settings);
  wire w(s);
  w.connect();
  s.on_disconnected();
  int accepted = 0;
  std::error_code last;
  while (!last && accepted < 100) {
    last = s.publish("b", {}, {}, "12345678");
    accepted += !last;
  }
  CHECK(last == errc::buffer_full);
  CHECK(accepted == 3);  // "PUB b 8\r\n12345678\r\n" is 19 bytes
  CHECK(s.pending_bytes() <= 64);
}

TEST_CASE("session: health: PINGs on time, stale when unanswered, a stuck write ends the session") {
  session_settings settings;
  settings.health = {100ms, 2, 1s};
  session s(settings);
  wire w(s);
  w.connect();
  CHECK(s.next_check(t0) == t0 + 100ms);
  s.on_tick(t0 + 100ms);
  s.on_tick(t0 + 200ms);
  CHECK(w.written() == "PING\r\nPING\r\n");
  s.on_tick(t0 + 300ms);
  w.collect();
  auto end = w.of(kind::end);
  REQUIRE(end.size() == 1);
  CHECK(end[0].why.error == errc::stale_connection);
  CHECK(end[0].why.reason == "2 PINGs unanswered");

  session stuck(settings);
  wire v(stuck);
  v.connect();
  stuck.write_started(t0);
  stuck.on_tick(t0 + 1s);
  v.collect();
  REQUIRE(v.of(kind::end).size() == 1);
  CHECK(v.of(kind::end)[0].why.error == errc::write_timeout);
}

TEST_CASE("session: idle and closed: flush says why at once, close fails what waits and refuses what comes") {
  session s;
  CHECK(s.flush().result.error == errc::disconnected);
  wire w(s);
  w.connect();
  s.subscribe("a");
  auto id = s.flush().id;
  s.close();
  w.collect();
  CHECK(w.of(kind::flushes).size() == 1);
  CHECK(s.flush_result(id)->error == errc::connection_closed);
  CHECK(s.publish("a", {}, {}, "x") == errc::connection_closed);
  CHECK(s.flush().result.error == errc::connection_closed);
  CHECK(s.subscriptions() == 0);
  CHECK_FALSE(s.has_output());
  w.sends("MSG a 1 0\r\n\r\n");
  CHECK(w.of(kind::deliver).empty());
}

TEST_CASE("session: every step of a conversation failed in turn by a dropped connection") {
  auto setup = [](session& s) {
    s.subscribe("in", 3);
    s.subscribe("secret.x");
    (void)s.publish("out", {}, {}, "hello");
    auto first = s.flush().id;
    return std::vector<std::uint64_t>{first};
  };
  const std::vector<step> steps = {
      writes("SUB in 1\r\nUNSUB 1 3\r\nSUB secret.x 2\r\nPUB out 5\r\nhello\r\nPING\r\n"),
      sends("INFO {\"connect_urls\":[\"10.0.0.2:4222\"]}\r\n"),
      sends("-ERR 'Permissions Violation for Subscription to \"secret.x\"'\r\n"),
      sends("MSG in 1 2\r\nm1\r\n"),
      sends("PING\r\n"),
      writes("PONG\r\n"),
      sends("PONG\r\n"),
      sends("HMSG in 1 12 14\r\nNATS/1.0\r\n\r\nm2\r\n+OK\r\n"),
  };
  check_each_step_dropped(setup, steps);

  // The same conversation without a drop: what each step did.
  session s;
  wire w(s);
  w.connect();
  auto flushes = setup(s);
  play(w, steps, steps.size());
  CHECK(w.of(kind::deliver).size() == 2);
  CHECK(w.of(kind::refused).size() == 1);
  CHECK(s.flush_result(flushes[0])->error == errc::permission_denied);
  CHECK(s.subscriptions() == 1);
}
