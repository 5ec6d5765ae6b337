// A job for the lock tests: appends "start" and "end" lines with its slot, token, pid
// and CLOCK_MONOTONIC time to a log under flock, and works a random time in between.
// SIGTERM (a lost lease, remaphore ended) writes its "end" at once, so every job
// leaves both lines. Usage: lock_job LOG MIN_MS MAX_MS
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

const char* log_path = nullptr;
char slot[32] = "-", token[32] = "-";

// Async-signal-safe: formatting by hand, open/flock/write/close.
void append(const char* what) {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  long long ns = static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
  char line[160];
  int n = 0;
  auto put = [&](const char* s) {
    while (*s && n < 150) line[n++] = *s++;
  };
  auto put_num = [&](long long v) {
    char digits[24];
    int k = 0;
    do digits[k++] = static_cast<char>('0' + v % 10);
    while ((v /= 10) > 0);
    while (k > 0) line[n++] = digits[--k];
  };
  put(what);
  put(" ");
  put(slot);
  put(" ");
  put(token);
  put(" ");
  put_num(ns);
  put(" ");
  put_num(getpid());
  line[n++] = '\n';
  int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT, 0600);
  if (fd < 0) return;
  flock(fd, LOCK_EX);
  ssize_t rc = write(fd, line, static_cast<size_t>(n));
  (void)rc;
  flock(fd, LOCK_UN);
  close(fd);
}

void on_term(int) {
  append("end");
  _exit(143);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  log_path = argv[1];
  if (const char* s = getenv("REMAPHORE_LOCK_SLOT")) snprintf(slot, sizeof slot, "%s", s);
  if (const char* t = getenv("REMAPHORE_LOCK_TOKEN")) snprintf(token, sizeof token, "%s", t);
  signal(SIGTERM, on_term);
  append("start");
  long lo = atol(argv[2]), hi = atol(argv[3]);
  srand(static_cast<unsigned>(getpid()));
  long ms = lo + (hi > lo ? rand() % (hi - lo + 1) : 0);
  timespec d{ms / 1000, (ms % 1000) * 1000000};
  while (nanosleep(&d, &d) != 0) {
  }
  append("end");
  return 0;
}
