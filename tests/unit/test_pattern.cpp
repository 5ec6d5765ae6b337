#include <doctest/doctest.h>

#include <random>
#include <string>

#include "protocol/pattern.hpp"

using namespace remaphore::protocol;

namespace {
struct row {
  const char* pattern;
  const char* node;
  bool match;
};
}  // namespace

TEST_CASE("pattern: the Go tool's cases") {
  // From the Go tool's TestMatchWildcards (node, pattern swapped into our order).
  const row rows[] = {
      {"net.opaque.backends.us.relayer", "net.opaque.backends.us.relayer", true},
      {"net.opaque.*.*.relayer", "net.opaque.backends.us.relayer", true},
      {"net.opaque.**", "net.opaque.backends.us.relayer", true},
      {"net.opaque.*", "net.opaque.backends.us.relayer", false},
      {"net.opaque.backends", "net.opaque.backends.us.relayer", false},
      {"net.opaque.**.us.relayer", "net.opaque.backends.us.relayer", false},
      {"net.opaque.**", "net.opaque.us", true},
  };
  for (const auto& r : rows) {
    CAPTURE(r.pattern);
    CAPTURE(r.node);
    CHECK(destination_matches(r.pattern, r.node) == r.match);
  }
}

TEST_CASE("pattern: segment wildcards (the Go tool's TestSubMatch)") {
  const row rows[] = {
      {"*", "abcde", true},
      {"abcde", "abcde", true},
      {"abcde", "abXde", false},
      {"ab*", "abcde", true},
      {"aX*", "abcde", false},
      {"*cde", "abcde", true},
      {"*cde", "abXde", false},
      {"ab*de", "abcde", true},
      {"ab*de", "aXcde", false},
      {"ab*de", "abcXe", false},
      {"ab*de", "aXcXe", false},
      {"ab*cde", "abcde", true},
      {"ab*cde", "aXcde", false},
      {"ab*cde", "abXde", false},
      {"ab*cde", "aXXde", false},
      {"ab*cde", "Abcde", false},
      {"ab*cde", "abcdE", false},
      // '*' may match the empty run, and an empty segment.
      {"abc*de", "abcde", true},
      {"*", "", false /* empty node, see below */},
  };
  for (const auto& r : rows) {
    CAPTURE(r.pattern);
    CAPTURE(r.node);
    CHECK(destination_matches(r.pattern, r.node) == r.match);
  }
  CHECK(destination_matches("a.*.c", "a..c"));
  CHECK(destination_matches("a.x*", "a.x"));
  CHECK(destination_matches("a.*x", "a.x"));
}

TEST_CASE("pattern: cases the Go matcher gets wrong or crashes on") {
  const row rows[] = {
      // prefix and suffix must not overlap
      {"ab*be", "abe", false},
      {"ab*be", "abbe", true},
      {"aa*aa", "aaa", false},
      {"aa*aa", "aaaa", true},
      {"com.ab*be.x", "com.abe.x", false},
      // pattern segment longer than the name segment (Go panics here)
      {"abcdef*", "abc", false},
      {"*abcdef", "abc", false},
      {"abcdef", "abc", false},
      {"com.verylongprefix*", "com.a", false},
      {"com.*verylongsuffix", "com.a", false},
      {"a.b.c.d.e.f", "a", false},
      // "**" only as the final segment
      {"**.b", "a.b", false},
      {"a.**.c", "a.b.c", false},
      {"a.**.**", "a.b.c", false},
      // final "**" needs at least one more segment
      {"a.**", "a", false},
      {"a.**", "a.b", true},
      {"a.**", "a.b.c", true},
      {"a.**", "b.c", false},
      {"a*.**", "ab.c.d", true},
      // "**" alone matches every node
      {"**", "a", true},
      {"**", "a.b.c.d", true},
      {"**", "*", false},  // node with '*' never matches
      // node destinations containing '*' never match
      {"a.*", "a.*", false},
      {"a.b*", "a.b*", false},
      {"*", "*", false},
      // one '*' per segment
      {"a**b", "axxb", false},
      {"*a*", "bab", false},
      {"***", "abc", false},
      // segment counts must be equal
      {"a.b", "a.b.c", false},
      {"a.b.c", "a.b", false},
      {"a.*", "a.b.c", false},
      {"*", "a.b", false},
      // exact comparison, case-sensitive
      {"com.Example", "com.example", false},
  };
  for (const auto& r : rows) {
    CAPTURE(r.pattern);
    CAPTURE(r.node);
    CHECK(destination_matches(r.pattern, r.node) == r.match);
  }
}

TEST_CASE("pattern: empty pattern and empty node") {
  // An empty pattern (a reply's destination) is addressed to nobody.
  CHECK_FALSE(destination_matches("", ""));
  CHECK_FALSE(destination_matches("", "a"));
  // An empty node only matches "**" (every node), as with the Go tool.
  CHECK(destination_matches("**", ""));
  CHECK_FALSE(destination_matches("*", ""));
  CHECK_FALSE(destination_matches("a", ""));
  CHECK_FALSE(destination_matches("a.**", ""));
  // Empty segments compare exactly.
  CHECK(destination_matches("a..b", "a..b"));
  CHECK(destination_matches("a.", "a."));
  CHECK_FALSE(destination_matches("a.", "a"));
  CHECK(destination_matches(".**", ".x"));
}

TEST_CASE("pattern: random input never crashes") {
  std::mt19937 rng(5);
  const char alphabet[] = {'a', 'b', '.', '*', 'c'};
  const auto random_text = [&] {
    std::string s(rng() % 12, 'a');
    for (auto& c : s) c = alphabet[rng() % sizeof alphabet];
    return s;
  };
  int matches = 0;
  for (int i = 0; i < 20000; ++i) {
    const auto p = random_text();
    const auto n = random_text();
    const bool m = destination_matches(p, n);
    if (m) {
      ++matches;
      CHECK(n.find('*') == std::string::npos);
    }
    // a pattern without wildcards matches exactly itself
    if (p.find('*') == std::string::npos && !p.empty()) CHECK(destination_matches(p, p));
  }
  CHECK(matches > 0);
}
