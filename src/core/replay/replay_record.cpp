// The host-wide replay record; the file layout, trust and locking rules, and the
// Flow this file runs (opening the record; each message's read-modify-write under the
// lock), are described at the top of replay_record.hpp. The steps live beside it:
// record_format (the header and its checks), record_table (the ring and its
// index), record_file (opening, creating and replacing the file), record_lock
// (the lock) and record_places (where the record goes).
#include "core/replay/replay_record.hpp"

#include <algorithm>
#include <fstream>
#include <string>
#include <utility>

#include "core/replay/record_format.hpp"
#include "core/replay/record_table.hpp"

namespace remaphore::core {

using detail::boot_id;
using detail::inspect;
using detail::record_header;
using detail::record_table;
using detail::verdict;

namespace {

// Replacements seen in a row while opening before giving up: each means another
// process replaced or created the file between our open and our lock.
constexpr int max_open_attempts = 8;

std::int64_t to_ns(replay_record::clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

replay_record::clock::time_point from_ns(std::int64_t ns) {
  return replay_record::clock::time_point(
      std::chrono::duration_cast<replay_record::clock::duration>(std::chrono::nanoseconds(ns)));
}

// The kernel's random id of this boot, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
std::optional<boot_id> read_boot_id(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  boot_id id{};
  std::size_t digits = 0;
  for (char c : text) {
    if (c == '-') continue;
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0 || digits == 2 * id.size()) return std::nullopt;
    id[digits / 2] = static_cast<std::uint8_t>(id[digits / 2] << 4 | v);
    ++digits;
  }
  if (digits != 2 * id.size()) return std::nullopt;
  return id;
}

}  // namespace

replay_record::replay_record(std::filesystem::path path, std::chrono::nanoseconds window, std::size_t capacity,
                             boot_id boot, options opts)
    : path_(std::move(path)),
      window_ns_(std::max<std::int64_t>(window.count(), 0)),
      capacity_(std::clamp<std::size_t>(capacity, 1, max_capacity)),
      boot_id_(boot),
      options_(std::move(opts)),
      shared_group_(detail::shared_group_of(path_.parent_path().string())) {}

replay_record::result replay_record::first_accepted(const hash& h, clock::time_point now) {
  bool busy = false;
  return first_accepted_within(h, now, options_.lock_wait, busy);
}

host_acceptance::answer replay_record::try_first_accepted(const hash& h, clock::time_point now) {
  bool busy = false;
  auto r = first_accepted_within(h, now, std::chrono::milliseconds(0), busy);
  return {r.first, std::move(r.problem), busy};
}

replay_record::result replay_record::first_accepted_within(const hash& h, clock::time_point now,
                                                           std::chrono::milliseconds wait, bool& busy) {
  result r;
  record_header header;
  if (auto why = acquire(header, r.problem, wait, busy); !why.empty()) {
    unlock();
    r.problem = std::move(why);
    return r;
  }
  record_table table(file_, header);
  if (table.interrupted()) table.rebuild_index();  // a writer died mid-update
  table.widen_window(window_ns_);
  table.expire_oldest(to_ns(now));
  const auto first = table.first_accepted(h, to_ns(now));
  table.finish();
  unlock();
  if (table.failed()) {
    r.problem = "replay record " + path_.string() + " changed under the lock (" + table.failure() + ")";
    return r;
  }
  r.first = from_ns(first);
  return r;
}

// Locks the file at path_ and makes sure it is one to trust, replacing it when not.
// On success the lock is held and `header` is the file's; `notice` says what was
// wrong with a file that was replaced. On failure the lock may be held: unlock().
std::string replay_record::acquire(record_header& header, std::string& notice, std::chrono::milliseconds wait,
                                   bool& busy) {
  for (int attempt = 0; attempt < max_open_attempts; ++attempt) {
    auto why = file_.is_open() ? lock(wait, busy) : open_locked();
    if (!why.empty()) return why;
    if (!file_.is_open()) continue;  // another process created it first: open theirs
    const auto check = inspect(file_, boot_id_, shared_group_, header);
    if (check.what == verdict::replaced) {
      file_.close();
      continue;
    }
    if (check.what == verdict::unusable) return "cannot use replay record " + path_.string() + ": " + check.why;
    if (check.what == verdict::corrupt)
      notice = "replay record " + path_.string() + " was " + check.why +
               "; it carried the record's mark, so it was rebuilt empty";
    if (check.what != verdict::sound) {
      if (why = replace(true); !why.empty()) return why;
      // Checked again: whoever ignores the lock may have written over it already, and
      // every size and loop bound of the table comes from this header.
      if (inspect(file_, boot_id_, shared_group_, header).what != verdict::sound)
        return "replay record " + path_.string() + " changed under the lock as it was made";
    }
    capacity_in_file_ = header.capacity;
    return {};
  }
  return "replay record " + path_.string() + " was replaced " + std::to_string(max_open_attempts) +
         " times while being opened";
}

// Under the lock right after opening: a process that asks for a longer window than the
// file has must not see its hashes expire by the shorter one before its first write.
void replay_record::widen_window(record_header& header) {
  record_table table(file_, header);
  table.widen_window(window_ns_);
  table.finish();
}

std::string why_not_a_replay_record(const std::filesystem::path& path) { return detail::why_refused(path); }

replay_record_opened open_replay_record(const std::filesystem::path& path, std::chrono::nanoseconds window,
                                        std::size_t capacity, const replay_record::options& opts) {
  replay_record_opened r;
  const auto boot = read_boot_id(opts.boot_id_file);
  if (!boot) {
    r.why = "cannot read this boot's id from " + opts.boot_id_file.string();
    return r;
  }
  replay_record record(path, window, capacity, *boot, opts);
  record_header header;
  bool busy = false;
  auto why = record.acquire(header, r.rebuilt, opts.lock_wait, busy);
  if (!why.empty()) {
    record.unlock();
    r.why = std::move(why);
    return r;
  }
  record.widen_window(header);
  record.unlock();
  r.record = std::move(record);
  return r;
}

}  // namespace remaphore::core
