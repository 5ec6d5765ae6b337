// The replay record's file layout, and the checks that decide whether a file found at
// the path is one to use (the layout and the trust rules are described at the top of
// replay_record.hpp).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/replay/record_file.hpp"
#include "core/replay/replay_record.hpp"

namespace remaphore::core::detail {

// The first 128 bytes of the file. Only plain integers, each at an offset that is a
// multiple of its size: no padding, the same bytes on every build for one host.
struct record_header {
  std::array<char, 8> magic;  // "RMPHRPLY"
  std::uint32_t version;      // of this layout
  std::uint32_t header_size;  // sizeof(record_header)
  std::uint32_t entry_size;   // sizeof(record_entry)
  std::uint32_t slot_size;    // sizeof(std::uint64_t)
  std::uint32_t capacity;     // N, entries in the ring
  std::uint32_t index_slots;  // a power of two, at least 2N
  std::array<std::uint8_t, 16> boot_id;
  std::int64_t window_ns;  // the longest window any process asked for
  std::uint64_t head;      // sequence number of the oldest entry
  std::uint64_t tail;      // sequence number the next entry gets
  std::uint64_t checksum;  // of every byte above
  // Below the checksum: a word that changes without a header write.
  std::uint32_t updating;  // nonzero while a writer is mid-update
  // Once a futex and its flag, which earlier builds still use while they run beside
  // this one (an upgrade): left to them, never written here.
  std::uint32_t earlier_releases;
  std::uint32_t earlier_waiting;
  std::array<std::uint8_t, 36> reserved;
};

struct record_entry {
  protocol::digest hash;
  std::int64_t first_ns;  // steady_clock, when the host first accepted the hash
};

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
  corrupt,   // a record of ours that failed a check: replace it and report why
  replaced,  // another process replaced it: open the path again
  unusable,  // not ours to use or to replace (another file, owner or format), or cannot be read
};

struct file_check {
  verdict what;
  std::string why;
};

// The checks of a file that carries the magic, so is ours to replace when it fails
// them: `h` holds its first bytes (zeros past its end), `file_size` is its size.
file_check check_record(const record_header& h, std::size_t file_size, const boot_id& boot);

// Stat, read and check the locked file; `header` gets a copy of the file's header.
// `shared_group`: the group of the record's directory when the group shares it
// (shared_group_of): then a file of another user with that group is taken too.
file_check inspect(const record_file& file, const boot_id& boot, std::optional<unsigned> shared_group,
                   record_header& header);

// The group of `dir` when it is shared by its group: setgid, group-writable and not
// writable by others (install -d -m 2770 -g remaphore).
std::optional<unsigned> shared_group_of(const std::string& dir);

// Why the file at `path` would be refused (not a regular file, another user's, not
// a record), without locking or changing it; "" when it is absent or may be used.
std::string why_refused(const std::filesystem::path& path);

// The start of the magic's bytes, for a check that reads a file without locking it.
bool has_record_magic(const void* data, std::size_t n);

// "user NAME (uid N)", or "uid N" when the user has no name here.
std::string describe_owner(unsigned uid);

}  // namespace remaphore::core::detail
