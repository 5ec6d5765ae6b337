/* The ready and fan-out floor: the least program that waits for one message, the wire
 * work of a waiting `remaphore -u`: connect, read INFO, write CONNECT, SUB and PING in
 * one write, read until PONG (the server has the subscription), then say so the way
 * remaphore does (READY=1 on $NOTIFY_SOCKET, which tools/bench/ready_probe waits for, and
 * a "ready:" line on stderr, which tools/bench/fanout waits for); then read until the
 * first MSG line, print the time it arrived (CLOCK_REALTIME, seconds with ns) and exit.
 * No signature is checked.
 * Usage: floor_wait URL SUBJECT [SECONDS]   (exit 0 on a message, 1 after SECONDS
 *        without one (default 60), 3 on failure) */
#include "floor_wire.h"

/* Tells $NOTIFY_SOCKET ("/path" or "@abstract") that the subscription is in place. */
static void notify_ready(void) {
  const char* name = getenv("NOTIFY_SOCKET");
  if (!name || (name[0] != '/' && name[0] != '@')) return;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  size_t len = strlen(name);
  if (len >= sizeof addr.sun_path) return;
  memcpy(addr.sun_path, name, len);
  if (name[0] == '@') addr.sun_path[0] = '\0';
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr*)&addr,
         (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
  close(fd);
}

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    fprintf(stderr, "usage: floor_wait URL SUBJECT [SECONDS]\n");
    return 2;
  }
  int timeout_ms = argc == 4 ? atoi(argv[3]) * 1000 : 60000;
  char sub[512];
  int n = snprintf(sub, sizeof sub, "SUB %s 1\r\nPING\r\n", argv[2]);
  if (n <= 0 || (size_t)n >= sizeof sub) return 2;
  char buf[4096];
  struct floor_reader r = {.buf = buf, .cap = sizeof buf};
  floor_handshake(&r, "floor_wait", argv[1], sub, (size_t)n);
  if (floor_await_line(&r, "PONG", 10000) != 0) floor_die("floor_wait", "no PONG");
  notify_ready();
  fputs("ready: subscribed\n", stderr);
  long long deadline = floor_monotonic_ns() + (long long)timeout_ms * 1000000LL;
  for (;;) {
    char* line;
    while ((line = floor_next_line(&r)) != NULL) {
      if (strncmp(line, "MSG ", 4) == 0) {
        long long t = floor_realtime_ns();
        printf("%lld.%09lld\n", t / 1000000000LL, t % 1000000000LL);
        return 0;
      }
      if (strncmp(line, "PING", 4) == 0 && floor_write_all(r.fd, "PONG\r\n", 6) != 0) floor_die("floor_wait", "write");
    }
    long long left = (deadline - floor_monotonic_ns()) / 1000000LL;
    if (left <= 0) return 1;
    int got = floor_fill(&r, (int)left);
    if (got == 0) return 1;
    if (got < 0) floor_die("floor_wait", "connection lost");
  }
}
