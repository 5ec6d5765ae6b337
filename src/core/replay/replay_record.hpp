// The host-wide replay record: hashes of recently accepted messages, each with the
// time the host first accepted it, in one small file shared by every remaphore
// process on the host. The in-process replay_cache only knows its own process, so a
// receiver started later would accept a replay of a message an earlier receiver took;
// with this record the pipeline drops a message that the host first accepted before
// the receiver subscribed, while receivers already waiting when it arrived all take it.
// It adds to the in-process cache, not replaces it: to the receiver that took a
// message, a replay shows that receiver's own acceptance, which is after it subscribed.
// The subscription time must be taken before the SUB is sent, so that every message
// the subscription can deliver live is accepted after it.
//
// Flow:
//   open_replay_record(path)  opens the file (creating it, or replacing a record of
//                           ours that failed its checks), under the lock, and keeps it open.
//   first_accepted(h, now)  locks the file, checks that it is still the file at the path
//                           and that its header is sound, drops expired entries from
//                           the oldest end, looks h up, appends {h, now} when absent,
//                           writes the header back and unlocks.
//
// File layout (native byte order and sizes: the file never leaves the host):
//   header  128 bytes (detail::record_header): magic, format version, the sizes below,
//           this boot's id, the window, head and tail sequence numbers, a checksum of
//           all of that, then the `updating` mark.
//   ring    N = capacity entries {SHA-256, first acceptance in ns of CLOCK_MONOTONIC},
//           in the order they were added: entry s (head <= s < tail) is at s % N. When
//           the ring is full the entry at head, the oldest, goes first.
//   index   open addressing with linear probing over 2N (rounded up to a power of two)
//           8-byte slots {first 4 bytes of the hash, ring position + 1}, 0 when empty.
//           Deletion shifts the following slots back (no tombstones), so at a load of at
//           most 1/2 a lookup touches a slot or two and one ring entry.
//
// Access: pread(2) and pwrite(2) under the lock, never a shared mapping: any member of
// the group may write the file, or shrink it, and a shrunk mapping kills its reader
// with SIGBUS, where a short read is only an answer (this message goes without the
// record). A lookup is a few small reads; a new hash a few more writes.
//
// Trust: remaphore never destroys a file it did not create. A path that is a symbolic
// link, not a regular file, owned by another user (neither ours nor root's), or a file
// without the record's magic (a config, a log, an empty file) is refused and left as
// it is: the record is unusable and the caller falls back to its in-process cache. Only
// a file that carries the magic and fails a check (open to other users, sizes, file
// size, checksum, this boot's id) is replaced by a fresh one, written under a temporary
// name and renamed over it while the path still names the file that was checked. A
// newer format version is left alone and reported unusable, so that two versions
// running side by side during an upgrade do not replace each other's file. A writer
// sets `updating` before its first store to the ring or index and clears it with its
// header write: finding it set means a writer died mid-update, and the index is rebuilt
// from the ring. So is an index that points outside the live ring or has no empty slot.
// Every loop is bounded by the ring or index size, whatever the bytes say.
//
// Locking: flock(2) on the file around each read-modify-write. try_first_accepted
// tries once (a receiver asks again later from its event loop); first_accepted tries
// again after short sleeps, growing to 1 ms, for at most options::lock_wait. The
// rename that replaces a file unlinks the old one, so a process that locks a file whose
// link count is 0 reopens the path. flock locks belong to the open file, which fork
// shares: a child must open its own record, and so must each thread that uses one at
// the same time as another.
//
// Mode: 0600, or 0660 when the directory is shared by a group (setgid and group-
// writable, e.g. install -d -m 2770 -g remaphore): then services running as several
// users share one record, where 0600 would leave all but the creator with only their
// in-process cache. Never more: whoever can write the record can erase hashes.
// Creation is atomic: a complete file under a temporary name, then link(2), which
// fails when another process created one first (theirs is used).
//
// Time: std::chrono::steady_clock, which on Linux is CLOCK_MONOTONIC: one clock for all
// processes on the host (in one time namespace), immune to wall-clock changes, restarted
// at boot; hence the boot id (/proc/sys/kernel/random/boot_id) in the header. Nothing is
// synced to disk: after a reboot the record is discarded anyway.
#pragma once
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/replay/record_file.hpp"
#include "core/replay_checks.hpp"

namespace remaphore::core {

namespace detail {
struct record_header;
}  // namespace detail

struct replay_record_opened;

class replay_record final : public host_acceptance {
 public:
  using hash = protocol::digest;
  using clock = std::chrono::steady_clock;

  // 64k entries hold ten thousand accepted messages a second for a 6 s window
  // (allow_skew 3 s); the file is then 3.5 MiB.
  static constexpr std::size_t default_capacity = 65536;
  static constexpr std::size_t max_capacity = std::size_t{1} << 20;

  struct options {
    // The longest wait for the lock, which is held for about a microsecond: longer means
    // a process was stopped holding it, and the message should not wait for it.
    std::chrono::milliseconds lock_wait{200};
    std::filesystem::path boot_id_file = "/proc/sys/kernel/random/boot_id";  // tests change it
  };

  struct result {
    // When the host first accepted the hash: `now` when it was absent or expired.
    // Empty when the record could not be used for this message (then `problem` says
    // why, and the caller relies on its in-process cache).
    std::optional<clock::time_point> first;
    // Also set, with `first`, when the file had to be rebuilt (its entries are lost).
    std::string problem;
  };

  replay_record(replay_record&&) noexcept = default;
  replay_record& operator=(replay_record&&) noexcept = default;

  // Records h as accepted at `now` unless the host accepted it within the window; the
  // time the host first accepted it. `now` should be when the message was received.
  result first_accepted(const hash& h, clock::time_point now);
  // The same without waiting for the lock: `busy` when another process holds it.
  answer try_first_accepted(const hash& h, clock::time_point now) override;

  const std::filesystem::path& path() const { return path_; }
  // Entries the ring holds: the capacity of whichever process created the file.
  std::size_t capacity() const { return capacity_in_file_; }

 private:
  friend replay_record_opened open_replay_record(const std::filesystem::path&, std::chrono::nanoseconds, std::size_t,
                                                 const options&);
  replay_record(std::filesystem::path path, std::chrono::nanoseconds window, std::size_t capacity,
                std::array<std::uint8_t, 16> boot_id, options opts);

  result first_accepted_within(const hash& h, clock::time_point now, std::chrono::milliseconds wait, bool& busy);
  std::string acquire(detail::record_header& header, std::string& notice, std::chrono::milliseconds wait, bool& busy);
  std::string open_locked();
  std::string lock(std::chrono::milliseconds wait, bool& busy);
  void unlock();
  bool path_names_current_file() const;
  std::string replace(bool path_exists);
  void widen_window(detail::record_header& header);

  std::filesystem::path path_;
  std::int64_t window_ns_;
  std::size_t capacity_;  // for a file this process creates
  std::size_t capacity_in_file_ = 0;
  std::array<std::uint8_t, 16> boot_id_;
  options options_;
  std::optional<unsigned> shared_group_;  // of the record's directory, when its group shares it
  detail::record_file file_;
};

struct replay_record_opened {
  std::optional<replay_record> record;
  std::string why;      // without a record: why it cannot be used ("cannot create ...: ...")
  std::string rebuilt;  // with a record: what was wrong with the file found there, if anything
};

// `window`: how long a hash is kept (twice allow_skew; negative counts as 0). The
// record keeps the longest window any of its processes asked for, so a process with
// a short allow_skew never lets a hash expire early for the others. `capacity` is
// clamped to [1, max_capacity] and applies when this call creates the file; an existing
// sound file keeps its own.
replay_record_opened open_replay_record(const std::filesystem::path& path, std::chrono::nanoseconds window,
                                        std::size_t capacity = replay_record::default_capacity,
                                        const replay_record::options& opts = {});

// Why an existing file at `path` would be refused as the record (see Trust above),
// found without locking or changing it, for --check-config; "" when it is absent or
// may be used.
std::string why_not_a_replay_record(const std::filesystem::path& path);

}  // namespace remaphore::core
