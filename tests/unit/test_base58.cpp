#include <doctest/doctest.h>

#include <random>

#include "protocol/base58.hpp"
#include "support/bytes_of.hpp"

using namespace remaphore::protocol;
using remaphore::test::bytes_of;

TEST_CASE("base58: known values (Bitcoin alphabet)") {
  struct row {
    std::vector<std::uint8_t> raw;
    std::string text;
  };
  const row rows[] = {
      {{}, ""},
      {{0x00}, "1"},
      {{0x00, 0x00, 0x00}, "111"},
      {{0x00, 0x01}, "12"},
      {{0x39}, "z"},
      {{0x3a}, "21"},
      {bytes_of("hello world"), "StV1DL6CwTryKyV"},
      {bytes_of("Hello World!"), "2NEpo7TZRRrLZSi2U"},
      {{0x00, 0x00, 0x28, 0x7f, 0xb4, 0xcd}, "11233QC4"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    CHECK(base58_encode(r.raw) == r.text);
    if (!r.text.empty()) {
      const auto back = base58_decode(r.text);
      REQUIRE(back);
      CHECK(*back == r.raw);
    }
  }
}

TEST_CASE("base58: rejects characters outside the alphabet and empty input") {
  CHECK_FALSE(base58_decode(""));
  for (const char* bad : {"0", "O", "I", "l", "abc0", " 1", "1 ", "+", "\xc3\xa9"}) CHECK_FALSE(base58_decode(bad));
  CHECK_FALSE(base58_decode(std::string_view("ab\0c", 4)));
}

TEST_CASE("base58: random round trips") {
  std::mt19937 rng(1234);
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::uint8_t> raw(rng() % 70);
    // Leading zeros are the special case of the encoding; make them common.
    const std::size_t zeros = raw.empty() ? 0 : rng() % (raw.size() + 1) / 2;
    for (std::size_t j = 0; j < raw.size(); ++j) raw[j] = j < zeros ? 0 : static_cast<std::uint8_t>(rng());
    const auto text = base58_encode(raw);
    if (raw.empty()) {
      CHECK(text.empty());
      continue;
    }
    const auto back = base58_decode(text);
    REQUIRE(back);
    CHECK(*back == raw);
  }
}
