// Config parser: whatever parses must print to text that parses back to the same
// config, and printing that again gives the same text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check.hpp"
#include "protocol/config.hpp"

using namespace remaphore::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  config c;
  config_error err;
  if (!parse_config(text, "fuzz.conf", c, err)) {
    FUZZ_CHECK(err.message.starts_with("fuzz.conf:"));
    FUZZ_CHECK(c == config{});  // a failed parse leaves the output untouched
    return 0;
  }
  const std::string printed = print_config(c);
  config again;
  config_error again_err;
  FUZZ_CHECK(parse_config(printed, "printed.conf", again, again_err));
  FUZZ_CHECK(again == c);
  FUZZ_CHECK(print_config(again) == printed);
  return 0;
}
