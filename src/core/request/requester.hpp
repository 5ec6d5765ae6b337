// A request: ask the peers whose destination matches -D, print each reply as it
// arrives, name the peers that stayed silent, sum up.
//
// Flow: run() walks the batch plan (one batch for a plain request; N destinations at
// a time with --batch). For each batch it signs one request per target now (so that
// the send time of the last batch of a long run is as fresh as the first), subscribes
// to each request's own reply subject before anything goes out (so no fast reply is
// missed), waits until the server has confirmed those subscriptions (a request
// whose replies cannot come back must run nothing anywhere), publishes them all and
// flushes once. Then one collector per request runs,
// side by side, until the peers of its request have answered or the batch's deadline
// passes; a reconnect meanwhile publishes the same signed requests again to whoever
// has not answered. Each reply is checked by that request's reply collector
// (configured peer, bound to that request, once per peer, signature: the replies
// that arrived together are checked side by side on every core) and printed in
// arrival order, each in one write, so replies never interleave. After the batch its subscriptions end (a late reply is
// of no use: the peer counts as silent) and after_batch() decides whether the next one starts. At the end: the replies
// sorted (--sort), the summary.
#pragma once
#include <array>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/outcome.hpp"
#include "core/peer_index.hpp"
#include "core/request/batch_plan.hpp"
#include "core/request/progress_line.hpp"
#include "core/request/reply_collector.hpp"
#include "core/request/report.hpp"
#include "core/request/request_tally.hpp"
#include "core/request/signature_pool.hpp"
#include "nats/client.hpp"
#include "protocol/config.hpp"

namespace remaphore::core {

struct request_options {
  // Where the run's elapsed time counts from (before connecting).
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::optional<std::string> subject;  // -S
  // -t: the end of the whole run, counted from the start of the process.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // --batch-timeout: how long each batch waits for its replies; none: until every
  // peer of the batch answered or the deadline passed.
  std::optional<std::chrono::nanoseconds> batch_timeout;
  std::size_t batch_size = 0;               // --batch N; 0: a plain request
  std::chrono::nanoseconds batch_sleep{0};  // --batch-sleep: a pause between two batches
  bool stop_on_failure = false;             // --batch-stop-on-failure
  bool require_all = false;                 // --require-all: all well, or exit 1
  bool json = false;                        // --json
  bool sort = false;                        // --sort: replies sorted by destination, at the end
  bool progress = false;                    // draw the live progress line (stderr is a terminal)
};

// The warning for a reply signed by a key that is not a configured peer.
std::string describe_unknown_reply(std::string_view key, std::string_view destination);

class requester {
 public:
  using output = std::function<void(std::string_view)>;
  // Signs a request to `destination` (a pattern, or a peer's exact destination) with
  // the current time (whether it can was checked before the run).
  using signer = std::function<std::string(const std::string& destination)>;

  requester(nats::client& c, const protocol::config& cfg, batch_plan plan, signer sign, request_options o, output out);
  ~requester();

  boost::asio::awaitable<outcome> run();

 private:
  struct pending_request;
  using batch_requests = std::vector<std::unique_ptr<pending_request>>;

  boost::asio::awaitable<void> run_all_batches();
  boost::asio::awaitable<void> run_batches();
  boost::asio::awaitable<batch_result> run_batch(std::size_t index);
  boost::asio::awaitable<batch_stop> pause_before(std::size_t next);
  boost::asio::awaitable<bool> send(batch_requests& requests);
  boost::asio::awaitable<bool> subscriptions_confirmed();
  boost::asio::awaitable<void> collect_batch(batch_requests& requests, std::optional<time_point> until,
                                             std::uint64_t reconnects);
  boost::asio::awaitable<void> ask_again_after_reconnects(batch_requests& requests, std::uint64_t seen);
  bool publish_unanswered(batch_requests& requests);
  boost::asio::awaitable<void> collect_all(batch_requests& requests, std::optional<time_point> until);
  boost::asio::awaitable<void> collect(pending_request& r, std::optional<time_point> until);
  boost::asio::awaitable<void> tick_progress();
  batch_requests sign_batch(std::size_t index);
  bool answered_all(const pending_request& r) const;
  batch_result end_batch(batch_requests& requests);
  void take_arrived(pending_request& r, std::vector<nats::message>& arrived);
  boost::asio::awaitable<void> accept(pending_request& r, const std::vector<nats::message>& arrived);
  void emit(const protocol::peer& from, std::string text);
  void draw_progress();
  void report_stop();
  void report_require_all(const request_summary& s);
  void finish();
  request_summary summary() const;
  void warn_dropped(std::string_view wire, reply_drop why);
  void warn_dropped(const protocol::peer* peer, reply_drop why);
  void warn_unknown_key(std::string_view key, std::string_view destination);

  nats::client& client_;
  const protocol::config& cfg_;
  peer_index peers_;
  signature_pool signatures_;
  batch_plan plan_;
  signer sign_;
  request_options opts_;
  output out_;
  std::string marker_;
  request_tally tally_;
  std::unordered_set<const protocol::peer*> warned_;
  std::vector<std::string> unknown_keys_;                            // keys not among the peers that sent us a reply
  std::vector<std::pair<const protocol::peer*, std::string>> held_;  // --sort: printed at the end
  std::chrono::steady_clock::time_point started_;
  std::size_t total_peers_;
  std::size_t batches_started_ = 0;
  batch_stop stop_ = batch_stop::none;
  progress_line progress_;
  bool stdout_is_terminal_;
};

}  // namespace remaphore::core
