// <ostream> before doctest: its own forward declarations otherwise hide the
// standard operator<< that printing std::error_code needs.
#include <ostream>

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "nats/error.hpp"
#include "nats/proto/parser.hpp"

using namespace remaphore::nats;

namespace {

// An event with its views copied, so events from different buffers compare.
struct owned_event {
  op kind = op::none;
  std::string subject;
  std::uint64_t sid = 0;
  std::string reply;
  std::string headers;
  std::string payload;
  std::string text;
  bool operator==(const owned_event&) const = default;
};

std::ostream& operator<<(std::ostream& os, const owned_event& e) {
  return os << "{kind=" << static_cast<int>(e.kind) << " subject=" << e.subject << " sid=" << e.sid
            << " reply=" << e.reply << " headers=" << e.headers.size() << "B payload=" << e.payload.size()
            << "B text=" << e.text << "}";
}

owned_event own(const event& e) {
  return {e.kind,
          std::string(e.subject),
          e.sid,
          std::string(e.reply),
          std::string(e.headers),
          std::string(e.payload),
          std::string(e.text)};
}

// Drives the parser the way the connection does: append what was read, parse
// until "need more", then drop the consumed prefix.
struct driver {
  parser p;
  std::string buffer;
  std::vector<owned_event> events;
  std::error_code ec;

  explicit driver(parser_limits limits = {}) : p(limits) {}

  void feed(std::string_view chunk) {
    REQUIRE_FALSE(ec);
    buffer.append(chunk);
    std::size_t offset = 0;
    for (;;) {
      event ev;
      const std::string_view rest = std::string_view(buffer).substr(offset);
      const std::size_t n = p.parse(rest, ev, ec);
      if (ec) break;
      if (n == 0) {
        CHECK(ev.kind == op::none);
        break;
      }
      CHECK(n <= rest.size());
      // Zero-copy: every view lies inside the bytes given to parse().
      for (std::string_view v : {ev.subject, ev.reply, ev.headers, ev.payload, ev.text}) {
        if (!v.empty()) {
          CHECK(v.data() >= rest.data());
          CHECK(v.data() + v.size() <= rest.data() + n);
        }
      }
      events.push_back(own(ev));
      offset += n;
    }
    buffer.erase(0, offset);
  }
};

// Parses a single complete frame and checks it took the whole input.
event parse_one(parser& p, std::string_view data) {
  event ev;
  std::error_code ec;
  const std::size_t n = p.parse(data, ev, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(n == data.size());
  return ev;
}

std::error_code parse_error(std::string_view data, parser_limits limits = {}) {
  parser p(limits);
  event ev;
  std::error_code ec;
  const std::size_t n = p.parse(data, ev, ec);
  CHECK(n == 0);
  CHECK(ev.kind == op::none);
  return ec;
}

std::size_t parse_need_more(parser& p, std::string_view data) {
  event ev;
  std::error_code ec;
  const std::size_t n = p.parse(data, ev, ec);
  CHECK_FALSE(ec);
  return n;
}

const std::string info_json = R"({"server_id":"NDJ","version":"2.10.7","proto":1,"headers":true,"max_payload":1048576,)"
                              R"("nonce":"PXoWU7zWAMt75FY","connect_urls":["10.0.0.1:4222","10.0.0.2:4222"]})";

// Every op, with odd spacing and case, and payloads that contain CRLF.
std::string sample_stream() {
  std::string s;
  s += "INFO " + info_json + "\r\n";
  s += "+OK\r\n";
  s += "PING\r\n";
  s += "pong\r\n";
  s += "MSG foo.bar 1 5\r\nhello\r\n";
  s += "MSG foo.bar 12 _INBOX.abc.1 3\r\nabc\r\n";
  s += "msg\tfoo  2\t \t0\r\n\r\n";
  s += "MSG crlf 3 6\r\na\r\nb\r\n\r\n";
  s += "HMSG svc.reply 4 _INBOX.x 22 27\r\nNATS/1.0\r\nK: Value\r\n\r\nhello\r\n";
  s += "HMSG _INBOX.r.1 5 16 16\r\nNATS/1.0 503\r\n\r\n\r\n";
  s += "Hmsg a 6 r 12 12\r\nNATS/1.0\r\n\r\n\r\n";
  s += "-ERR 'Permissions Violation for Publish to \"x\"'\r\n";
  s += "+ok\r\n";
  s += "PiNg\r\n";
  s += "MSG last 99 4\r\n\r\n\r\n\r\n";
  return s;
}

// Element by element so a failure prints the first differing event.
void check_same(const std::vector<owned_event>& got, const std::vector<owned_event>& expected) {
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    REQUIRE(got[i] == expected[i]);
  }
}

std::vector<owned_event> parse_whole(const std::string& s) {
  driver d;
  d.feed(s);
  REQUIRE_FALSE(d.ec);
  REQUIRE(d.buffer.empty());
  return d.events;
}

}  // namespace

TEST_CASE("parser: PING, PONG, +OK in any case") {
  parser p;
  CHECK(parse_one(p, "PING\r\n").kind == op::ping);
  CHECK(parse_one(p, "ping\r\n").kind == op::ping);
  CHECK(parse_one(p, "PONG\r\n").kind == op::pong);
  CHECK(parse_one(p, "PoNg \r\n").kind == op::pong);
  CHECK(parse_one(p, "+OK\r\n").kind == op::ok);
  CHECK(parse_one(p, "+ok\r\n").kind == op::ok);
}

TEST_CASE("parser: INFO carries the JSON") {
  parser p;
  const std::string line = "INFO  " + info_json + " \r\n";
  const event ev = parse_one(p, line);
  CHECK(ev.kind == op::info);
  CHECK(ev.text == info_json);

  // Tab separator and lower case.
  CHECK(parse_one(p, "info\t{}\r\n").text == "{}");
}

TEST_CASE("parser: -ERR text without quotes") {
  parser p;
  event ev = parse_one(p, "-ERR 'Authorization Violation'\r\n");
  CHECK(ev.kind == op::err);
  CHECK(ev.text == "Authorization Violation");
  ev = parse_one(p, "-err 'Permissions Violation for Subscription to \"a.b\"'\r\n");
  CHECK(ev.text == "Permissions Violation for Subscription to \"a.b\"");
  // Unquoted text is kept verbatim.
  CHECK(parse_one(p, "-ERR Unknown Protocol Operation\r\n").text == "Unknown Protocol Operation");
  CHECK(parse_one(p, "-ERR ''\r\n").text.empty());
}

TEST_CASE("parser: MSG without and with reply") {
  parser p;
  event ev = parse_one(p, "MSG foo.bar 9 11\r\nhello world\r\n");
  CHECK(ev.kind == op::msg);
  CHECK(ev.subject == "foo.bar");
  CHECK(ev.sid == 9);
  CHECK(ev.reply.empty());
  CHECK(ev.headers.empty());
  CHECK(ev.payload == "hello world");

  ev = parse_one(p, "MSG foo.bar 18446744073709551615 _INBOX.abc.7 2\r\nhi\r\n");
  CHECK(ev.sid == 18446744073709551615ull);
  CHECK(ev.reply == "_INBOX.abc.7");
  CHECK(ev.payload == "hi");

  ev = parse_one(p, "MSG  empty\t3   0 \r\n\r\n");
  CHECK(ev.subject == "empty");
  CHECK(ev.sid == 3);
  CHECK(ev.payload.empty());
}

TEST_CASE("parser: MSG payload containing CRLF") {
  parser p;
  const event ev = parse_one(p, "MSG s 1 10\r\n\r\nMSG \r\n\r\n\r\n");
  CHECK(ev.payload == "\r\nMSG \r\n\r\n");
}

TEST_CASE("parser: parses only the first frame and reports its size") {
  parser p;
  const std::string two = "MSG a 1 1\r\nx\r\nPING\r\n";
  event ev;
  std::error_code ec;
  const std::size_t n = p.parse(two, ev, ec);
  CHECK_FALSE(ec);
  CHECK(n == 14);
  CHECK(ev.payload == "x");
  CHECK(parse_one(p, std::string_view(two).substr(n)).kind == op::ping);
}

TEST_CASE("parser: HMSG with headers, reply and status") {
  parser p;
  const std::string hdr = "NATS/1.0\r\nNats-Msg-Id: abc\r\nX-Thing:  two words \r\n\r\n";
  const std::string frame = "HMSG a.b 7 _INBOX.r " + std::to_string(hdr.size()) + " " + std::to_string(hdr.size() + 5) +
                            "\r\n" + hdr + "hello\r\n";
  event ev = parse_one(p, frame);
  CHECK(ev.kind == op::hmsg);
  CHECK(ev.subject == "a.b");
  CHECK(ev.sid == 7);
  CHECK(ev.reply == "_INBOX.r");
  CHECK(ev.headers == hdr);
  CHECK(ev.payload == "hello");

  header_view h;
  REQUIRE(parse_headers(ev.headers, h));
  CHECK(h.status == 0);
  CHECK(h.description.empty());
  CHECK(h.block == hdr);
  CHECK(h.get("Nats-Msg-Id") == "abc");
  CHECK(h.get("nats-msg-id") == "abc");
  CHECK(h.get("X-THING") == "two words");
  CHECK(h.get("Missing").empty());

  // No responders: status only, no payload, no reply.
  ev = parse_one(p, "HMSG _INBOX.r.1 3 16 16\r\nNATS/1.0 503\r\n\r\n\r\n");
  CHECK(ev.kind == op::hmsg);
  CHECK(ev.reply.empty());
  CHECK(ev.headers == "NATS/1.0 503\r\n\r\n");
  CHECK(ev.payload.empty());
  REQUIRE(parse_headers(ev.headers, h));
  CHECK(h.status == 503);
  CHECK(h.description.empty());
}

TEST_CASE("parser: parse_headers status line and malformed blocks") {
  header_view h;
  REQUIRE(parse_headers("NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 1\r\n\r\n", h));
  CHECK(h.status == 408);
  CHECK(h.description == "Request Timeout");
  CHECK(h.get("Nats-Pending-Messages") == "1");

  REQUIRE(parse_headers("NATS/1.0 404 No Messages\r\n\r\n", h));
  CHECK(h.status == 404);
  CHECK(h.description == "No Messages");

  // First value wins; lines without a colon are ignored; lookups stop at the
  // blank line.
  REQUIRE(parse_headers("NATS/1.0\r\nA: 1\r\njunk\r\na: 2\r\n\r\nB: 3\r\n", h));
  CHECK(h.get("a") == "1");
  CHECK(h.get("B").empty());

  CHECK_FALSE(parse_headers("", h));
  CHECK_FALSE(parse_headers("HTTP/1.1 200\r\n\r\n", h));
  CHECK_FALSE(parse_headers("NATS/1.0", h));
  CHECK_FALSE(parse_headers("NATS/1.01\r\n\r\n", h));
  CHECK_FALSE(parse_headers("NATS/1.0 5x3\r\n\r\n", h));
  CHECK_FALSE(parse_headers("NATS/1.0 50\r\n\r\n", h));
  CHECK_FALSE(parse_headers("NATS/1.0 5034\r\n\r\n", h));
  CHECK(h.get("A").empty());
}

TEST_CASE("parser: 1 MiB payload, whole and in 64 KiB reads") {
  std::string payload(1024 * 1024, 'x');
  for (std::size_t i = 0; i < payload.size(); i += 4093) payload[i] = static_cast<char>('a' + i % 26);
  payload[1000] = '\r';
  payload[1001] = '\n';
  const std::string frame = "MSG big 1 " + std::to_string(payload.size()) + "\r\n" + payload + "\r\nPING\r\n";

  parser p;
  event ev;
  std::error_code ec;
  const std::size_t n = p.parse(frame, ev, ec);
  REQUIRE_FALSE(ec);
  CHECK(n == frame.size() - 6);
  CHECK(ev.payload.size() == payload.size());
  CHECK(ev.payload == payload);
  CHECK(ev.payload.data() == frame.data() + frame.find("\r\n") + 2);

  driver d;
  for (std::size_t off = 0; off < frame.size(); off += 65536) {
    d.feed(std::string_view(frame).substr(off, 65536));
  }
  REQUIRE_FALSE(d.ec);
  REQUIRE(d.events.size() == 2);
  CHECK(d.events[0].payload == payload);
  CHECK(d.events[1].kind == op::ping);
}

TEST_CASE("parser: incomplete frames need more bytes") {
  parser p;
  const std::string frame = "MSG foo 1 _R 5\r\nhello\r\n";
  for (std::size_t i = 0; i < frame.size(); ++i) {
    CAPTURE(i);
    CHECK(parse_need_more(p, std::string_view(frame).substr(0, i)) == 0);
  }
  const std::string hframe = "HMSG foo 1 12 14\r\nNATS/1.0\r\n\r\nhi\r\n";
  for (std::size_t i = 0; i < hframe.size(); ++i) {
    CAPTURE(i);
    CHECK(parse_need_more(p, std::string_view(hframe).substr(0, i)) == 0);
  }
}

TEST_CASE("parser: stream split at every byte offset gives the same events") {
  const std::string stream = sample_stream();
  const std::vector<owned_event> expected = parse_whole(stream);
  REQUIRE(expected.size() == 15);
  CHECK(expected[0].kind == op::info);
  CHECK(expected[0].text == info_json);
  CHECK(expected[4].payload == "hello");
  CHECK(expected[5].reply == "_INBOX.abc.1");
  CHECK(expected[6].payload.empty());
  CHECK(expected[7].payload == "a\r\nb\r\n");
  CHECK(expected[8].headers == "NATS/1.0\r\nK: Value\r\n\r\n");
  CHECK(expected[8].payload == "hello");
  CHECK(expected[9].headers == "NATS/1.0 503\r\n\r\n");
  CHECK(expected[11].kind == op::err);
  CHECK(expected[11].text == "Permissions Violation for Publish to \"x\"");
  CHECK(expected[14].payload == "\r\n\r\n");

  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    CAPTURE(cut);
    driver d;
    d.feed(std::string_view(stream).substr(0, cut));
    d.feed(std::string_view(stream).substr(cut));
    REQUIRE_FALSE(d.ec);
    CHECK(d.buffer.empty());
    check_same(d.events, expected);
  }
}

TEST_CASE("parser: stream in random chunks gives the same events") {
  const std::string stream = sample_stream();
  const std::vector<owned_event> expected = parse_whole(stream);
  std::mt19937 rng(20240611);
  for (int round = 0; round < 500; ++round) {
    CAPTURE(round);
    // Mostly tiny reads (where splits land inside tokens), sometimes larger ones.
    std::uniform_int_distribution<std::size_t> size(1, round % 2 == 0 ? 4 : 64);
    driver d;
    for (std::size_t off = 0; off < stream.size();) {
      const std::size_t n = size(rng);
      d.feed(std::string_view(stream).substr(off, n));
      off += n;
    }
    REQUIRE_FALSE(d.ec);
    CHECK(d.buffer.empty());
    check_same(d.events, expected);
  }
}

TEST_CASE("parser: control line too long is detected without CRLF") {
  parser_limits limits;
  limits.max_control_line = 32;
  limits.max_info_line = 64;
  parser p(limits);

  // Exactly at the bound: fine, with or without the CRLF yet.
  const std::string at_bound = "MSG " + std::string(24, 's') + " 1 0";  // 32 bytes
  REQUIRE(at_bound.size() == 32);
  CHECK(parse_need_more(p, at_bound) == 0);
  CHECK(parse_need_more(p, at_bound + "\r") == 0);
  CHECK(parse_one(p, at_bound + "\r\n\r\n").subject.size() == 24);

  // One byte over, no CRLF in sight: an error now, not when more arrives.
  CHECK(parse_error(at_bound + "0", limits) == errc::control_line_too_long);
  CHECK(parse_error(at_bound + "0\r", limits) == errc::control_line_too_long);
  CHECK(parse_error(at_bound + "0\r\n\r\n", limits) == errc::control_line_too_long);
  CHECK(parse_error("PING " + std::string(100, ' '), limits) == errc::control_line_too_long);
  // A bare '\r' inside the line does not end it.
  CHECK(parse_error("-ERR '\r" + std::string(40, 'x'), limits) == errc::control_line_too_long);

  // INFO has its own, larger bound.
  const std::string info = "INFO {\"a\":\"" + std::string(40, 'v') + "\"}";
  REQUIRE(info.size() > 32);
  REQUIRE(info.size() <= 64);
  CHECK(parse_one(p, info + "\r\n").kind == op::info);
  CHECK(parse_need_more(p, info) == 0);
  CHECK(parse_error("INFO {" + std::string(60, 'v'), limits) == errc::control_line_too_long);

  // Default bound, large garbage behind a valid op.
  CHECK(parse_error("MSG " + std::string(5000, 'a')) == errc::control_line_too_long);
}

TEST_CASE("parser: payload over max_payload") {
  parser_limits limits;
  limits.max_payload = 10;
  // Rejected from the control line alone, before the payload is there.
  CHECK(parse_error("MSG a 1 11\r\n", limits) == errc::payload_too_large);
  CHECK(parse_error("HMSG a 1 4 11\r\n", limits) == errc::payload_too_large);
  CHECK(parse_error("MSG a 1 18446744073709551615\r\n", limits) == errc::payload_too_large);
  parser ok(limits);
  CHECK(parse_one(ok, "MSG a 1 10\r\n0123456789\r\n").payload == "0123456789");

  // INFO may lower or raise the limit later.
  parser p;
  p.set_max_payload(3);
  CHECK(p.limits().max_payload == 3);
  event ev;
  std::error_code ec;
  CHECK(p.parse("MSG a 1 4\r\nabcd\r\n", ev, ec) == 0);
  CHECK(ec == errc::payload_too_large);
  p.set_max_payload(4);
  CHECK(parse_one(p, "MSG a 1 4\r\nabcd\r\n").payload == "abcd");
}

TEST_CASE("parser: malformed MSG and HMSG arguments") {
  for (const char* line : {
           "MSG\r\n",
           "MSG a\r\n",
           "MSG a 1\r\n",
           "MSG a 1 r x 3\r\n",
           "MSG a x 3\r\n",
           "MSG a 1 x\r\n",
           "MSG a 1 -1\r\n",
           "MSG a 1 +1\r\n",
           "MSG a 1 1x\r\n",
           "MSG a 1 0x10\r\n",
           "MSG a 1 99999999999999999999999\r\n",
           "MSG a 18446744073709551616 1\r\n",
           "HMSG a 1 3\r\n",
           "HMSG a 1 r 3 4 5\r\n",
           "HMSG a 1 x 4\r\n",
           "HMSG a 1 2 -4\r\n",
           "HMSG a 1 18446744073709551616 4\r\n",
           "PING x\r\n",
           "PONG 1\r\n",
           "+OK ok\r\n",
           "INFO\r\n",
           "INFO   \r\n",
       }) {
    CAPTURE(line);
    CHECK(parse_error(line) == errc::bad_arguments);
  }
}

TEST_CASE("parser: HMSG header size over total") {
  CHECK(parse_error("HMSG a 1 13 12\r\nNATS/1.0\r\n\r\n\r\n") == errc::headers_too_large);
  CHECK(parse_error("HMSG a 1 r 1 0\r\n") == errc::headers_too_large);
}

TEST_CASE("parser: payload not followed by CRLF") {
  CHECK(parse_error("MSG a 1 3\r\nfooXX") == errc::missing_payload_crlf);
  // A wrong first byte is enough to know.
  CHECK(parse_error("MSG a 1 3\r\nfoo\n") == errc::missing_payload_crlf);
  CHECK(parse_error("MSG a 1 3\r\nfoo\rX") == errc::missing_payload_crlf);
  // Declared size shorter than what was sent.
  CHECK(parse_error("MSG a 1 2\r\nfoo\r\n") == errc::missing_payload_crlf);
  CHECK(parse_error("HMSG a 1 12 12\r\nNATS/1.0\r\n\r\nX\r\n") == errc::missing_payload_crlf);
}

TEST_CASE("parser: unknown operations") {
  for (const char* data : {
           "FOO bar\r\n",
           "PINGX\r\n",
           "PUB a 1\r\n",
           "\r\n",
           " PING\r\n",
           "MSGS a 1 1\r\n",
           "X",
           "PIX",
           "+OKAY",
           "GARBAGE",
           "-ER\r\n",
       }) {
    CAPTURE(data);
    CHECK(parse_error(data) == errc::unknown_operation);
  }
  // Prefixes of real ops are not errors yet.
  parser p;
  for (const char* partial : {"P", "PI", "pin", "PING", "H", "HMS", "+", "+O", "-", "-E", "I", "inf"}) {
    CAPTURE(partial);
    CHECK(parse_need_more(p, partial) == 0);
  }
}

TEST_CASE("parser: empty input needs more") {
  parser p;
  CHECK(parse_need_more(p, "") == 0);
}

TEST_CASE("parser: mutated streams end in events or an error, never out of bounds") {
  // Run under the sanitizer build this is a small, deterministic fuzz pass: the
  // driver checks every view stays inside the consumed bytes.
  const std::string stream = sample_stream();
  const std::string alphabet = "MSGHINFOPONG+-ERK 0123456789\r\n\t'{}";
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> pos(0, stream.size() - 1);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<std::size_t> chunk(1, 16);
  for (int round = 0; round < 2000; ++round) {
    CAPTURE(round);
    std::string s = stream;
    for (int m = 0; m < 1 + round % 4; ++m) s[pos(rng)] = alphabet[pick(rng)];
    parser_limits limits;
    limits.max_control_line = 64;
    limits.max_payload = 64;
    driver d(limits);
    for (std::size_t off = 0; off < s.size() && !d.ec;) {
      const std::size_t n = chunk(rng);
      d.feed(std::string_view(s).substr(off, n));
      off += n;
    }
    CHECK(d.events.size() <= 15 + 4);
  }
}
