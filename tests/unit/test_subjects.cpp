#include <doctest/doctest.h>

#include "protocol/subjects.hpp"

using namespace remaphore::protocol;

TEST_CASE("subjects: live, reply and retained names") {
  CHECK(subjects::live("remaphore", std::nullopt) == "remaphore.all");
  CHECK(subjects::live("remaphore", std::string("ops")) == "remaphore.ops");
  digest h{};
  h[0] = 0xab;
  CHECK(subjects::reply("r", h) == "r.ab" + std::string(62, '0'));
  CHECK(subjects::retained("r", std::nullopt, "0a0b", "KEY") == "r.retained.all.0a0b.KEY");
  CHECK(subjects::retained("r", std::string("ops"), "0a0b", "KEY") == "r.retained.ops.0a0b.KEY");
  CHECK(subjects::retained_filter("r", std::nullopt, std::string("0a")) == "r.retained.all.0a.*");
  CHECK(subjects::retained_filter("r", std::nullopt, std::nullopt) == "r.retained.all.*.*");
  CHECK(subjects::retained_all("r") == "r.retained.>");
}

TEST_CASE("subjects: stream names are upper-case and safe for the JetStream API") {
  CHECK(subjects::stream_name("remaphore") == "REMAPHORE");
  CHECK(subjects::stream_name("ops.prod-1") == "REMAPHORE_OPS_PROD_1");
}

TEST_CASE("subjects: only plain tokens go into a protocol line") {
  for (const char* ok : {"remaphore", "a.b", "ops-1", "_x", "A9"}) {
    INFO(ok);
    CHECK_FALSE(subjects::why_not_subject(ok).has_value());
  }
  struct bad_case {
    const char* name;
    const char* why;
  };
  for (auto c : {bad_case{"", "empty"}, bad_case{"q grp", "white space"}, bad_case{"a\tb", "white space"},
                 bad_case{"a.*", "wildcard '*'"}, bad_case{"a.>", "wildcard '>'"}, bad_case{".a", "empty token"},
                 bad_case{"a.", "empty token"}, bad_case{"a..b", "empty token"},
                 bad_case{"a\r\nPUB x 1", "printable ASCII"}, bad_case{"caf\xc3\xa9", "printable ASCII"}}) {
    INFO(c.name);
    auto why = subjects::why_not_subject(c.name);
    REQUIRE(why.has_value());
    CHECK(why->find(c.why) != std::string::npos);
  }
}
