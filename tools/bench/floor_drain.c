/* The drop floor: the least program that reads a flood of messages it does not want,
 * the wire work of a receiver dropping them: subscribe (CONNECT, SUB and PING in one
 * write, until PONG; then "ready:" on stderr), then frame what it reads (find each MSG
 * line, skip its payload) until COUNT messages, answering the server's PINGs. Prints
 * the messages framed and the CPU time (user + system) it used from ready to the last
 * one: `floor_drain msgs=N cpu_s=S ns_per_msg=X`.
 * Usage: floor_drain URL SUBJECT COUNT [SECONDS]   (exit 0 after COUNT messages, 1
 *        after SECONDS without one (default 60), 3 on failure) */
#include "floor_wire.h" /* first: it defines _GNU_SOURCE */

#include <sys/resource.h>

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Frames every complete line and payload read so far; returns the messages found. */
static long frame(struct floor_reader* r) {
  long msgs = 0;
  for (;;) {
    if (r->skip > 0 && !floor_skip(r)) return msgs;
    char* line = floor_next_line(r);
    if (!line) return msgs;
    if (line[0] == 'M') {
      r->skip = floor_msg_size(line, NULL, 0) + 2;
      ++msgs;
    } else if (line[0] == 'P' && line[1] == 'I' && floor_write_all(r->fd, "PONG\r\n", 6) != 0) {
      floor_die("floor_drain", "write");
    } else if (line[0] == '-') {
      fprintf(stderr, "floor_drain: server: %s\n", line);
      exit(3);
    }
  }
}

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: floor_drain URL SUBJECT COUNT [SECONDS]\n");
    return 2;
  }
  long want = atol(argv[3]);
  int timeout_ms = argc == 5 ? atoi(argv[4]) * 1000 : 60000;
  char sub[512];
  int n = snprintf(sub, sizeof sub, "SUB %s 1\r\nPING\r\n", argv[2]);
  if (n <= 0 || (size_t)n >= sizeof sub || want <= 0) return 2;
  static char buf[FLOOR_READ_BUFFER];
  struct floor_reader r = {.buf = buf, .cap = sizeof buf};
  floor_handshake(&r, "floor_drain", argv[1], sub, (size_t)n);
  if (floor_await_line(&r, "PONG", 10000) != 0) floor_die("floor_drain", "no PONG");
  fputs("ready: subscribed\n", stderr);
  double cpu0 = cpu_seconds();
  long got = 0;
  while (got < want) {
    got += frame(&r);
    if (got >= want) break;
    int more = floor_fill(&r, timeout_ms);
    if (more == 0) {
      fprintf(stderr, "floor_drain: %ld of %ld messages, then none for %d s\n", got, want, timeout_ms / 1000);
      return 1;
    }
    if (more < 0) floor_die("floor_drain", "connection lost");
  }
  double cpu = cpu_seconds() - cpu0;
  printf("floor_drain msgs=%ld cpu_s=%.6f ns_per_msg=%.1f\n", got, cpu, cpu * 1e9 / (double)got);
  return 0;
}
