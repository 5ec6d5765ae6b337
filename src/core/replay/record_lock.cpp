// The lock around each read-modify-write of the replay record: flock(2) bounded by
// options::lock_wait, with waiters asleep on a futex in the mapped header that the
// holder wakes as it unlocks (why it is built so is at the top of replay_record.hpp).
//
// Flow:
//   lock()             flock without blocking; while another process holds it: note
//                      `releases`, set `waiting`, try again, sleep on `releases` until
//                      woken (1 ms at most), and so on until lock_wait has passed.
//   unlock_and_wake()  unlock, then, when `waiting` was set, clear it, bump
//                      `releases` and wake every sleeper.
//   unlock()           unlock alone, for a file whose mapping was not checked.
#include <linux/futex.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>
#include <thread>

#include "core/replay/record_format.hpp"
#include "core/replay/replay_record.hpp"

namespace remaphore::core {

using detail::errno_text;
using detail::record_header;

namespace {

// A word of the mapped header that processes share through atomics (and the futex).
std::uint32_t* header_word_ptr(const detail::record_file& f, std::size_t offset) {
  return reinterpret_cast<std::uint32_t*>(f.data() + offset);
}

// The header's words can be touched only while the mapping lies within the file:
// checked again here because a waiter does not hold the lock under which the size
// was last checked.
bool header_mapped(const detail::record_file& f) {
  struct stat st {};
  return f.data() && ::fstat(f.fd(), &st) == 0 && static_cast<std::size_t>(st.st_size) >= sizeof(record_header);
}

// Sleeps until a holder bumps `releases` from `seen`, or `limit` passes. The futex is
// process-shared (not FUTEX_PRIVATE): every mapping of the file names the same word.
// A spurious wake only means one more try.
void sleep_until_release(std::uint32_t* releases, std::uint32_t seen, std::chrono::nanoseconds limit) {
  if (!releases) {  // no mapping to sleep on (the first open): poll
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(limit, std::chrono::microseconds(100)));
    return;
  }
  const timespec timeout{static_cast<time_t>(limit.count() / 1'000'000'000),
                         static_cast<long>(limit.count() % 1'000'000'000)};
  ::syscall(SYS_futex, releases, FUTEX_WAIT, seen, &timeout, nullptr, 0);
}

void wake_all(std::uint32_t* releases) { ::syscall(SYS_futex, releases, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0); }

// flock, waiting at most `wait`: returns 0, or an errno (EWOULDBLOCK when `wait`
// passed). Before each try that may fail, the waiter notes `releases` and sets
// `waiting`, so a holder that unlocks after that try sees `waiting` and bumps
// `releases`, and the sleep returns at once: no wake is lost.
int lock_within(const detail::record_file& f, std::chrono::milliseconds wait) {
  if (::flock(f.fd(), LOCK_EX | LOCK_NB) == 0) return 0;
  if (errno != EWOULDBLOCK && errno != EINTR) return errno;
  const auto deadline = replay_record::clock::now() + wait;
  for (;;) {
    const auto left = deadline - replay_record::clock::now();
    if (left <= decltype(left)::zero()) return EWOULDBLOCK;
    std::uint32_t* releases = nullptr;
    std::uint32_t seen = 0;
    if (header_mapped(f)) {
      releases = header_word_ptr(f, offsetof(record_header, releases));
      seen = std::atomic_ref(*releases).load();
      std::atomic_ref(*header_word_ptr(f, offsetof(record_header, waiting))).store(1);
    }
    if (::flock(f.fd(), LOCK_EX | LOCK_NB) == 0) return 0;
    if (errno != EWOULDBLOCK && errno != EINTR) return errno;
    sleep_until_release(releases, seen, std::min<std::chrono::nanoseconds>(left, std::chrono::milliseconds(1)));
  }
}

}  // namespace

std::string replay_record::lock(std::chrono::milliseconds wait, bool& busy) {
  const int e = lock_within(file_, wait);
  if (e == 0) return {};
  busy = e == EWOULDBLOCK;
  if (busy)
    return "replay record " + path_.string() + " stayed locked by another process for " + std::to_string(wait.count()) +
           " ms";
  return "cannot lock replay record " + path_.string() + ": " + errno_text(e);
}

void replay_record::unlock() {
  if (file_.is_open()) ::flock(file_.fd(), LOCK_UN);
}

// Unlocks a file whose mapping was checked under this lock, and wakes whoever sleeps
// waiting for it. Clearing `waiting` first: a waiter that loses the next race sets it
// again before it sleeps.
void replay_record::unlock_and_wake() {
  ::flock(file_.fd(), LOCK_UN);
  std::atomic_ref waiting(*header_word_ptr(file_, offsetof(record_header, waiting)));
  if (waiting.load() == 0 || waiting.exchange(0) == 0) return;
  auto* releases = header_word_ptr(file_, offsetof(record_header, releases));
  std::atomic_ref(*releases).fetch_add(1);
  wake_all(releases);
}

}  // namespace remaphore::core
