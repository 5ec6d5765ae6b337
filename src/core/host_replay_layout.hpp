// The replay record's file layout, and the checks that decide whether a file found at
// the path is one to use (the layout and the trust rules are described at the top of
// host_replay.hpp).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/host_replay.hpp"

namespace remaphore::core::detail {

using boot_id = std::array<std::uint8_t, 16>;

// The text of an errno value, as the record's reasons quote it.
std::string errno_text(int e);

// Where the ring and the index lie in a file of `capacity` entries, and its size.
struct record_layout {
  std::size_t capacity;
  std::size_t index_slots;
  std::size_t ring_offset;
  std::size_t index_offset;
  std::size_t file_size;
};

record_layout layout_for(std::size_t capacity);

// Of every header byte above `checksum`.
std::uint64_t header_checksum(const record_header& h);

// The header of an empty record.
record_header fresh_header(std::size_t capacity, std::int64_t window_ns, const boot_id& boot);

// What to do with a file found at the path.
enum class verdict {
  sound,     // use it
  stale,     // sound, but written before the last boot: replace it, nothing to report
  corrupt,   // replace it and report why
  replaced,  // another process replaced it: open the path again
  unusable,  // cannot be used and replacing it would not help
};

struct file_check {
  verdict what;
  std::string why;
};

// Stat, map and check the locked file; `header` gets a copy of the file's header.
file_check inspect(record_file& file, const boot_id& boot, record_header& header);

}  // namespace remaphore::core::detail
