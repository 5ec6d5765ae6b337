// The replay record's file layout and header: building a fresh header, and checking
// one found in a file before anything in that file is used.
#include "core/replay/record_format.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
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

namespace {

// Checks of a header that carries the magic, so is ours to replace when it fails them.
file_check check_header(const record_header& h, std::size_t file_size, const boot_id& boot) {
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

// The file's type and owner, before any byte of it is read. Another user's file is
// taken only in a directory its group shares, with that group: there the admin let
// the group's members in; elsewhere (a sticky world-writable /tmp) anyone may have put it.
file_check check_identity(const struct stat& st, std::optional<unsigned> shared_group) {
  if (st.st_nlink == 0) return {verdict::replaced, {}};
  if (!S_ISREG(st.st_mode)) return {verdict::unusable, "it is not a regular file (left as it is)"};
  const bool trusted_owner = st.st_uid == ::geteuid() || st.st_uid == 0;
  if (!trusted_owner && !(shared_group && st.st_gid == *shared_group))
    return {verdict::unusable, "it is owned by " + describe_owner(st.st_uid) +
                                   ", neither this user nor root, outside a directory its group shares"};
  return {verdict::sound, {}};
}

}  // namespace

bool has_record_magic(const void* data, std::size_t n) {
  return n >= record_magic.size() && std::memcmp(data, record_magic.data(), record_magic.size()) == 0;
}

std::optional<unsigned> shared_group_of(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
  const bool shared = (st.st_mode & S_ISGID) && (st.st_mode & S_IWGRP) && !(st.st_mode & S_IWOTH);
  if (!shared) return std::nullopt;
  return static_cast<unsigned>(st.st_gid);
}

std::string describe_owner(unsigned uid) {
  char buf[1024];
  passwd pw{}, *found = nullptr;
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found)
    return "user " + std::string(found->pw_name) + " (uid " + std::to_string(uid) + ")";
  return "uid " + std::to_string(uid);
}

std::string why_refused(const std::filesystem::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return {};  // absent: it will be created
  if (S_ISLNK(st.st_mode)) return "it is a symbolic link (left as it is)";
  if (auto identity = check_identity(st, shared_group_of(path.parent_path().string()));
      identity.what == verdict::unusable)
    return identity.why;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return "cannot open it: " + errno_text(errno);
  char magic[8];
  const auto n = ::pread(fd, magic, sizeof magic, 0);
  ::close(fd);
  if (n < 0) return "cannot read it: " + errno_text(errno);
  if (!has_record_magic(magic, static_cast<std::size_t>(n)))
    return std::string("it is not a replay record (") + (n == 0 ? "empty" : "wrong magic") +
           "; left as it is: remove it or name another path)";
  return {};
}

// Only a regular file of this user or root is read, and only one that carries the
// magic is ever called ours (and so may be replaced). Reads are checked, not trusted:
// a file shrunk by someone who ignores the lock gives short reads, never a fault.
file_check inspect(const record_file& file, const boot_id& boot, std::optional<unsigned> shared_group,
                   record_header& header) {
  struct stat st {};
  if (::fstat(file.fd(), &st) != 0) return {verdict::unusable, "fstat: " + errno_text(errno)};
  if (auto identity = check_identity(st, shared_group); identity.what != verdict::sound) return identity;
  const auto size = static_cast<std::size_t>(st.st_size);
  header = record_header{};
  const auto n = std::min(size, sizeof header);
  if (!file.read_at(0, &header, n)) return {verdict::unusable, "read: " + errno_text(errno)};
  if (!has_record_magic(&header, n))
    return {verdict::unusable, "it is not a replay record (" + std::string(size == 0 ? "empty" : "wrong magic") +
                                   "; left as it is: remove it or name another path)"};
  if ((st.st_mode & S_IRWXO) != 0) return {verdict::corrupt, "open to other users"};
  if (size < sizeof header) return {verdict::corrupt, "truncated to " + std::to_string(size) + " bytes"};
  return check_header(header, size, boot);
}

}  // namespace remaphore::core::detail
