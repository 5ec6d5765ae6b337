// A receiver: subscribes (live, and to the retained-signal stream with --since), runs
// each message through the pipeline, asks the host-wide replay record, lets the
// receive policy decide, and has the message handler run commands and answer.
//
// Flow: run() subscribes (to the discovery subject too, when it answers discoveries),
// says `ready`, then races until_finished() against the background branches (live,
// retained and discovery reading, following the stream again after a reconnect, the
// command queue, the deadline, drop summaries). A discovery goes to its handler with
// the receiver's status, never through the pipeline. A branch that
// decides how the run ends calls finish(); the branches never end otherwise, so the
// race is won by until_finished() alone and its outcome is the run's.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "core/accepted_message.hpp"
#include "core/discovery_handler.hpp"
#include "core/message_handler.hpp"
#include "core/metrics.hpp"
#include "core/outcome.hpp"
#include "core/receive/drop_summary.hpp"
#include "core/receive/pipeline.hpp"
#include "core/receive/receive_policy.hpp"
#include "core/replay_checks.hpp"
#include "nats/client.hpp"
#include "protocol/config.hpp"

namespace remaphore::core {

struct receiver_options {
  filters filter;
  unsigned count = 0;                                             // -n K; 0: not a barrier
  bool once = false;                                              // -o, or -u without -n
  std::size_t queue_limit = 10000;                                // commands waiting to run
  std::optional<std::string> subject;                             // -S
  std::optional<std::chrono::nanoseconds> since;                  // --since
  std::optional<std::chrono::steady_clock::time_point> deadline;  // -t
  std::function<void()> on_ready;                                 // called once subscribed (e.g. to tell systemd)
  std::function<void(const accepted_message&)> on_accepted;       // each message that passed every check
  host_acceptance* host_record = nullptr;                         // the host-wide replay record, if any
  discovery_handler* discovery = nullptr;                         // answers discoveries; null: not subscribed
  listener_metrics* metrics = nullptr;                            // counted here when served (--metrics)
};

// How long a receiver must remember accepted hashes: the replay window, or, with
// --since, as long as the oldest signal it may take (one read again after a
// reconnect must not be taken twice).
std::chrono::nanoseconds receiver_replay_window(const protocol::config& cfg,
                                                const std::optional<std::chrono::nanoseconds>& since);

class receiver {
 public:
  // `seen`: this process's memory of accepted hashes, for the pipeline's replay stage.
  receiver(nats::client& c, const protocol::config& cfg, receiver_options o, message_handler& handler,
           replay_memory& seen);

  boost::asio::awaitable<outcome> run();

  const pipeline& stages() const { return pipeline_; }
  // What this receiver says of itself to a discovery (receiver_status.cpp).
  protocol::listener_status status() const;

 private:
  boost::asio::awaitable<bool> subscribe();
  boost::asio::awaitable<outcome> until_finished();
  boost::asio::awaitable<void> background();
  boost::asio::awaitable<void> read_live();
  boost::asio::awaitable<void> read_retained();
  boost::asio::awaitable<void> read_discovery();
  boost::asio::awaitable<void> follow_after_reconnects();
  boost::asio::awaitable<void> follow_again();
  boost::asio::awaitable<void> dispatch();
  void report_not_run();
  boost::asio::awaitable<void> wait_deadline();
  boost::asio::awaitable<void> report_drops();
  boost::asio::awaitable<void> on_message(const nats::message& m, std::chrono::nanoseconds retained_for);
  boost::asio::awaitable<bool> host_says_replay(const accepted_message& m, steady_time received);
  boost::asio::awaitable<void> act_on(accepted_message& m, decision d);
  void finish(outcome o);
  void count_drop(const verdict& v);
  void log_accepted(const accepted_message& m) const;
  void log_drop_summaries(bool all);
  void log_totals() const;
  void copy_metrics(listener_metrics& m) const;
  void warn_host_problem(const std::string& problem);
  std::string ready_text() const;

  nats::client& client_;
  const protocol::config& cfg_;
  receiver_options opts_;
  message_handler& handler_;
  pipeline pipeline_;
  receive_policy policy_;
  bool finishing_ = false;  // handling the message that ends the run
  std::optional<outcome> finished_;
  boost::asio::steady_timer finished_wake_;
  bool host_problem_warned_ = false;
  bool host_record_failing_ = false;  // the last answer of the host-wide record was "cannot use it"
  steady_time subscribed_at_{};
  std::optional<std::int64_t> last_accepted_ns_;  // unix time of the last accepted message

  nats::subscription_ptr live_, retained_, discovery_;
  std::uint64_t retained_seq_ = 0;  // stream sequence of the last retained signal read
  boost::asio::steady_timer retained_wake_;
  std::deque<std::pair<accepted_message, handling>> queue_;
  boost::asio::steady_timer queue_wake_;
  drop_summary suspicious_drops_, routine_drops_;
  std::uint64_t queue_full_ = 0;   // messages dropped because the command queue was full
  std::uint64_t not_run_ = 0;      // accepted, queued, and not run when the run ended
  std::string retained_consumer_;  // --since: the consumer reading the stream
  boost::asio::steady_timer drops_wake_;
};

}  // namespace remaphore::core
