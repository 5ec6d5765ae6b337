// Which server to try next, and how long to wait before trying again.
//
// Flow: the client keeps one server_pool for its life (the configured servers plus
// those INFO connect_urls announce). For each connect, retried connect or reconnect
// it makes a connect_plan and executes its steps: try_server(i) -> the client
// attempts that server and calls failed() when it does not work; wait(until) ->
// the client sleeps; give_up -> the client reports the attempts it made. Nothing
// here does I/O or reads a clock: `now` is passed in and randomness comes from an
// injected source, so every decision is unit-tested.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "nats/proto/handshake.hpp"

namespace remaphore::nats {

struct pool_settings {
  bool randomize = true;                               // shuffle the order of each round
  bool ignore_discovered = false;                      // do not add INFO connect_urls
  std::chrono::milliseconds reconnect_wait{100};       // first backoff step
  std::chrono::milliseconds reconnect_wait_max{5000};  // backoff cap
  std::chrono::milliseconds reconnect_jitter{100};     // uniform extra per round
  std::chrono::milliseconds reconnect_spread{0};       // uniform delay before the first reconnect
};

// Uniformly distributed 64-bit values.
using random_source = std::function<std::uint64_t()>;

// A seed for the engines that shuffle servers and name inboxes, from getrandom(2).
// std::random_device would first ask the CPU which sources it has (cpuid), which a
// virtual machine traps at a cost of tens of microseconds in every process.
std::uint64_t random_seed();

class server_pool {
 public:
  // Without a random source, one seeded with random_seed().
  explicit server_pool(pool_settings settings = {}, random_source random = {});

  // A configured server. false (and nothing added) when the URL does not parse.
  bool add(std::string_view url);
  // Servers announced by our server, reached the way we reach it (`kind`): those
  // not known yet (by host and port) are added. Returns their URLs, for events.
  std::vector<std::string> add_discovered(const std::vector<std::string>& announced, transport_kind kind);

  std::size_t size() const { return servers_.size(); }
  bool empty() const { return servers_.empty(); }
  const server_url& url(std::size_t i) const { return servers_[i].url; }

  // One round: every server once, shuffled unless randomize is off, `last` (the
  // server just lost, most likely the one that is down) at the end.
  std::vector<std::size_t> round_order(std::optional<std::size_t> last);
  // The wait after `failed_rounds` rounds that all failed: reconnect_wait doubled
  // per round up to reconnect_wait_max, plus up to reconnect_jitter.
  std::chrono::milliseconds backoff(int failed_rounds);
  // Before the first reconnect attempt: up to reconnect_spread, so that a fleet that
  // lost its server together does not come back in step.
  std::chrono::milliseconds spread();

  // Auth refusals per server. Returns true when this server refused with the same
  // words the previous time it was tried: our credentials are wrong, and trying
  // again would only hide that.
  bool refused_again(std::size_t i, std::string_view reason);
  // Any other outcome breaks the "in a row".
  void clear_refusal(std::size_t i) { servers_[i].last_refusal.clear(); }

 private:
  struct entry {
    server_url url;
    std::string last_refusal;  // the -ERR text of the previous attempt, when it was a refusal
  };
  std::uint64_t uniform(std::uint64_t max);  // in [0, max]

  pool_settings settings_;
  random_source random_;
  std::vector<entry> servers_;
};

class connect_plan {
 public:
  using clock = std::chrono::steady_clock;
  enum class mode {
    once,            // each server once, then give up
    until_deadline,  // rounds with backoff until the deadline
    reconnect,       // rounds with backoff until told to stop
  };
  struct settings {
    mode how = mode::once;
    clock::time_point deadline = clock::time_point::max();
    std::optional<std::size_t> lost;           // tried last in each round
    std::chrono::milliseconds first_delay{0};  // wait before the first attempt
  };
  struct step {
    enum kind_t { try_server, wait, give_up } kind;
    std::size_t server = 0;     // try_server
    clock::time_point until{};  // wait
  };

  connect_plan(server_pool& pool, settings s) : pool_(pool), settings_(s) {}

  step next(clock::time_point now);
  // The attempt at `server` failed. An auth refusal repeated by the same server
  // ends the plan (except `once`, which tries each server anyway); so does a local
  // fault (an unreadable credentials file) in `once` mode.
  void failed(std::size_t server, std::error_code ec, std::string_view reason);
  void succeeded(std::size_t server) { pool_.clear_refusal(server); }

  bool refused_twice() const { return refused_twice_; }

 private:
  enum class phase { start, new_round, in_round };
  step wait_until(clock::time_point t) const;

  server_pool& pool_;
  settings settings_;
  phase phase_ = phase::start;
  std::vector<std::size_t> order_;
  std::size_t next_ = 0;
  int failed_rounds_ = 0;
  bool refused_twice_ = false;
  bool local_fault_ = false;
};

}  // namespace remaphore::nats
