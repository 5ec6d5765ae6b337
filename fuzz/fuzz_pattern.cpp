// Destination matcher. Input: pattern, then NUL or '\n', then the node name; without
// a separator the input is both.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "check.hpp"
#include "protocol/pattern.hpp"

using namespace remaphore::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t sep = input.find_first_of(std::string_view("\0\n", 2));
  const std::string_view pattern = input.substr(0, sep);
  const std::string_view node = sep == std::string_view::npos ? input : input.substr(sep + 1);

  const bool match = destination_matches(pattern, node);
  const bool node_wild = node.find('*') != std::string_view::npos;
  if (match) FUZZ_CHECK(!node_wild);
  // Without wildcards a pattern matches exactly itself.
  if (pattern.find('*') == std::string_view::npos) FUZZ_CHECK(match == (!pattern.empty() && pattern == node));
  if (pattern == "**") FUZZ_CHECK(match == !node_wild);
  return 0;
}
