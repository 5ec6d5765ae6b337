/* The wire work every floor program shares, on a plain blocking socket and nothing
 * else: connect to nats://HOST:PORT, write whole buffers, read protocol lines, frame
 * MSG lines. A floor is the least program that does the same wire work as the
 * remaphore command it is measured against, so there is no client library here, no
 * parsing beyond what framing needs and no allocation on the message path. */
#ifndef REMAPHORE_BENCH_FLOOR_WIRE_H
#define REMAPHORE_BENCH_FLOOR_WIRE_H

#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* The CONNECT line of every floor: no echo of its own messages is asked for, nothing else. */
#define FLOOR_CONNECT "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n"

static inline void floor_die(const char* who, const char* what) {
  fprintf(stderr, "%s: %s: %s\n", who, what, errno ? strerror(errno) : "protocol");
  exit(3);
}

/* Connects to nats://HOST:PORT (or HOST:PORT); -1 with errno set on failure. */
static inline int floor_connect(const char* url) {
  const char* hp = strstr(url, "://");
  hp = hp ? hp + 3 : url;
  char host[256];
  const char* colon = strrchr(hp, ':');
  if (!colon || (size_t)(colon - hp) >= sizeof host) {
    errno = EINVAL;
    return -1;
  }
  memcpy(host, hp, (size_t)(colon - hp));
  host[colon - hp] = '\0';
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
  if (getaddrinfo(host, colon + 1, &hints, &res) != 0 || !res) {
    errno = EHOSTUNREACH;
    return -1;
  }
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
  return fd;
}

static inline int floor_write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* A read buffer and the framing state of one connection. */
struct floor_reader {
  int fd;
  size_t start, end; /* unread bytes are buf[start, end) */
  size_t skip;       /* payload bytes (and CRLF) still to skip */
  size_t cap;
  char* buf;
};

/* 64 KiB: a flood is read in large pieces, as a client library would. */
#define FLOOR_READ_BUFFER (64 * 1024)

static inline void floor_reader_init(struct floor_reader* r, int fd, char* buf, size_t cap) {
  r->fd = fd;
  r->start = r->end = r->skip = 0;
  r->buf = buf;
  r->cap = cap;
}

/* Reads more bytes, waiting at most timeout_ms (-1: forever). 1 read, 0 timeout,
 * -1 closed or failed. */
static inline int floor_fill(struct floor_reader* r, int timeout_ms) {
  if (r->start > 0) {
    memmove(r->buf, r->buf + r->start, r->end - r->start);
    r->end -= r->start;
    r->start = 0;
  }
  if (r->end == r->cap) return -1; /* a line longer than the buffer: not what a floor expects */
  if (timeout_ms >= 0) {
    struct pollfd p = {.fd = r->fd, .events = POLLIN};
    int n = poll(&p, 1, timeout_ms);
    if (n == 0) return 0;
    if (n < 0) return -1;
  }
  ssize_t got = read(r->fd, r->buf + r->end, r->cap - r->end);
  if (got <= 0) return -1;
  r->end += (size_t)got;
  return 1;
}

/* The next complete line (without CRLF, NUL-terminated in place) from what has been
 * read, or NULL when none is complete yet. Payloads are not lines: see floor_skip. */
static inline char* floor_next_line(struct floor_reader* r) {
  char* from = r->buf + r->start;
  char* nl = memchr(from, '\n', r->end - r->start);
  if (!nl) return NULL;
  r->start = (size_t)(nl + 1 - r->buf);
  if (nl > from && nl[-1] == '\r') --nl;
  *nl = '\0';
  return from;
}

/* Skips what is left of the current payload in what has been read; 1 once it is all skipped. */
static inline int floor_skip(struct floor_reader* r) {
  size_t take = r->end - r->start < r->skip ? r->end - r->start : r->skip;
  r->start += take;
  r->skip -= take;
  return r->skip == 0;
}

/* Reads lines until one starts with `want` (a PONG, the INFO): 0, or -1 on -ERR,
 * a closed connection or no such line within timeout_ms. */
static inline int floor_await_line(struct floor_reader* r, const char* want, int timeout_ms) {
  for (;;) {
    char* line;
    while ((line = floor_next_line(r)) != NULL) {
      if (strncmp(line, want, strlen(want)) == 0) return 0;
      if (strncmp(line, "-ERR", 4) == 0) {
        fprintf(stderr, "floor: server: %s\n", line);
        return -1;
      }
    }
    if (floor_fill(r, timeout_ms) <= 0) return -1;
  }
}

/* The payload size at the end of a MSG line ("MSG subject sid [reply] size"), and its
 * reply subject (empty when none) in reply[reply_cap]. */
static inline size_t floor_msg_size(const char* line, char* reply, size_t reply_cap) {
  const char* words[5];
  size_t lens[5];
  int n = 0;
  for (const char* p = line; *p && n < 5;) {
    while (*p == ' ' || *p == '\t') ++p;
    if (!*p) break;
    words[n] = p;
    while (*p && *p != ' ' && *p != '\t') ++p;
    lens[n] = (size_t)(p - words[n]);
    ++n;
  }
  if (reply) {
    reply[0] = '\0';
    if (n == 5 && lens[3] < reply_cap) {
      memcpy(reply, words[3], lens[3]);
      reply[lens[3]] = '\0';
    }
  }
  return n >= 4 ? (size_t)strtoull(words[n - 1], NULL, 10) : 0;
}

static inline long long floor_realtime_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline long long floor_monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Connects, reads INFO, writes CONNECT followed by `then` in one write. Returns the
 * socket; exits with a message on failure. `r` comes with its buffer (buf, cap) set. */
static inline int floor_handshake(struct floor_reader* r, const char* who, const char* url, const char* then,
                                  size_t then_len) {
  int fd = floor_connect(url);
  if (fd < 0) floor_die(who, "connect");
  floor_reader_init(r, fd, r->buf, r->cap);
  if (floor_await_line(r, "INFO", 10000) != 0) floor_die(who, "no INFO from the server");
  char* out = malloc(sizeof FLOOR_CONNECT - 1 + then_len);
  if (!out) floor_die(who, "malloc");
  memcpy(out, FLOOR_CONNECT, sizeof FLOOR_CONNECT - 1);
  memcpy(out + sizeof FLOOR_CONNECT - 1, then, then_len);
  if (floor_write_all(fd, out, sizeof FLOOR_CONNECT - 1 + then_len) != 0) floor_die(who, "write");
  free(out);
  return fd;
}

#endif
