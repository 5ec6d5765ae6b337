/* The fleet floor: the least programs that do the wire work and the signature work of
 * remaphore-fleet's nodes and of `remaphore -r` to all of them, with nothing else.
 *
 *   floor_fleet nodes URL N SUBJECT
 *       N connections, each subscribed to SUBJECT, shared out over one thread per core
 *       (as remaphore-fleet does). Each message a node receives costs one ed25519
 *       verification; one with a reply subject also costs a signature and the reply's
 *       PUB. Prints "floor_fleet: N nodes subscribed ..." once the server has every SUB,
 *       then, for each message all N have handled, its spread of the time from publish
 *       (the payload's first 19 bytes, CLOCK_REALTIME ns, as floor_send -T writes them)
 *       to each node's verification done. Runs until SIGINT/SIGTERM.
 *   floor_fleet request URL N SUBJECT [SECONDS]
 *       the requester: subscribes to its inbox, publishes one request to SUBJECT, then
 *       reads N replies while one thread per core verifies them; exits 0 once all N are
 *       verified (1 after SECONDS, default 30, without them).
 *   floor_fleet crypto N
 *       the signature work alone, spread over one thread per core: N verifications,
 *       then N signatures; prints the wall time of each.
 *
 * Every signature is a real one over a 175-byte message (the size of a remaphore -s
 * envelope), made with one fixed key, so every process can check every other's. */
#include "floor_wire.h" /* first: it defines _GNU_SOURCE */

#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/resource.h>

enum { MSG_BYTES = 175, REPLY_BYTES = crypto_sign_BYTES + MSG_BYTES, NODE_BUFFER = 2048 };

static unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
static unsigned char msg[MSG_BYTES], sig[crypto_sign_BYTES];

static void keys_init(void) {
  if (sodium_init() < 0) floor_die("floor_fleet", "sodium_init");
  unsigned char seed[crypto_sign_SEEDBYTES] = {0};
  crypto_sign_seed_keypair(pk, sk, seed);
  memset(msg, 'm', sizeof msg);
  crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
}

static unsigned cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned)n : 1;
}

/* One framed message: the reply subject and the payload, valid until the next fill. */
struct frame {
  char reply[256];
  const char* payload;
  size_t size;
};

/* The next whole message in what has been read (1), or 0 when more must be read;
 * answers the server's PINGs and skips every other line. */
static int next_frame(struct floor_reader* r, struct frame* f) {
  for (;;) {
    char* from = r->buf + r->start;
    size_t avail = r->end - r->start;
    char* nl = memchr(from, '\n', avail);
    if (!nl) return 0;
    size_t line_len = (size_t)(nl + 1 - from);
    if (from[0] == 'M') {
      char line[512];
      if (line_len >= sizeof line) floor_die("floor_fleet", "MSG line too long");
      memcpy(line, from, line_len);
      line[line_len] = '\0';
      f->size = floor_msg_size(line, f->reply, sizeof f->reply);
      if (avail < line_len + f->size + 2) return 0;
      f->payload = from + line_len;
      r->start += line_len + f->size + 2;
      return 1;
    }
    r->start += line_len;
    if (from[0] == 'P' && from[1] == 'I' && floor_write_all(r->fd, "PONG\r\n", 6) != 0)
      floor_die("floor_fleet", "PONG");
    if (from[0] == '-') floor_die("floor_fleet", "-ERR from the server");
  }
}

/* The send time a payload starts with (0 when it does not). */
static long long stamp_of(const struct frame* f) {
  if (f->size < 19) return 0;
  long long t = 0;
  for (int i = 0; i < 19; ++i) {
    if (f->payload[i] < '0' || f->payload[i] > '9') return 0;
    t = t * 10 + (f->payload[i] - '0');
  }
  return t;
}

/* ---- nodes ----------------------------------------------------------------------- */

struct fleet {
  const char* url;
  const char* subject;
  long nodes;
  unsigned threads;
  long long* latency_ns; /* of each node, for the current message */
  atomic_long handled;   /* nodes done with the current message */
  atomic_long subscribed;
  atomic_long messages;
};

struct lane {
  struct fleet* fleet;
  long first, count; /* its nodes */
  struct floor_reader* readers;
};

static int compare_ll(const void* a, const void* b) {
  long long x = *(const long long*)a, y = *(const long long*)b;
  return (x > y) - (x < y);
}

/* Called by the node that handles a message last: prints its spread. */
static void report(struct fleet* fl) {
  long n = fl->nodes;
  long long* sorted = malloc((size_t)n * sizeof *sorted);
  if (!sorted) floor_die("floor_fleet", "malloc");
  memcpy(sorted, fl->latency_ns, (size_t)n * sizeof *sorted);
  qsort(sorted, (size_t)n, sizeof *sorted, compare_ll);
  long k = atomic_fetch_add(&fl->messages, 1) + 1;
  printf("floor_fleet: message %ld handled by %ld nodes: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", k, n,
         (double)sorted[(n - 1) / 2] / 1e6, (double)sorted[(n * 99 + 99) / 100 - 1] / 1e6, (double)sorted[n - 1] / 1e6);
  fflush(stdout);
  free(sorted);
}

/* A node's work for one message: the check, and for a request the signed reply. */
static void handle(struct fleet* fl, long node, struct floor_reader* r, const struct frame* f) {
  if (crypto_sign_verify_detached(sig, msg, sizeof msg, pk) != 0) floor_die("floor_fleet", "verification failed");
  if (f->reply[0]) {
    char out[512 + REPLY_BYTES];
    int head = snprintf(out, 512, "PUB %s %d\r\n", f->reply, REPLY_BYTES);
    crypto_sign_detached((unsigned char*)out + head, NULL, msg, sizeof msg, sk);
    memcpy(out + head + crypto_sign_BYTES, msg, sizeof msg);
    memcpy(out + head + REPLY_BYTES, "\r\n", 2);
    if (floor_write_all(r->fd, out, (size_t)head + REPLY_BYTES + 2) != 0) floor_die("floor_fleet", "reply");
  }
  long long stamp = stamp_of(f);
  fl->latency_ns[node] = stamp ? floor_realtime_ns() - stamp : 0;
  if (atomic_fetch_add(&fl->handled, 1) + 1 == fl->nodes) {
    atomic_store(&fl->handled, 0);
    report(fl);
  }
}

static void* lane_run(void* arg) {
  struct lane* l = arg;
  struct fleet* fl = l->fleet;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  char* bufs = malloc((size_t)l->count * NODE_BUFFER);
  if (ep < 0 || !bufs) floor_die("floor_fleet", "epoll/malloc");
  char sub[512];
  int n = snprintf(sub, sizeof sub, "SUB %s 1\r\nPING\r\n", fl->subject);
  for (long i = 0; i < l->count; ++i) {
    struct floor_reader* r = &l->readers[i];
    r->buf = bufs + i * NODE_BUFFER;
    r->cap = NODE_BUFFER;
    floor_handshake(r, "floor_fleet", fl->url, sub, (size_t)n);
    if (floor_await_line(r, "PONG", 10000) != 0) floor_die("floor_fleet", "no PONG");
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (unsigned long)i};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, r->fd, &ev) != 0) floor_die("floor_fleet", "epoll_ctl");
    atomic_fetch_add(&fl->subscribed, 1);
  }
  struct epoll_event evs[256];
  for (;;) {
    int got = epoll_wait(ep, evs, 256, -1);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) floor_die("floor_fleet", "epoll_wait");
    for (int e = 0; e < got; ++e) {
      long i = (long)evs[e].data.u64;
      struct floor_reader* r = &l->readers[i];
      if (floor_fill(r, -1) < 0) floor_die("floor_fleet", "a node lost its connection");
      struct frame f;
      while (next_frame(r, &f)) handle(fl, l->first + i, r, &f);
    }
  }
  return NULL;
}

static int run_nodes(const char* url, long nodes, const char* subject) {
  struct rlimit lim;
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  struct fleet fl = {.url = url, .subject = subject, .nodes = nodes, .threads = cores()};
  fl.latency_ns = calloc((size_t)nodes, sizeof *fl.latency_ns);
  struct lane* lanes = calloc(fl.threads, sizeof *lanes);
  if (!fl.latency_ns || !lanes) floor_die("floor_fleet", "calloc");
  long long t0 = floor_monotonic_ns();
  for (unsigned t = 0; t < fl.threads; ++t) {
    lanes[t].fleet = &fl;
    lanes[t].first = nodes * t / fl.threads;
    lanes[t].count = nodes * (t + 1) / fl.threads - lanes[t].first;
    lanes[t].readers = calloc((size_t)lanes[t].count + 1, sizeof(struct floor_reader));
    pthread_t th;
    if (!lanes[t].readers || pthread_create(&th, NULL, lane_run, &lanes[t]) != 0) floor_die("floor_fleet", "thread");
  }
  while (atomic_load(&fl.subscribed) < nodes) usleep(10000);
  printf("floor_fleet: %ld nodes subscribed in %.2f s on %u threads\n", nodes,
         (double)(floor_monotonic_ns() - t0) / 1e9, fl.threads);
  fflush(stdout);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  int sig_got;
  sigwait(&stop, &sig_got);
  return 0;
}

/* ---- requester ------------------------------------------------------------------- */

struct replies {
  pthread_mutex_t lock;
  pthread_cond_t more;
  long expected, read, claimed; /* under lock */
  int stop;
  unsigned char* slots; /* REPLY_BYTES each */
  atomic_long verified, bad;
};

static void* verifier(void* arg) {
  struct replies* q = arg;
  for (;;) {
    pthread_mutex_lock(&q->lock);
    while (q->claimed >= q->read && !q->stop && q->claimed < q->expected) pthread_cond_wait(&q->more, &q->lock);
    if (q->stop || q->claimed >= q->expected) {
      pthread_mutex_unlock(&q->lock);
      return NULL;
    }
    long from = q->claimed, to = q->read;
    if (to - from > 16) to = from + 16;
    q->claimed = to;
    pthread_mutex_unlock(&q->lock);
    for (long i = from; i < to; ++i) {
      const unsigned char* s = q->slots + (size_t)i * REPLY_BYTES;
      if (crypto_sign_verify_detached(s, s + crypto_sign_BYTES, MSG_BYTES, pk) != 0) atomic_fetch_add(&q->bad, 1);
      atomic_fetch_add(&q->verified, 1);
    }
  }
}

/* Reads replies into q until all are read; 0, or 1 after the deadline. */
static int read_replies(struct floor_reader* r, struct replies* q, long long deadline) {
  long read = 0;
  while (read < q->expected) {
    struct frame f;
    while (read < q->expected && next_frame(r, &f)) {
      if (f.size == REPLY_BYTES) memcpy(q->slots + (size_t)read * REPLY_BYTES, f.payload, REPLY_BYTES);
      ++read;
    }
    pthread_mutex_lock(&q->lock);
    q->read = read;
    pthread_cond_broadcast(&q->more);
    pthread_mutex_unlock(&q->lock);
    if (read >= q->expected) break;
    long long left = (deadline - floor_monotonic_ns()) / 1000000LL;
    int got = left > 0 ? floor_fill(r, (int)left) : 0;
    if (got < 0) floor_die("floor_fleet", "the requester lost its connection");
    if (got == 0) return 1;
  }
  return 0;
}

static int run_request(const char* url, long nodes, const char* subject, int seconds) {
  long long t0 = floor_monotonic_ns(), deadline = t0 + (long long)seconds * 1000000000LL;
  static char buf[FLOOR_READ_BUFFER];
  struct floor_reader r = {.buf = buf, .cap = sizeof buf};
  floor_handshake(&r, "floor_fleet", url, "SUB _INBOX.floor 1\r\nPING\r\n", 26);
  if (floor_await_line(&r, "PONG", 10000) != 0) floor_die("floor_fleet", "no PONG");
  struct replies q = {.expected = nodes, .slots = malloc((size_t)nodes * REPLY_BYTES)};
  pthread_mutex_init(&q.lock, NULL);
  pthread_cond_init(&q.more, NULL);
  unsigned threads = cores();
  pthread_t th[256];
  if (threads > 256) threads = 256;
  for (unsigned t = 0; t < threads; ++t) pthread_create(&th[t], NULL, verifier, &q);
  char out[512 + MSG_BYTES];
  int head = snprintf(out, 512, "PUB %s _INBOX.floor %d\r\n", subject, MSG_BYTES);
  char stamp[24];
  snprintf(stamp, sizeof stamp, "%019lld", floor_realtime_ns());
  memcpy(out + head, msg, MSG_BYTES);
  memcpy(out + head, stamp, 19);
  memcpy(out + head + MSG_BYTES, "\r\n", 2);
  if (floor_write_all(r.fd, out, (size_t)head + MSG_BYTES + 2) != 0) floor_die("floor_fleet", "publish");
  int late = read_replies(&r, &q, deadline);
  pthread_mutex_lock(&q.lock);
  q.stop = late;
  pthread_cond_broadcast(&q.more);
  pthread_mutex_unlock(&q.lock);
  for (unsigned t = 0; t < threads; ++t) pthread_join(th[t], NULL);
  printf("floor_fleet request: %ld of %ld replies verified (%ld bad) in %.2f ms\n", atomic_load(&q.verified), nodes,
         atomic_load(&q.bad), (double)(floor_monotonic_ns() - t0) / 1e6);
  return late || atomic_load(&q.bad) ? 1 : 0;
}

/* ---- the signature work alone ---------------------------------------------------- */

struct share {
  long count;
  int sign;
};

static void* crypto_share(void* arg) {
  struct share* s = arg;
  unsigned char out[crypto_sign_BYTES];
  for (long i = 0; i < s->count; ++i) {
    if (s->sign)
      crypto_sign_detached(out, NULL, msg, sizeof msg, sk);
    else if (crypto_sign_verify_detached(sig, msg, sizeof msg, pk) != 0)
      floor_die("floor_fleet", "verification failed");
  }
  return NULL;
}

static double spread_ms(long n, int sign) {
  unsigned threads = cores() > 256 ? 256 : cores();
  pthread_t th[256];
  struct share shares[256];
  long long t0 = floor_monotonic_ns();
  for (unsigned t = 0; t < threads; ++t) {
    shares[t] = (struct share){.count = n * (t + 1) / threads - n * t / threads, .sign = sign};
    pthread_create(&th[t], NULL, crypto_share, &shares[t]);
  }
  for (unsigned t = 0; t < threads; ++t) pthread_join(th[t], NULL);
  return (double)(floor_monotonic_ns() - t0) / 1e6;
}

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  keys_init();
  if (argc == 5 && strcmp(argv[1], "nodes") == 0) {
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL); /* taken by sigwait in main only */
    return run_nodes(argv[2], atol(argv[3]), argv[4]);
  }
  if ((argc == 5 || argc == 6) && strcmp(argv[1], "request") == 0)
    return run_request(argv[2], atol(argv[3]), argv[4], argc == 6 ? atoi(argv[5]) : 30);
  if (argc == 3 && strcmp(argv[1], "crypto") == 0) {
    long n = atol(argv[2]);
    double v = spread_ms(n, 0), s = spread_ms(n, 1);
    printf("floor_fleet crypto: %ld verifications in %.2f ms, %ld signatures in %.2f ms, on %u threads\n", n, v, n, s,
           cores());
    return 0;
  }
  fprintf(
      stderr,
      "usage: floor_fleet nodes URL N SUBJECT | floor_fleet request URL N SUBJECT [SECONDS] | floor_fleet crypto N\n");
  return 2;
}
