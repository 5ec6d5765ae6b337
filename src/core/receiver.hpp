// A receiver: subscribes, runs every message through the pipeline, and executes
// what the receive policy decides: answer, queue the command, finish.
//
// Flow: run() subscribes live (and to retained signals with --since), flushes so the
// subscriptions are in place, logs "ready", then runs side by side until one ends:
//   read_live(), read_retained()  message -> pipeline -> policy -> act
//   follow_after_reconnects()   with --since: after a lost connection, ask the stream
//                               again from the last retained signal seen (the old
//                               consumer may have expired, or the stream appeared)
//   dispatch()                  queued commands, one at a time, in arrival order
//   wait_deadline()             -t
//   report_drops()              drop summaries, once per second per reason
//   write_echo()                the commands' output, copied to our stdout
// A finish or the deadline cancels the rest (a running command's process group
// is ended by the runner).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "core/drop_summary.hpp"
#include "core/outcome.hpp"
#include "core/pipeline.hpp"
#include "core/receive_policy.hpp"
#include "core/responder.hpp"
#include "nats/client.hpp"
#include "protocol/config.hpp"

namespace remaphore::core {

struct receiver_options {
  filters filter;
  receive_rules rules;
  std::optional<std::string> subject;                             // -S
  std::optional<std::chrono::nanoseconds> since;                  // --since
  std::optional<std::chrono::steady_clock::time_point> deadline;  // -t
  output_echo* echo = nullptr;                               // the commands' output on our stdout, written out by run()
  std::function<void()> on_ready;                            // called once subscribed (e.g. to tell systemd)
  std::function<void(const accepted_message&)> on_accepted;  // each message that passed every check
  host_replay* host_record = nullptr;                        // the host-wide replay record, if any
};

class receiver {
 public:
  receiver(nats::client& c, const protocol::config& cfg, receiver_options o, responder& r);

  boost::asio::awaitable<outcome> run();

  const pipeline& stages() const { return pipeline_; }
  const receive_policy& policy() const { return policy_; }

 private:
  boost::asio::awaitable<bool> subscribe();
  boost::asio::awaitable<outcome> read_live();
  boost::asio::awaitable<outcome> read_retained();
  boost::asio::awaitable<outcome> follow_after_reconnects();
  boost::asio::awaitable<void> follow_again();
  boost::asio::awaitable<outcome> idle();
  boost::asio::awaitable<std::optional<outcome>> on_message(const nats::message& m,
                                                            std::chrono::nanoseconds retained_for);
  boost::asio::awaitable<outcome> dispatch();
  boost::asio::awaitable<outcome> wait_deadline();
  boost::asio::awaitable<outcome> report_drops();
  boost::asio::awaitable<outcome> write_echo();
  void count_drop(const verdict& v);
  void log_accepted(const accepted_message& m, bool retained) const;
  void log_drop_summaries(bool all);
  void log_totals() const;
  void warn_host_problem(const std::string& problem);
  std::string ready_text() const;

  nats::client& client_;
  const protocol::config& cfg_;
  receiver_options opts_;
  responder& responder_;
  pipeline pipeline_;
  receive_policy policy_;
  bool finished_ = false;
  bool host_problem_warned_ = false;

  nats::subscription_ptr live_, retained_;
  std::uint64_t retained_seq_ = 0;  // stream sequence of the last retained signal read
  boost::asio::steady_timer retained_wake_;
  std::deque<accepted_message> queue_;
  boost::asio::steady_timer queue_wake_;
  drop_summary suspicious_drops_, routine_drops_;
  boost::asio::steady_timer drops_wake_;
};

}  // namespace remaphore::core
