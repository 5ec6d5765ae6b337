// The replay record's file layout and header: building a fresh header, and checking
// one found in a file before anything in that file is used. No I/O: the fuzz harness
// (fuzz/fuzz_replay_header.cpp) links this file alone.
#include "core/replay/record_format.hpp"

#include <bit>
#include <cstring>
#include <system_error>
#include <type_traits>

namespace remaphore::core::detail {

namespace {

constexpr std::array<char, 8> record_magic{'R', 'M', 'P', 'H', 'R', 'P', 'L', 'Y'};
constexpr std::uint32_t record_version = 1;

}  // namespace

static_assert(std::is_trivially_copyable_v<record_header> && std::is_standard_layout_v<record_header>);
static_assert(sizeof(record_header) == 128 && offsetof(record_header, checksum) == 72 &&
              offsetof(record_header, updating) == 80 && offsetof(record_header, earlier_releases) == 84 &&
              offsetof(record_header, earlier_waiting) == 88);
static_assert(sizeof(record_entry) == 40 && alignof(record_entry) == 8);

std::string errno_text(int e) { return std::generic_category().message(e); }

record_layout layout_for(std::size_t capacity) {
  record_layout l{};
  l.capacity = capacity;
  l.index_slots = std::bit_ceil(2 * capacity);  // load at most 1/2
  l.ring_offset = sizeof(record_header);
  l.index_offset = l.ring_offset + capacity * sizeof(record_entry);
  l.file_size = l.index_offset + l.index_slots * sizeof(std::uint64_t);
  return l;
}

// FNV-1a over the header's 64-bit words up to the checksum: it tells a header we wrote
// from damage or from another program's bytes. It is no defence against someone who
// can write the file; only our user (or group) can.
std::uint64_t header_checksum(const record_header& h) {
  std::array<std::uint64_t, offsetof(record_header, checksum) / 8> words;
  std::memcpy(words.data(), &h, sizeof words);
  std::uint64_t sum = 0xcbf29ce484222325ULL;
  for (auto w : words) sum = (sum ^ w) * 0x100000001b3ULL;
  return sum;
}

record_header fresh_header(std::size_t capacity, std::int64_t window_ns, const boot_id& boot) {
  auto l = layout_for(capacity);
  record_header h{};
  h.magic = record_magic;
  h.version = record_version;
  h.header_size = sizeof(record_header);
  h.entry_size = sizeof(record_entry);
  h.slot_size = sizeof(std::uint64_t);
  h.capacity = static_cast<std::uint32_t>(l.capacity);
  h.index_slots = static_cast<std::uint32_t>(l.index_slots);
  h.boot_id = boot;
  h.window_ns = window_ns;
  h.checksum = header_checksum(h);
  return h;
}

file_check check_record(const record_header& h, std::size_t file_size, const boot_id& boot) {
  if (file_size < sizeof h) return {verdict::corrupt, "truncated to " + std::to_string(file_size) + " bytes"};
  // A newer remaphore's file is left alone: replacing it would make the two versions
  // replace each other's file on every message while both run during an upgrade.
  if (h.version > record_version)
    return {verdict::unusable, "written by a newer remaphore (format version " + std::to_string(h.version) + ")"};
  if (h.version != record_version) return {verdict::corrupt, "of old format version " + std::to_string(h.version)};
  if (h.header_size != sizeof(record_header) || h.entry_size != sizeof(record_entry) ||
      h.slot_size != sizeof(std::uint64_t))
    return {verdict::corrupt, "laid out with other sizes"};
  if (h.capacity == 0 || h.capacity > replay_record::max_capacity ||
      h.index_slots != layout_for(h.capacity).index_slots)
    return {verdict::corrupt, "of impossible capacity " + std::to_string(h.capacity)};
  if (file_size != layout_for(h.capacity).file_size)
    return {verdict::corrupt, "truncated or extended to " + std::to_string(file_size) + " bytes"};
  if (h.checksum != header_checksum(h)) return {verdict::corrupt, "damaged (header checksum mismatch)"};
  if (h.tail < h.head || h.tail - h.head > h.capacity || h.window_ns < 0)
    return {verdict::corrupt, "inconsistent (head, tail or window out of range)"};
  if (h.boot_id != boot) return {verdict::stale, {}};
  return {verdict::sound, {}};
}

bool has_record_magic(const void* data, std::size_t n) {
  return n >= record_magic.size() && std::memcmp(data, record_magic.data(), record_magic.size()) == 0;
}

}  // namespace remaphore::core::detail
