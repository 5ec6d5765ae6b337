// Replies kept to be sent again: found within the window, gone after it, bounded.
#include <doctest/doctest.h>

#include "core/respond/remembered_replies.hpp"

using namespace remaphore::core;
using namespace std::chrono_literals;

namespace {
remaphore::protocol::digest digest_of(std::uint8_t b) {
  remaphore::protocol::digest h{};
  h[0] = b;
  return h;
}
}  // namespace

TEST_CASE("remembered replies: found within the window, forgotten after it") {
  remembered_replies r(6s);
  auto t0 = remembered_replies::clock::time_point{} + 100s;
  r.remember(digest_of(1), "reply one", t0);
  CHECK(r.find(digest_of(1), t0 + 5s) == "reply one");
  CHECK_FALSE(r.find(digest_of(2), t0 + 5s));
  CHECK_FALSE(r.find(digest_of(1), t0 + 7s));
  CHECK(r.size() == 0);
  CHECK(r.bytes() == 0);
}

TEST_CASE("remembered replies: the first reply to a request stays, and the bounds drop the oldest") {
  remembered_replies r(60s, 3, 100);
  auto t0 = remembered_replies::clock::time_point{} + 100s;
  r.remember(digest_of(1), "first", t0);
  r.remember(digest_of(1), "second", t0);
  CHECK(r.find(digest_of(1), t0) == "first");
  r.remember(digest_of(2), "b", t0 + 1s);
  r.remember(digest_of(3), "c", t0 + 2s);
  r.remember(digest_of(4), "d", t0 + 3s);  // four entries: the oldest goes
  CHECK_FALSE(r.find(digest_of(1), t0 + 3s));
  CHECK(r.size() == 3);
  r.remember(digest_of(5), std::string(100, 'x'), t0 + 4s);  // the byte bound: all older go
  CHECK(r.size() == 1);
  CHECK(r.find(digest_of(5), t0 + 4s)->size() == 100);
  r.remember(digest_of(6), std::string(101, 'x'), t0 + 5s);  // larger than the bound: not kept
  CHECK_FALSE(r.find(digest_of(6), t0 + 5s));
}
