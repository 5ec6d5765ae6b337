// remaphore-bench: the measurements of ../shared/bench/natsc_bench.c made with our
// own NATS client, with the same command line and the same one-line output (prefix
// "remaphore" instead of "natsc"), so the two can be compared run for run.
//
//   pub     publish N messages, then flush (PING/PONG); time = first publish .. flush done.
//   sub     K subscribers (own connection each) wait for N messages each from an outside
//           publisher; time = first message received .. last message received (over all subs).
//   pubsub  like sub, with the publisher in this process on its own connection.
//   reqrep  a responder on its own connection echoes the request; N sequential requests;
//           per-request latency is recorded and reported as percentiles.
//
// Flow: subscribers (or the responder) run on their own io_context and thread, as
// libnats delivers on its own threads; the publisher (or requester) runs on the main
// thread. Each client is only touched from its own thread. Every wait is bounded by
// --timeout, and an alarm ends the process if that bound is missed.
//
// Exit codes: 0 ok, 1 incomplete (timeout, lost connection, dropped messages),
//             2 usage error, 3 runtime error (connect failure, publish error).
#include <getopt.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cinttypes>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "nats/client.hpp"
#include "nats/error.hpp"

namespace asio = boost::asio;
using asio::awaitable;
using namespace std::chrono_literals;
namespace nats = remaphore::nats;

namespace {

enum exit_code { exit_ok = 0, exit_incomplete = 1, exit_usage = 2, exit_runtime = 3 };
enum class mode { pub, sub, pubsub, reqrep };
constexpr const char* mode_names[] = {"pub", "sub", "pubsub", "reqrep"};
constexpr int max_subs = 64;

struct config {
  std::string url = "nats://127.0.0.1:4222";
  mode m = mode::pub;
  long msgs = 100000;
  int size = 128;
  int subs = 1;
  std::string subject = "remaphore.bench";
  int timeout_s = 60;
  std::string tls_ca;        // CA file for tls:// and wss:// URLs
  std::string payload_file;  // publish these bytes instead of --size generated ones
};

// ---- time and small helpers --------------------------------------------------------

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double secs_between(std::int64_t a, std::int64_t b) { return static_cast<double>(b - a) / 1e9; }

// MB as `nats bench` prints it: payload bytes / 2^20.
double mb_per_sec(double msgs_per_sec, int size) { return msgs_per_sec * size / (1024.0 * 1024.0); }

// `detail` is the client's last_error().text(), which already says more than `ec` when set.
[[noreturn]] void fail(int code, const std::string& what, const std::error_code& ec, const std::string& detail) {
  std::fprintf(stderr, "remaphore-bench: %s: %s\n", what.c_str(),
               detail.empty() ? ec.message().c_str() : detail.c_str());
  std::exit(code);
}

std::atomic<long> g_async_errors{0};  // slow consumer drops, server errors

// The publisher yields to the writer above this many queued bytes. Measured on
// loopback (pub, 1M x 16 B): 64-256 KiB keeps the socket busy with the fewest
// stalls; the client's 4 MiB default alternates long fills and long writes, and
// never yielding queues the whole run before the first write.
constexpr std::size_t client_high_water = 256 * 1024;

nats::options client_options(const config& c, const std::string& name) {
  nats::options o;
  o.servers = {c.url};
  o.tls.ca_file = c.tls_ca;
  o.name = name;
  o.randomize = false;
  o.connect_timeout = 2s;
  o.allow_reconnect = false;  // a lost connection ends the run, as in natsc_bench
  // Like `nats bench`: no client-side pending limit, so nothing is dropped locally.
  o.sub_pending_msgs = std::numeric_limits<std::size_t>::max();
  o.sub_pending_bytes = std::numeric_limits<std::size_t>::max();
  o.pending_high_water = client_high_water;
  o.on_event = [](const nats::conn_event& e) {
    using kind = nats::conn_event_kind;
    if (e.kind == kind::server_error || e.kind == kind::slow_consumer || e.kind == kind::disconnected) {
      if (g_async_errors.fetch_add(1) < 5)
        std::fprintf(stderr, "remaphore-bench: async error: %s\n", nats::describe(e).c_str());
    }
  };
  return o;
}

awaitable<void> connect_or_fail(nats::client& c, const config& cfg) {
  if (auto ec = co_await c.connect())
    fail(exit_runtime, "connect to " + cfg.url + " failed", ec, c.last_error().text());
}

// Runs the coroutine `body()` on `ioc` until it returns. The clients it creates must
// be closed by it, or run() would not return. `body` outlives the coroutine, so a
// lambda's captures stay valid.
template <class F>
void run_on(asio::io_context& ioc, F body) {
  std::exception_ptr error;
  asio::co_spawn(ioc, body(), [&](std::exception_ptr e) { error = e; });
  ioc.run();
  if (error) std::rethrow_exception(error);
}

// ---- subscribers -------------------------------------------------------------------

struct sub_result {
  long received = 0;
  long bad_size = 0;
  std::int64_t first_ns = 0, last_ns = 0;
  bool done = false;
};

// K subscribers on one io_context. `ready` is set once every SUB is known to the
// server; then each waits for its N messages until `deadline_ns`.
awaitable<void> subscribers(const config& c, std::vector<sub_result>& results, std::promise<void>& ready) {
  auto ex = co_await asio::this_coro::executor;
  std::vector<std::unique_ptr<nats::client>> clients;
  std::vector<nats::subscription_ptr> subs;
  for (int i = 0; i < c.subs; ++i) {
    auto name = "remaphore-bench-sub-" + std::to_string(i);
    clients.push_back(std::make_unique<nats::client>(ex, client_options(c, name)));
    co_await connect_or_fail(*clients.back(), c);
    subs.push_back(clients.back()->subscribe(c.subject));
    // The round trip guarantees the server has the SUB before anything is published.
    if (auto ec = co_await clients.back()->flush(5s)) fail(exit_runtime, "subscribe", ec, clients.back()->error_text());
  }
  const std::int64_t deadline_ns = now_ns() + static_cast<std::int64_t>(c.timeout_s) * 1'000'000'000LL;
  ready.set_value();

  auto receive = [&](int i) -> awaitable<void> {
    sub_result& r = results[static_cast<std::size_t>(i)];
    nats::message m;
    while (r.received < c.msgs) {
      auto left = std::chrono::nanoseconds(deadline_ns - now_ns());
      if (left <= 0ns) break;
      if (co_await clients[static_cast<std::size_t>(i)]->next_msg(subs[static_cast<std::size_t>(i)], m, left)) break;
      if (++r.received == 1) r.first_ns = now_ns();
      if (m.payload.size() != static_cast<std::size_t>(c.size)) ++r.bad_size;
    }
    if (r.received == c.msgs) {
      r.last_ns = now_ns();
      r.done = true;
    }
    co_await clients[static_cast<std::size_t>(i)]->close();
  };
  // Every receiver runs concurrently; this coroutine ends when all have.
  int running = c.subs;
  std::exception_ptr error;
  asio::steady_timer all_done(ex, asio::steady_timer::time_point::max());
  for (int i = 0; i < c.subs; ++i) {
    asio::co_spawn(ex, receive(i), [&](std::exception_ptr e) {
      if (e && !error) error = e;
      if (--running == 0) all_done.cancel();
    });
  }
  while (running > 0) {
    boost::system::error_code bec;
    co_await all_done.async_wait(asio::redirect_error(asio::use_awaitable, bec));
  }
  if (error) std::rethrow_exception(error);
  for (int i = 0; i < c.subs; ++i) g_async_errors += static_cast<long>(subs[static_cast<std::size_t>(i)]->dropped());
}

// ---- publisher ---------------------------------------------------------------------

struct pub_result {
  std::int64_t start_ns = 0, end_ns = 0;
};

// publish() only queues. Above the high-water mark publish_async waits until the
// writer has taken the queue, so memory stays bounded and the socket stays busy.
// Calling publish_async only then, rather than for every message, saves its
// coroutine frame per message (about a third of the publisher's CPU time).
awaitable<pub_result> publish_all(const config& c, nats::client& nc, const std::string& payload) {
  pub_result r;
  r.start_ns = now_ns();
  const std::size_t high_water = client_high_water;
  for (long i = 0; i < c.msgs; ++i) {
    auto ec = nc.pending_bytes() > high_water ? co_await nc.publish_async(c.subject, payload)
                                              : nc.publish(c.subject, payload);
    if (ec) fail(exit_runtime, "publish", ec, nc.last_error().text());
  }
  if (auto ec = co_await nc.flush(std::chrono::seconds(c.timeout_s)))
    fail(exit_runtime, "flush", ec, nc.last_error().text());
  r.end_ns = now_ns();
  co_return r;
}

// ---- output ------------------------------------------------------------------------

void print_cpu_and_status(const char* status) {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf(" cpu_user=%.3f cpu_sys=%.3f async_errors=%ld status=%s\n",
              static_cast<double>(ru.ru_utime.tv_sec) + static_cast<double>(ru.ru_utime.tv_usec) / 1e6,
              static_cast<double>(ru.ru_stime.tv_sec) + static_cast<double>(ru.ru_stime.tv_usec) / 1e6,
              g_async_errors.load(), status);
}

// Nearest-rank percentile (p in whole percent) of sorted nanoseconds, in us.
double pct_us(const std::vector<std::int64_t>& sorted, long p) {
  long n = static_cast<long>(sorted.size());
  long rank = (p * n + 99) / 100;
  rank = std::clamp(rank, 1L, n);
  return static_cast<double>(sorted[static_cast<std::size_t>(rank - 1)]) / 1000.0;
}

// ---- modes -------------------------------------------------------------------------

int run_pub(const config& c, const std::string& payload) {
  asio::io_context ioc(1);
  pub_result r;
  run_on(ioc, [&]() -> awaitable<void> {
    nats::client nc(ioc.get_executor(), client_options(c, "remaphore-bench-pub"));
    co_await connect_or_fail(nc, c);
    r = co_await publish_all(c, nc, payload);
    co_await nc.close();
  });
  double secs = secs_between(r.start_ns, r.end_ns);
  double rate = static_cast<double>(c.msgs) / secs;
  std::printf("remaphore mode=pub msgs=%ld size=%d secs=%.4f msgs_per_sec=%.0f mb_per_sec=%.2f", c.msgs, c.size, secs,
              rate, mb_per_sec(rate, c.size));
  print_cpu_and_status("ok");
  return exit_ok;
}

int run_sub_modes(const config& c, const std::string& payload, bool with_pub) {
  std::vector<sub_result> results(static_cast<std::size_t>(c.subs));
  std::promise<void> ready;
  auto ready_future = ready.get_future();
  asio::io_context sub_ioc(1);
  std::exception_ptr sub_error;
  std::thread sub_thread([&] {
    try {
      run_on(sub_ioc, [&] { return subscribers(c, results, ready); });
    } catch (...) {
      sub_error = std::current_exception();
    }
  });
  // Setup is bounded by the connect timeout and the 5 s flush of each subscriber.
  if (ready_future.wait_for(std::chrono::seconds(10 + 8 * c.subs)) != std::future_status::ready) {
    std::fprintf(stderr, "remaphore-bench: subscribers not ready\n");
    std::exit(exit_runtime);
  }

  pub_result pr;
  if (with_pub) {
    asio::io_context ioc(1);
    run_on(ioc, [&]() -> awaitable<void> {
      nats::client nc(ioc.get_executor(), client_options(c, "remaphore-bench-pub"));
      co_await connect_or_fail(nc, c);
      pr = co_await publish_all(c, nc, payload);
      co_await nc.close();
    });
  } else {
    std::fprintf(stderr, "remaphore-bench: %d subscriber(s) ready on '%s', waiting for %ld msgs each\n", c.subs,
                 c.subject.c_str(), c.msgs);
  }
  sub_thread.join();  // the receivers stop by themselves at the deadline
  if (sub_error) std::rethrow_exception(sub_error);

  std::int64_t first = INT64_MAX, last = 0;
  long total = 0, bad = 0;
  bool complete = true;
  for (const auto& r : results) {
    total += std::min(r.received, c.msgs);
    bad += r.bad_size;
    complete = complete && r.done;
    if (r.done) {
      first = std::min(first, r.first_ns);
      last = std::max(last, r.last_ns);
    }
  }
  bool ok = complete && bad == 0 && g_async_errors.load() == 0;
  double secs = (complete && last > first) ? secs_between(first, last) : 0.0;
  double rate = secs > 0 ? static_cast<double>(total) / secs : 0.0;
  std::printf("remaphore mode=%s msgs=%ld size=%d subs=%d received=%ld secs=%.4f msgs_per_sec=%.0f mb_per_sec=%.2f",
              mode_names[static_cast<int>(c.m)], c.msgs, c.size, c.subs, total, secs, rate, mb_per_sec(rate, c.size));
  if (with_pub) {
    double psecs = secs_between(pr.start_ns, pr.end_ns);
    double prate = static_cast<double>(c.msgs) / psecs;
    // e2e: first publish .. last delivery; `nats bench`'s combined figure counts pub+sub msgs.
    double e2e = complete ? secs_between(pr.start_ns, last) : 0.0;
    double both = e2e > 0 ? static_cast<double>(c.msgs + total) / e2e : 0.0;
    std::printf(" pub_secs=%.4f pub_msgs_per_sec=%.0f e2e_secs=%.4f pubsub_msgs_per_sec=%.0f", psecs, prate, e2e, both);
  }
  if (bad > 0) std::printf(" bad_size=%ld", bad);
  print_cpu_and_status(ok ? "ok" : (complete ? "errors" : "incomplete"));
  return ok ? exit_ok : exit_incomplete;
}

// The responder: echoes every request until `stop`.
awaitable<void> echo_responder(const config& c, asio::io_context& ioc, std::promise<void>& ready,
                               const std::atomic<bool>& stop) {
  nats::client rc(ioc.get_executor(), client_options(c, "remaphore-bench-responder"));
  co_await connect_or_fail(rc, c);
  auto sub = rc.subscribe(c.subject);
  if (auto ec = co_await rc.flush(5s)) fail(exit_runtime, "responder subscribe", ec, rc.last_error().text());
  ready.set_value();
  nats::message m;
  while (!stop.load(std::memory_order_relaxed)) {
    auto ec = co_await rc.next_msg(sub, m, 100ms);  // wakes to notice `stop`
    if (ec == nats::errc::timeout) continue;
    if (ec) break;
    if (m.reply.empty()) continue;
    if (auto pec = rc.publish(m.reply, m.payload))
      std::fprintf(stderr, "remaphore-bench: respond: %s\n", pec.message().c_str());
  }
  co_await rc.close();
}

struct reqrep_result {
  std::vector<std::int64_t> latencies;
  long done = 0, bad = 0;
  const char* status = "ok";
  std::int64_t start = 0, end = 0;
};

// One request at a time, each timed, until c.msgs or the deadline.
awaitable<void> timed_requests(const config& c, const std::string& payload, asio::io_context& ioc, reqrep_result& r) {
  nats::client nc(ioc.get_executor(), client_options(c, "remaphore-bench-requester"));
  co_await connect_or_fail(nc, c);
  // One untimed request sets up the shared reply subscription.
  nats::message reply;
  if (auto ec = co_await nc.request(c.subject, payload, reply, 5s))
    fail(exit_runtime, "warm-up request", ec, nc.last_error().text());
  std::int64_t deadline = now_ns() + static_cast<std::int64_t>(c.timeout_s) * 1'000'000'000LL;
  r.start = now_ns();
  for (; r.done < c.msgs; ++r.done) {
    std::int64_t t0 = now_ns();
    if (t0 >= deadline) {
      r.status = "incomplete";
      break;
    }
    auto left = std::min<std::int64_t>(deadline - t0, 5'000'000'000LL);
    auto ec = co_await nc.request(c.subject, payload, reply, std::chrono::nanoseconds(left));
    std::int64_t t1 = now_ns();
    if (ec) {
      std::fprintf(stderr, "remaphore-bench: request %ld: %s\n", r.done, ec.message().c_str());
      r.status = "incomplete";
      break;
    }
    if (reply.payload.size() != static_cast<std::size_t>(c.size)) ++r.bad;
    r.latencies.push_back(t1 - t0);
  }
  r.end = now_ns();
  co_await nc.close();
}

int print_reqrep(const config& c, reqrep_result& r) {
  auto& lat = r.latencies;
  double secs = secs_between(r.start, r.end);
  double rate = r.done > 0 ? static_cast<double>(r.done) / secs : 0.0;
  double sum = 0;
  for (auto v : lat) sum += static_cast<double>(v);
  std::sort(lat.begin(), lat.end());
  std::printf("remaphore mode=reqrep msgs=%ld size=%d done=%ld secs=%.4f msgs_per_sec=%.0f", c.msgs, c.size, r.done,
              secs, rate);
  if (!lat.empty())
    std::printf(" p50_us=%.1f p90_us=%.1f p99_us=%.1f min_us=%.1f max_us=%.1f mean_us=%.1f", pct_us(lat, 50),
                pct_us(lat, 90), pct_us(lat, 99), static_cast<double>(lat.front()) / 1000.0,
                static_cast<double>(lat.back()) / 1000.0, sum / static_cast<double>(lat.size()) / 1000.0);
  if (r.bad > 0) {
    std::printf(" bad_size=%ld", r.bad);
    r.status = "errors";
  }
  print_cpu_and_status(r.status);
  return std::strcmp(r.status, "ok") == 0 ? exit_ok : exit_incomplete;
}

int run_reqrep(const config& c, const std::string& payload) {
  asio::io_context resp_ioc(1);
  std::promise<void> ready;
  auto ready_future = ready.get_future();
  std::atomic<bool> stop{false};
  std::exception_ptr resp_error;
  std::thread resp_thread([&] {
    try {
      run_on(resp_ioc, [&] { return echo_responder(c, resp_ioc, ready, stop); });
    } catch (...) {
      resp_error = std::current_exception();
    }
  });
  if (ready_future.wait_for(15s) != std::future_status::ready) {
    std::fprintf(stderr, "remaphore-bench: responder not ready\n");
    std::exit(exit_runtime);
  }
  reqrep_result r;
  r.latencies.reserve(static_cast<std::size_t>(c.msgs));
  asio::io_context ioc(1);
  run_on(ioc, [&] { return timed_requests(c, payload, ioc, r); });
  stop = true;
  resp_thread.join();
  if (resp_error) std::rethrow_exception(resp_error);
  return print_reqrep(c, r);
}

// ---- command line ------------------------------------------------------------------

void usage(FILE* f) {
  std::fprintf(f,
               "usage: remaphore-bench [--url URL] --mode pub|sub|pubsub|reqrep [--msgs N] [--size BYTES]\n"
               "                       [--subs K] [--subject SUBJ] [--timeout SECS]\n"
               "  --url      server URL (default nats://127.0.0.1:4222)\n"
               "  --mode     pub, sub (waits for an outside publisher), pubsub, reqrep\n"
               "  --msgs     messages to publish / to receive per subscriber / requests (default 100000)\n"
               "  --size     payload bytes (default 128)\n"
               "  --subs     subscribers for sub and pubsub, one connection each (default 1, max %d)\n"
               "  --subject  subject (default remaphore.bench)\n"
               "  --timeout  bound on each wait and on the measured phase, seconds (default 60)\n"
               "  --tls-ca   CA file for tls:// and wss:// URLs\n"
               "  --payload  a file whose bytes are the payload of every message (instead of --size)\n",
               max_subs);
}

long parse_long(const char* opt, const char* v, long lo, long hi) {
  char* end = nullptr;
  errno = 0;
  long x = std::strtol(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0' || x < lo || x > hi) {
    std::fprintf(stderr, "remaphore-bench: %s must be an integer in [%ld, %ld], got '%s'\n", opt, lo, hi, v);
    std::exit(exit_usage);
  }
  return x;
}

config parse_args(int argc, char** argv) {
  config c;
  bool have_mode = false;
  static const option longopts[] = {{"url", required_argument, nullptr, 'u'},
                                    {"mode", required_argument, nullptr, 'm'},
                                    {"msgs", required_argument, nullptr, 'n'},
                                    {"size", required_argument, nullptr, 's'},
                                    {"subs", required_argument, nullptr, 'k'},
                                    {"subject", required_argument, nullptr, 'j'},
                                    {"timeout", required_argument, nullptr, 't'},
                                    {"help", no_argument, nullptr, 'h'},
                                    {"tls-ca", required_argument, nullptr, 'a'},
                                    {"payload", required_argument, nullptr, 'p'},
                                    {nullptr, 0, nullptr, 0}};
  int ch;
  while ((ch = getopt_long(argc, argv, "h", longopts, nullptr)) != -1) {
    switch (ch) {
      case 'u': c.url = optarg; break;
      case 'm':
        have_mode = false;
        for (int i = 0; i < 4; ++i)
          if (std::strcmp(optarg, mode_names[i]) == 0) {
            c.m = static_cast<mode>(i);
            have_mode = true;
          }
        if (!have_mode) {
          std::fprintf(stderr, "remaphore-bench: unknown mode '%s'\n", optarg);
          std::exit(exit_usage);
        }
        break;
      case 'n': c.msgs = parse_long("--msgs", optarg, 1, 100000000L); break;
      case 's': c.size = static_cast<int>(parse_long("--size", optarg, 0, 64L * 1024 * 1024)); break;
      case 'k': c.subs = static_cast<int>(parse_long("--subs", optarg, 1, max_subs)); break;
      case 'j': c.subject = optarg; break;
      case 'a': c.tls_ca = optarg; break;
      case 'p': c.payload_file = optarg; break;
      case 't': c.timeout_s = static_cast<int>(parse_long("--timeout", optarg, 1, 3600)); break;
      case 'h': usage(stdout); std::exit(exit_ok);
      default: usage(stderr); std::exit(exit_usage);
    }
  }
  if (optind < argc || !have_mode) {
    usage(stderr);
    std::exit(exit_usage);
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  config c = parse_args(argc, argv);
  // Hard bound: connect + setup + measured phase (+ drain) can never exceed this.
  alarm(static_cast<unsigned>(c.timeout_s) * 2 + 30);

  std::string payload(static_cast<std::size_t>(c.size), '\0');
  for (int i = 0; i < c.size; ++i) payload[static_cast<std::size_t>(i)] = static_cast<char>('a' + i % 26);
  if (!c.payload_file.empty()) {
    std::ifstream in(c.payload_file, std::ios::binary);
    if (!in) fail(exit_usage, "--payload", std::make_error_code(std::errc::no_such_file_or_directory), c.payload_file);
    payload.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    c.size = static_cast<int>(payload.size());
  }

  try {
    int rc = exit_usage;
    switch (c.m) {
      case mode::pub: rc = run_pub(c, payload); break;
      case mode::sub: rc = run_sub_modes(c, payload, false); break;
      case mode::pubsub: rc = run_sub_modes(c, payload, true); break;
      case mode::reqrep: rc = run_reqrep(c, payload); break;
    }
    std::fflush(stdout);
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "remaphore-bench: %s\n", e.what());
    return exit_runtime;
  }
}
