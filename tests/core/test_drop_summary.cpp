// Drop summaries: one line per reason per period, with the right counts, and
// nothing lost at the end.
#include <doctest/doctest.h>

#include "core/receive/drop_summary.hpp"

using namespace remaphore::core;
using namespace std::chrono_literals;

TEST_CASE("drop summary: the first drop is reported at once, a burst once per period with its count") {
  drop_summary s(1s);
  auto t0 = drop_summary::clock::time_point{} + 100s;
  CHECK_FALSE(s.next_due());
  s.add("replayed message");
  REQUIRE(s.next_due());
  auto first = s.take_due(t0);
  REQUIRE(first.size() == 1);
  CHECK(first[0].count == 1);
  CHECK(describe(first[0]) == "replayed message: 1 message dropped");

  for (int i = 0; i < 4934; ++i) s.add("command queue full");
  for (int i = 0; i < 3; ++i) s.add("replayed message");
  auto due = s.take_due(t0 + 20ms);  // the queue reason is new: reported at once
  REQUIRE(due.size() == 1);
  CHECK(describe(due[0]) == "command queue full: 4,934 messages dropped");
  CHECK(s.take_due(t0 + 500ms).empty());  // replays: still within their period
  CHECK(*s.next_due() == t0 + 1s);
  auto later = s.take_due(t0 + 1s);
  REQUIRE(later.size() == 1);
  CHECK(describe(later[0]) == "replayed message: 3 messages dropped in the last 1.0s");
}

TEST_CASE("drop summary: what is left unreported comes out at the end") {
  drop_summary s(1s);
  auto t0 = drop_summary::clock::time_point{} + 100s;
  s.add("skew");
  s.take_due(t0);
  s.add("skew");
  s.add("skew");
  auto rest = s.take_all(t0 + 300ms);
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].count == 2);
  CHECK(s.take_all(t0 + 400ms).empty());
  CHECK_FALSE(s.next_due());
}

TEST_CASE("drop summary: thousands are grouped") {
  CHECK(group_thousands(0) == "0");
  CHECK(group_thousands(999) == "999");
  CHECK(group_thousands(1000) == "1,000");
  CHECK(group_thousands(36037) == "36,037");
  CHECK(group_thousands(1234567) == "1,234,567");
}
