/* The send floor: the least program that publishes one message and knows the server
 * has it, the wire work of `remaphore -s`: connect, read INFO, write CONNECT, PUB and
 * PING in one write, read until PONG, exit. With -T the payload starts with the send
 * time (CLOCK_REALTIME in ns, 19 digits), taken just before that write, for receivers
 * that measure the time from publish (floor_fleet).
 * Usage: floor_send [-T] URL SUBJECT PAYLOAD    (exit 0 once PONG is read, 3 on failure) */
#include "floor_wire.h"

int main(int argc, char** argv) {
  int stamp = argc > 1 && strcmp(argv[1], "-T") == 0;
  if (argc != 4 + stamp) {
    fprintf(stderr, "usage: floor_send [-T] URL SUBJECT PAYLOAD\n");
    return 2;
  }
  const char *url = argv[1 + stamp], *subject = argv[2 + stamp], *payload = argv[3 + stamp];
  size_t len = strlen(payload);
  if (stamp && len < 19) {
    fprintf(stderr, "floor_send: -T needs a payload of at least 19 bytes\n");
    return 2;
  }
  struct floor_reader r;
  int fd = floor_connect(url);
  if (fd < 0) floor_die("floor_send", "connect");
  char buf[4096];
  floor_reader_init(&r, fd, buf, sizeof buf);
  if (floor_await_line(&r, "INFO", 10000) != 0) floor_die("floor_send", "no INFO");
  size_t cap = sizeof FLOOR_CONNECT + strlen(subject) + len + 64;
  char* out = malloc(cap);
  if (!out) floor_die("floor_send", "malloc");
  int head = snprintf(out, cap, FLOOR_CONNECT "PUB %s %zu\r\n", subject, len);
  memcpy(out + head, payload, len);
  memcpy(out + head + len, "\r\nPING\r\n", 8);
  if (stamp) {
    char t[24];
    snprintf(t, sizeof t, "%019lld", floor_realtime_ns());
    memcpy(out + head, t, 19);
  }
  if (floor_write_all(fd, out, (size_t)head + len + 8) != 0) floor_die("floor_send", "write");
  if (floor_await_line(&r, "PONG", 10000) != 0) floor_die("floor_send", "no PONG");
  return 0;
}
