// What a receiver says: its `ready` line, each accepted message, drops (each at
// debug level, summarised once a second per reason), and its totals at the end.
#include "core/receive/receiver.hpp"
#include "core/report_text.hpp"
#include "log/log.hpp"
#include "protocol/duration.hpp"

namespace remaphore::core {

std::string receiver::ready_text() const {
  const auto& f = opts_.filter;
  std::string dest = f.no_destination      ? std::string("any destination")
                     : f.exact_destination ? "destination " + *f.exact_destination
                                           : "destination " + cfg_.destination;
  std::string text = "ready: listening on " + live_->subject() + " at " + client_.current_server() + " for " + dest;
  if (opts_.since) text += " (and signals retained in the last " + protocol::format_duration(*opts_.since) + ")";
  if (discovery_) text += "; answering discoveries on " + discovery_->subject();
  return text;
}

namespace {

// Who a message says sent it, where to and what, for the drops that an admin must be
// able to trace to a host: one function, since every word here is a peer's.
std::string describe_claims(const verdict& v) {
  return "key " + clipped(std::string(v.claimed_sender)) + ", claimed destination '" +
         clipped(std::string(v.claimed_destination)) + "', verb '" + clipped(std::string(v.claimed_verb)) + "'";
}

bool names_sender(drop_reason r) {
  return r == drop_reason::unknown_peer || r == drop_reason::verb_not_allowed || r == drop_reason::bad_signature;
}

}  // namespace

// Each drop is a debug line; the summary of its reason (a warning when suspicious) is
// rate-limited, and names the sender of the first drop of each of its lines.
void receiver::count_drop(const verdict& v) {
  std::string_view why = describe_drop(v.reason, v.decode);
  const bool named = names_sender(v.reason);
  if (log::enabled(log::level::debug))
    log::debug("dropped a message: " + std::string(why) + (named ? " (" + describe_claims(v) + ")" : ""));
  auto& summary = is_routine(v.reason) ? routine_drops_ : suspicious_drops_;
  if (summary.add(why) && named) summary.note_detail(why, describe_claims(v));
  drops_wake_.cancel();
}

void receiver::log_drop_summaries(bool all) {
  auto now = drop_summary::clock::now();
  for (auto& l : all ? suspicious_drops_.take_all(now) : suspicious_drops_.take_due(now)) log::warn(describe(l));
  for (auto& l : all ? routine_drops_.take_all(now) : routine_drops_.take_due(now)) log::debug(describe(l));
}

// Once: a record that stays unusable would otherwise say so for every message.
void receiver::warn_host_problem(const std::string& problem) {
  if (std::exchange(host_problem_warned_, true)) return log::debug("host-wide replay record: " + problem);
  log::warn("host-wide replay record: " + problem + " (this process's own replay cache still applies)");
}

void receiver::log_totals() const {
  std::uint64_t dropped = 0;
  for (std::size_t r = 0; r < static_cast<std::size_t>(drop_reason::count_); ++r)
    dropped += pipeline_.dropped(static_cast<drop_reason>(r));
  log::write(log::level::info,
             "received " + group_thousands(pipeline_.accepted() + dropped) + " messages, " +
                 group_thousands(pipeline_.accepted()) + " passed every check" +
                 (not_run_ > 0 ? " (" + group_thousands(not_run_) + " of them not run)" : std::string()) + ", " +
                 group_thousands(dropped) + " dropped",
             {{"passed", static_cast<std::int64_t>(pipeline_.accepted())},
              {"not_run", static_cast<std::int64_t>(not_run_)},
              {"dropped", static_cast<std::int64_t>(dropped)}});
}

void receiver::copy_metrics(listener_metrics& m) const {
  m.accepted = pipeline_.accepted();
  m.received = m.accepted;
  m.dropped.clear();
  for (std::size_t r = 0; r < static_cast<std::size_t>(drop_reason::count_); ++r) {
    const auto reason = static_cast<drop_reason>(r);
    m.received += pipeline_.dropped(reason);
    m.dropped.emplace_back(label_of(reason), pipeline_.dropped(reason));
  }
  m.dropped.emplace_back("queue_full", queue_full_);  // accepted, then not run
  m.queue_depth = queue_.size();
  m.replies_sent = handler_.replies_sent();
}

void receiver::log_accepted(const accepted_message& m) const {
  std::string text = "accepted '" + clipped(m.fields.verb) + "' from " + (m.peer ? m.peer->destination : "?") + " (" +
                     m.sender_b58 + ")";
  if (m.retained) text += " (retained)";
  if (opts_.count > 0)
    text += ", " + std::to_string(policy_.peers_counted()) + " of " + std::to_string(opts_.count) + " peers so far";
  log::info(text);
}

}  // namespace remaphore::core
