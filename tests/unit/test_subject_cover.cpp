// Whether a stream's subject takes in all a filter names.
#include <doctest/doctest.h>

#include "nats/proto/subject_cover.hpp"

using remaphore::nats::subject_covers;

TEST_CASE("subject cover: '>' takes one token or more, '*' one, literals themselves") {
  CHECK(subject_covers("remaphore.retained.>", "remaphore.retained.>"));
  CHECK(subject_covers("remaphore.>", "remaphore.retained.>"));
  CHECK(subject_covers(">", "remaphore.retained.>"));
  CHECK(subject_covers("remaphore.*.>", "remaphore.retained.>"));
  CHECK(subject_covers("a.*", "a.b"));
  CHECK(subject_covers("a.*", "a.*"));
  CHECK_FALSE(subject_covers("remaphore.retained.*", "remaphore.retained.>"));
  CHECK_FALSE(subject_covers("other.>", "remaphore.retained.>"));
  CHECK_FALSE(subject_covers("a.b", "a.*"));
  CHECK_FALSE(subject_covers("a.>", "a"));
  CHECK_FALSE(subject_covers("a.b.c", "a.b"));
  CHECK_FALSE(subject_covers("a.b", "a.b.c"));
}
