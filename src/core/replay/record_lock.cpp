// The lock around each read-modify-write of the replay record: flock(2), tried once
// or, for a caller that may wait, tried again after short sleeps for at most
// options::lock_wait (why it is built so is at the top of replay_record.hpp).
#include <sys/file.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

#include "core/replay/record_format.hpp"
#include "core/replay/replay_record.hpp"

namespace remaphore::core {

using detail::errno_text;

namespace {

// flock, waiting at most `wait`: returns 0, or an errno (EWOULDBLOCK when `wait`
// passed). The lock is held for microseconds, so the sleeps start short; they grow to
// 1 ms so that a process stopped while holding it costs little CPU to wait for.
int lock_within(int fd, std::chrono::milliseconds wait) {
  const auto deadline = replay_record::clock::now() + wait;
  std::chrono::microseconds pause{10};
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return 0;
    if (errno != EWOULDBLOCK && errno != EINTR) return errno;
    const auto left = deadline - replay_record::clock::now();
    if (left <= decltype(left)::zero()) return EWOULDBLOCK;
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(left, pause));
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(1));
  }
}

}  // namespace

std::string replay_record::lock(std::chrono::milliseconds wait, bool& busy) {
  const int e = lock_within(file_.fd(), wait);
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

}  // namespace remaphore::core
