// The host-wide replay record's header, as found in a file at the configured path:
// anything another program, a crash or an older build left there. A header called
// sound or stale is one whose ring and index lie inside the file.
//
// The input is the file. Its first byte, when odd, asks the harness to fix the
// header's checksum first, so that the checks behind it are reached too.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "check.hpp"
#include "core/replay/record_format.hpp"

using namespace remaphore::core::detail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool fix_checksum = (data[0] & 1) != 0;
  ++data;
  --size;
  if (!has_record_magic(data, size)) return 0;
  record_header h{};
  std::memcpy(&h, data, std::min(size, sizeof h));
  if (fix_checksum) h.checksum = header_checksum(h);
  boot_id boot{};
  boot[0] = 1;
  const file_check found = check_record(h, size, boot);
  if (found.what != verdict::sound && found.what != verdict::stale) {
    FUZZ_CHECK(!found.why.empty());
    return 0;
  }
  const record_layout l = layout_for(h.capacity);
  FUZZ_CHECK(l.file_size == size && l.index_offset <= size && l.ring_offset <= l.index_offset);
  FUZZ_CHECK(h.head <= h.tail && h.tail - h.head <= h.capacity && l.index_slots >= 2 * l.capacity);
  FUZZ_CHECK((found.what == verdict::sound) == (h.boot_id == boot));
  return 0;
}
