// Go duration syntax: a parsed duration formats to text that parses back to it. The
// first eight bytes, read as a count of nanoseconds, must round-trip as well.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "check.hpp"
#include "protocol/duration.hpp"

using namespace remaphore::protocol;

namespace {

void round_trip(std::chrono::nanoseconds d) {
  const std::string text = format_duration(d);
  const auto again = parse_duration(text);
  FUZZ_CHECK(again && *again == d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (const auto d = parse_duration(std::string_view(reinterpret_cast<const char*>(data), size))) round_trip(*d);
  if (size >= sizeof(std::int64_t)) {
    std::int64_t ns = 0;
    std::memcpy(&ns, data, sizeof ns);
    round_trip(std::chrono::nanoseconds(ns));
  }
  return 0;
}
