// remaphore-fleet: N emulated nodes in one process, to measure fan-out and requests at
// the scale of a real fleet on one machine. Each node has its own NATS connection,
// its own key pair and destination (fleet.g<k>.n<i>), and runs the real core receiver
// and responder: it accepts what the pipeline accepts, answers a request with a
// fixed line instead of running a process, and answers a discovery with its status.
//
// Flow: main() raises the descriptor limit, makes the keys, writes controller.conf
// (the config for `remaphore -s` / `remaphore -r` with every node as a peer), starts
// one thread per core, each with its own io_context and a share of the nodes, and
// prints "subscribed" once every node is. Then, for each message the nodes accept, it
// prints the spread of the time from its publish (the envelope's send time) to each
// node's acceptance, once no node has accepted it for a second; after the server was
// lost, how long the nodes took to come back and the peak rate of their reconnects. SIGINT or SIGTERM
// stops the nodes and prints the totals of every node's pipeline.
//
// Exit codes: 0 after a signal, 2 usage, 3 when the nodes could not all connect (the
// server's max_connections, the system's limits: the message says which).
#include <getopt.h>
#include <signal.h>
#include <sys/resource.h>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/discover/status_responder.hpp"
#include "core/receive/receiver.hpp"
#include "core/replay/replay_cache.hpp"
#include "core/respond/responder.hpp"
#include "log/log.hpp"
#include "nats/client.hpp"
#include "protocol/config.hpp"
#include "protocol/envelope.hpp"
#include "protocol/keys.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
namespace protocol = remaphore::protocol;
namespace core = remaphore::core;
namespace nats = remaphore::nats;
namespace rlog = remaphore::log;

namespace {

struct settings {
  // --url, repeatable: node i connects to urls[i % n] first, the others are its
  // failover list, so the nodes are spread across a cluster's servers.
  std::vector<std::string> urls;
  std::size_t nodes = 1000;
  std::size_t group_size = 100;  // fleet.g<i / group_size>.n<i>
  std::string dir = ".";
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::string reply = "ok";
  std::string latencies_file;  // every acceptance: "uuid destination milliseconds"
  std::chrono::seconds connect_bound{120};
  std::chrono::milliseconds reconnect_spread{2000};  // as a receiver's default reconnect_jitter
};

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr,
               "remaphore-fleet: %s\n"
               "usage: remaphore-fleet [--url URL]... [--nodes N] [--group-size G] [--dir DIR] [--threads T]\n"
               "                       [--reply TEXT] [--latencies FILE] [--connect-bound SECONDS]\n"
               "                       [--reconnect-spread-ms MS]\n",
               what.c_str());
  std::exit(2);
}

std::size_t parse_count(const char* opt, const char* v, std::size_t lo, std::size_t hi) {
  char* end = nullptr;
  unsigned long long x = std::strtoull(v, &end, 10);
  if (end == v || *end != '\0' || x < lo || x > hi) usage_error(std::string(opt) + ": expected a number");
  return static_cast<std::size_t>(x);
}

settings parse_args(int argc, char** argv) {
  settings s;
  static const option longopts[] = {{"url", required_argument, nullptr, 'u'},
                                    {"nodes", required_argument, nullptr, 'n'},
                                    {"group-size", required_argument, nullptr, 'g'},
                                    {"dir", required_argument, nullptr, 'd'},
                                    {"threads", required_argument, nullptr, 't'},
                                    {"reply", required_argument, nullptr, 'r'},
                                    {"latencies", required_argument, nullptr, 'l'},
                                    {"connect-bound", required_argument, nullptr, 'c'},
                                    {"reconnect-spread-ms", required_argument, nullptr, 's'},
                                    {nullptr, 0, nullptr, 0}};
  for (int ch; (ch = getopt_long(argc, argv, "", longopts, nullptr)) != -1;) {
    switch (ch) {
      case 'u': s.urls.push_back(optarg); break;
      case 'n': s.nodes = parse_count("--nodes", optarg, 1, 1000000); break;
      case 'g': s.group_size = parse_count("--group-size", optarg, 1, 1000000); break;
      case 'd': s.dir = optarg; break;
      case 't': s.threads = static_cast<unsigned>(parse_count("--threads", optarg, 1, 256)); break;
      case 'r': s.reply = optarg; break;
      case 'l': s.latencies_file = optarg; break;
      case 'c': s.connect_bound = std::chrono::seconds(parse_count("--connect-bound", optarg, 1, 3600)); break;
      case 's':
        s.reconnect_spread = std::chrono::milliseconds(parse_count("--reconnect-spread-ms", optarg, 0, 600000));
        break;
      default: usage_error("unknown option");
    }
  }
  if (s.urls.empty()) s.urls.push_back("nats://127.0.0.1:4222");
  return s;
}

// Each node needs a socket; the server's side is its own business.
void raise_descriptor_limit(std::size_t nodes) {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < nodes + 64) {
    std::fprintf(stderr,
                 "remaphore-fleet: %zu nodes need %zu file descriptors, and this process may have only %llu "
                 "(raise the hard limit: ulimit -Hn, or LimitNOFILE= in a unit)\n",
                 nodes, nodes + 64, static_cast<unsigned long long>(lim.rlim_cur));
    std::exit(3);
  }
}

// What a node's pipeline counted, read once the node has stopped.
struct pipeline_totals {
  std::uint64_t accepted = 0, signature_checks = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(core::drop_reason::count_)> dropped{};

  void add(const core::pipeline& p) {
    accepted += p.accepted();
    signature_checks += p.signature_checks();
    for (std::size_t r = 0; r < dropped.size(); ++r) dropped[r] += p.dropped(static_cast<core::drop_reason>(r));
  }
  void add(const pipeline_totals& o) {
    accepted += o.accepted;
    signature_checks += o.signature_checks;
    for (std::size_t r = 0; r < dropped.size(); ++r) dropped[r] += o.dropped[r];
  }
};

struct node {
  protocol::config cfg;
  pipeline_totals totals;
};

// Acceptances, by message, from every thread.
class acceptance_log {
 public:
  void record(const core::accepted_message& m) {
    auto ms = static_cast<double>(protocol::now_unix_ns() - m.fields.send_time_ns) / 1e6;
    auto uuid = protocol::hex_encode(m.fields.uuid.data(), m.fields.uuid.size());
    std::lock_guard lock(mutex_);
    auto& e = by_uuid_[uuid];
    e.latencies_ms.push_back(ms);
    e.last = std::chrono::steady_clock::now();
    if (latencies_) *latencies_ << uuid << ' ' << m.matched_destination << ' ' << ms << '\n';
  }
  void write_latencies_to(const std::string& path) { latencies_.emplace(path, std::ios::app); }

  // One line per message that no node has accepted for a second, each printed once.
  void report_quiet(std::size_t nodes) {
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    for (auto& [uuid, e] : by_uuid_) {
      if (e.reported || now - e.last < 1s) continue;
      e.reported = true;
      auto v = e.latencies_ms;
      std::sort(v.begin(), v.end());
      auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * v.size()))]; };
      std::printf(
          "fleet: message %s accepted by %zu of %zu nodes: p50 %.1f ms, p99 %.1f ms, max %.1f ms, min %.1f ms\n",
          uuid.c_str(), v.size(), nodes, at(0.5), at(0.99), v.back(), v.front());
      std::fflush(stdout);
    }
    if (latencies_) latencies_->flush();
  }

 private:
  struct entry {
    std::vector<double> latencies_ms;
    std::chrono::steady_clock::time_point last;
    bool reported = false;
  };
  std::mutex mutex_;
  std::map<std::string, entry> by_uuid_;
  std::optional<std::ofstream> latencies_;
};

// When nodes lost their server and when they were back: how long a fleet takes to
// return after a restart, and how many connections a second the server then sees.
class reconnect_log {
 public:
  void lost() {
    std::lock_guard lock(mutex_);
    if (!first_loss_) first_loss_ = std::chrono::steady_clock::now();
    ++lost_;
  }
  void back() {
    std::lock_guard lock(mutex_);
    back_.push_back(std::chrono::steady_clock::now());
  }
  // Once every node that was lost is back (and nothing for a second): one line.
  void report_when_settled() {
    std::lock_guard lock(mutex_);
    if (!first_loss_ || back_.size() < lost_ || back_.empty()) return;
    if (std::chrono::steady_clock::now() - back_.back() < 1s) return;
    std::sort(back_.begin(), back_.end());
    std::size_t peak = 0;
    for (std::size_t i = 0, j = 0; i < back_.size(); ++i) {
      while (back_[i] - back_[j] > 100ms) ++j;
      peak = std::max(peak, i - j + 1);
    }
    auto secs = [&](auto d) { return std::chrono::duration<double>(d).count(); };
    std::printf(
        "fleet: %zu nodes reconnected, the last %.2f s after the first lost its server, the first after %.2f s; "
        "peak %zu connections in 100 ms\n",
        back_.size(), secs(back_.back() - *first_loss_), secs(back_.front() - *first_loss_), peak);
    std::fflush(stdout);
    first_loss_.reset();
    back_.clear();
    lost_ = 0;
  }

 private:
  std::mutex mutex_;
  std::optional<std::chrono::steady_clock::time_point> first_loss_;
  std::size_t lost_ = 0;
  std::vector<std::chrono::steady_clock::time_point> back_;
};

struct fleet_state {
  std::atomic<std::size_t> subscribed{0};
  std::atomic<std::size_t> failed{0};
  std::mutex failure_mutex;
  std::string first_failure;
  acceptance_log accepted;
  reconnect_log reconnects;
};

}  // namespace

namespace {

std::string destination_of(const settings& s, std::size_t i) {
  return "fleet.g" + std::to_string(i / s.group_size) + ".n" + std::to_string(i);
}

// The server list of node i: its own server first, then the others in turn.
std::vector<std::string> servers_of(const settings& s, std::size_t i) {
  std::vector<std::string> out;
  for (std::size_t k = 0; k < s.urls.size(); ++k) out.push_back(s.urls[(i + k) % s.urls.size()]);
  return out;
}

std::string identity_line(const protocol::key_pair& k) { return k.pub.to_base58() + " " + k.priv.to_base58() + " [*]"; }

// Node configs, and controller.conf: a sender and requester with every node as a peer.
std::vector<node> make_fleet(const settings& s) {
  auto controller = protocol::generate_key_pair();
  std::string conf;
  for (const auto& url : s.urls) conf += "server: " + url + "\n";
  conf += "allow_skew: 30s\nreplay_cache: off\n\n[ Identities ]\n" + identity_line(controller) + "\n\n[ Peers ]\n";
  std::vector<node> fleet(s.nodes);
  for (std::size_t i = 0; i < s.nodes; ++i) {
    auto k = protocol::generate_key_pair();
    auto& c = fleet[i].cfg;
    c.servers = servers_of(s, i);
    c.destination = destination_of(s, i);
    c.allow_skew = 30s;
    c.replay_record = "off";
    c.identities.push_back({k.pub, k.priv, {"*"}});
    c.peers.push_back({"fleet.controller", controller.pub, {"*"}});
    conf += c.destination + " " + k.pub.to_base58() + " [*]\n";
  }
  auto path = s.dir + "/controller.conf";
  std::ofstream out(path);
  out << conf;
  if (!out) {
    std::fprintf(stderr, "remaphore-fleet: cannot write %s\n", path.c_str());
    std::exit(3);
  }
  ::chmod(path.c_str(), 0600);
  return fleet;
}

asio::awaitable<void> wait_stop(asio::steady_timer& stop) {
  boost::system::error_code ec;
  co_await stop.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// Connects, retrying while the server is busy accepting thousands of others.
asio::awaitable<bool> connect_node(nats::client& c, const settings& s, fleet_state& st) {
  auto end = std::chrono::steady_clock::now() + s.connect_bound;
  std::minstd_rand rng(std::random_device{}());
  asio::steady_timer pause(co_await asio::this_coro::executor);
  for (;;) {
    auto ec = co_await c.connect();
    if (!ec) co_return true;
    if (std::chrono::steady_clock::now() >= end) {
      std::lock_guard lock(st.failure_mutex);
      if (st.first_failure.empty()) st.first_failure = c.error_text() + " (" + ec.message() + ")";
      ++st.failed;
      co_return false;
    }
    pause.expires_after(std::chrono::milliseconds(100 + rng() % 900));
    boost::system::error_code wait_ec;
    co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, wait_ec));
  }
}

// At most this many nodes of a thread handshake at once: ten thousand connecting
// together overflow the server's accept queue, and the retries that follow only add
// to the load.
class connect_gate {
 public:
  explicit connect_gate(asio::any_io_executor ex, std::size_t slots) : wake_(ex), free_(slots) {}
  asio::awaitable<void> enter() {
    while (free_ == 0) {
      wake_.expires_at(asio::steady_timer::time_point::max());
      boost::system::error_code ec;
      co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    --free_;
  }
  void leave() {
    ++free_;
    wake_.cancel_one();
  }

 private:
  asio::steady_timer wake_;
  std::size_t free_;
};

asio::awaitable<bool> connect_through(connect_gate& gate, nats::client& c, const settings& s, fleet_state& st) {
  co_await gate.enter();
  bool ok = co_await connect_node(c, s, st);
  gate.leave();
  co_return ok;
}

asio::awaitable<void> run_node(node& n, const settings& s, fleet_state& st, asio::steady_timer& stop,
                               connect_gate& gate) {
  nats::options o;
  o.servers = n.cfg.servers;
  o.randomize = false;  // its own server first: the nodes stay spread
  o.name = n.cfg.destination;
  o.reconnect_spread = s.reconnect_spread;
  o.on_event = [&st](const nats::conn_event& e) {
    if (e.kind == nats::conn_event_kind::disconnected) st.reconnects.lost();
    if (e.kind == nats::conn_event_kind::reconnected) st.reconnects.back();
  };
  nats::client c(co_await asio::this_coro::executor, o);
  auto connected = co_await (connect_through(gate, c, s, st) || wait_stop(stop));
  if (connected.index() == 0 && std::get<0>(connected)) {
    core::responder_options ro;
    ro.subject_root = n.cfg.subject;
    ro.replier = &n.cfg.identities.front();
    ro.fixed_output = s.reply;
    core::responder r(c, ro);
    core::status_responder_options so;
    so.subject_root = n.cfg.subject;
    so.replier = ro.replier;
    so.version = REMAPHORE_VERSION " (remaphore-fleet)";
    core::status_responder status(c, n.cfg, so);
    core::receiver_options opt;
    opt.discovery = &status;
    opt.on_ready = [&] { ++st.subscribed; };
    opt.on_accepted = [&](const core::accepted_message& m) { st.accepted.record(m); };
    core::replay_cache seen(core::receiver_replay_window(n.cfg, std::nullopt), 100000);
    core::receiver rx(c, n.cfg, opt, r, seen);
    co_await (rx.run() || wait_stop(stop));
    n.totals.add(rx.stages());
  }
  co_await c.close();
}

}  // namespace

namespace {

// One io_context per thread, each running its share of the nodes until stopped.
class node_threads {
 public:
  node_threads(std::vector<node>& fleet, const settings& s, fleet_state& st) {
    for (unsigned t = 0; t < s.threads; ++t) lanes_.push_back(std::make_unique<lane>());
    for (std::size_t i = 0; i < fleet.size(); ++i) {
      auto& l = *lanes_[i % lanes_.size()];
      asio::co_spawn(l.ioc, run_node(fleet[i], s, st, l.stop, l.gate), asio::detached);
    }
    for (auto& l : lanes_) l->thread = std::thread([&ioc = l->ioc] { ioc.run(); });
  }
  // Stops every node (each closes its connection) and waits for the threads.
  void stop_and_join() {
    for (auto& l : lanes_) asio::post(l->ioc, [&stop = l->stop] { stop.cancel(); });
    for (auto& l : lanes_) l->thread.join();
  }

 private:
  struct lane {
    asio::io_context ioc{1};
    asio::steady_timer stop{ioc, asio::steady_timer::time_point::max()};
    connect_gate gate{ioc.get_executor(), 64};
    std::thread thread;
  };
  std::vector<std::unique_ptr<lane>> lanes_;
};

bool stop_requested(const sigset_t& signals) {
  timespec zero{0, 0};
  return sigtimedwait(&signals, nullptr, &zero) > 0;
}

// Waits (bounded) until every node is subscribed or has given up.
bool wait_subscribed(const settings& s, fleet_state& st, const sigset_t& signals) {
  auto start = std::chrono::steady_clock::now();
  auto next_progress = start + 5s;
  while (st.subscribed + st.failed < s.nodes) {
    if (stop_requested(signals)) return false;
    std::this_thread::sleep_for(20ms);
    if (std::chrono::steady_clock::now() < next_progress) continue;
    next_progress += 5s;
    std::fprintf(stderr, "remaphore-fleet: %zu of %zu nodes subscribed\n", st.subscribed.load(), s.nodes);
  }
  if (st.failed > 0) {
    std::fprintf(stderr,
                 "remaphore-fleet: %zu of %zu nodes could not connect within %llds; the first said: %s\n"
                 "(a server refusing connections has reached its max_connections; 'Too many open files' is "
                 "this system's limit)\n",
                 st.failed.load(), s.nodes, static_cast<long long>(s.connect_bound.count()), st.first_failure.c_str());
    return false;
  }
  std::printf("fleet: %zu nodes subscribed in %.2f s on %u threads; controller config %s/controller.conf\n", s.nodes,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), s.threads,
              s.dir.c_str());
  std::fflush(stdout);
  return true;
}

void print_totals(const std::vector<node>& fleet) {
  pipeline_totals t;
  for (const auto& n : fleet) t.add(n.totals);
  std::string drops;
  for (std::size_t r = 0; r < t.dropped.size(); ++r)
    if (t.dropped[r])
      drops += std::string(drops.empty() ? "" : ", ") + core::to_string(static_cast<core::drop_reason>(r)) + ": " +
               std::to_string(t.dropped[r]);
  std::printf("fleet: totals: %llu accepted, %llu signature checks, dropped: %s\n",
              static_cast<unsigned long long>(t.accepted), static_cast<unsigned long long>(t.signature_checks),
              drops.empty() ? "none" : drops.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  auto s = parse_args(argc, argv);
  raise_descriptor_limit(s.nodes);
  rlog::configure(rlog::level::error, rlog::format::text);
  protocol::crypto_init();
  // Signals are taken by sigtimedwait in the main thread only.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  fleet_state st;
  if (!s.latencies_file.empty()) st.accepted.write_latencies_to(s.latencies_file);
  auto fleet = make_fleet(s);
  node_threads threads(fleet, s, st);
  bool ready = wait_subscribed(s, st, signals);
  while (ready && !stop_requested(signals)) {
    st.accepted.report_quiet(s.nodes);
    st.reconnects.report_when_settled();
    std::this_thread::sleep_for(100ms);
  }
  threads.stop_and_join();
  st.accepted.report_quiet(s.nodes);
  print_totals(fleet);
  return ready ? 0 : 3;
}
