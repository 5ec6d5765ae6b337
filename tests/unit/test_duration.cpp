#include <doctest/doctest.h>

#include <limits>
#include <random>

#include "protocol/duration.hpp"

using namespace remaphore::protocol;
using std::chrono::nanoseconds;

namespace {
constexpr std::int64_t ns = 1, us = 1000 * ns, ms = 1000 * us, sec = 1000 * ms, min = 60 * sec, hour = 60 * min;
constexpr std::int64_t max64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t min64 = std::numeric_limits<std::int64_t>::min();
}  // namespace

TEST_CASE("duration: parse (Go's ParseDuration table)") {
  struct row {
    const char* text;
    std::int64_t value;
  };
  const row rows[] = {
      // simple
      {"0", 0},
      {"5s", 5 * sec},
      {"30s", 30 * sec},
      {"1478s", 1478 * sec},
      // sign
      {"-5s", -5 * sec},
      {"+5s", 5 * sec},
      {"-0", 0},
      {"+0", 0},
      // decimal
      {"5.0s", 5 * sec},
      {"5.6s", 5 * sec + 600 * ms},
      {"5.s", 5 * sec},
      {".5s", 500 * ms},
      {"1.0s", 1 * sec},
      {"1.00s", 1 * sec},
      {"1.004s", 1 * sec + 4 * ms},
      {"1.0040s", 1 * sec + 4 * ms},
      {"100.00100s", 100 * sec + 1 * ms},
      // units
      {"10ns", 10 * ns},
      {"11us", 11 * us},
      {"12\u00b5s", 12 * us},  // U+00B5
      {"12\u03bcs", 12 * us},  // U+03BC
      {"13ms", 13 * ms},
      {"14s", 14 * sec},
      {"15m", 15 * min},
      {"16h", 16 * hour},
      // composite
      {"3h30m", 3 * hour + 30 * min},
      {"10.5s4m", 4 * min + 10 * sec + 500 * ms},
      {"-2m3.4s", -(2 * min + 3 * sec + 400 * ms)},
      {"1h2m3s4ms5us6ns", 1 * hour + 2 * min + 3 * sec + 4 * ms + 5 * us + 6 * ns},
      {"39h9m14.425s", 39 * hour + 9 * min + 14 * sec + 425 * ms},
      {"1.5h", 90 * min},
      {"300ms", 300 * ms},
      {"1000000h0m0s", 1000000 * hour},
      // large value
      {"52763797000ns", 52763797000 * ns},
      // more than 9 digits after the decimal point
      {"0.3333333333333333333h", 20 * min},
      // 9007199254740993 = 1<<53+1 cannot be stored precisely in a float64
      {"9007199254740993ns", (std::int64_t{1} << 53) + 1},
      // largest duration that can be represented by int64 in nanoseconds
      {"9223372036854775807ns", max64},
      {"9223372036854775.807us", max64},
      {"9223372036s854ms775us807ns", max64},
      {"-9223372036854775808ns", min64},
      {"-9223372036854775.808us", min64},
      {"-9223372036s854ms775us808ns", min64},
      // largest negative value
      {"-9223372036854775808ns", min64},
      // huge string; issue 15011.
      {"0.100000000000000000000h", 6 * min},
      // This value tests the first overflow check in leadingFraction.
      {"0.830103483285477580700h", 49 * min + 48 * sec + 372539827 * ns},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    const auto d = parse_duration(r.text);
    REQUIRE(d);
    CHECK(d->count() == r.value);
  }
}

TEST_CASE("duration: parse errors") {
  for (const char* bad : {
           "",
           "3",
           "-",
           "+",
           "s",
           ".",
           "-.",
           ".s",
           "+.s",
           "1d",
           "\x85\x85",
           "\xff"
           "ff",
           "hello \xff"
           "ff world",
           "\xef\xbf\xbd",           // U+FFFD
           "9223372036854775808ns",  // overflow
           "9223372036854775.808us",
           "9223372036854ms775us808ns",
           "-9223372036854775809ns",
           "3000000h",
           "00",
           "0.0",
           "1s ",
           " 1s",
           "1 s",
           "1S",
           "1.5",
           "1sm",
           "1e3s",
           "--1s",
           "-+1s",
       }) {
    CAPTURE(bad);
    CHECK_FALSE(parse_duration(bad));
  }
}

TEST_CASE("duration: format like Go's Duration.String") {
  struct row {
    const char* text;
    std::int64_t value;
  };
  const row rows[] = {
      {"0s", 0},
      {"1ns", 1 * ns},
      {"1.1\u00b5s", 1100 * ns},
      {"1.5\u00b5s", 1500 * ns},
      {"2.2ms", 2200 * us},
      {"300ms", 300 * ms},
      {"3.3s", 3300 * ms},
      {"1.5s", 1500 * ms},
      {"1m30s", 90 * sec},
      {"4m5s", 4 * min + 5 * sec},
      {"4m5.001s", 4 * min + 5001 * ms},
      {"5h6m7.001s", 5 * hour + 6 * min + 7001 * ms},
      {"8m0.000000001s", 8 * min + 1 * ns},
      {"1h0m0s", 1 * hour},
      {"3s", 3 * sec},
      {"-2s", -2 * sec},
      {"-1ns", -1},
      {"-1.5\u00b5s", -1500},
      {"1000000h0m0s", 1000000 * hour},
      {"2562047h47m16.854775807s", max64},
      {"-2562047h47m16.854775808s", min64},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    CHECK(format_duration(nanoseconds(r.value)) == r.text);
    const auto back = parse_duration(r.text);
    REQUIRE(back);
    CHECK(back->count() == r.value);
  }
}

TEST_CASE("duration: random round trips") {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 5000; ++i) {
    std::int64_t v = static_cast<std::int64_t>(rng());
    if (i % 3 == 0) v %= 10 * sec;
    if (i % 3 == 1) v %= 100 * hour;
    const auto text = format_duration(nanoseconds(v));
    CAPTURE(text);
    const auto back = parse_duration(text);
    REQUIRE(back);
    CHECK(back->count() == v);
  }
}
