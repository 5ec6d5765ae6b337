// What a requester says while and after it runs: the progress line, why batches were
// left out, --require-all's verdict, dropped replies, and the summary at the end.
#include <algorithm>

#include "core/report_text.hpp"
#include "core/request/requester.hpp"
#include "log/log.hpp"

namespace remaphore::core {
using std::chrono::steady_clock;

// Who signed a reply that no configured peer did, in one place (the words come from
// the reply's bytes): usually a host that was given a new key.
std::string describe_unknown_reply(std::string_view key, std::string_view destination) {
  return "a reply to this request came from key " + clipped(key) +
         ", which is not a configured peer (claimed destination: " +
         (destination.empty() ? std::string("none") : "'" + clipped(destination) + "'") +
         "): its command may have run; if a host was given a new key, put it in [ Peers ]";
}

void requester::draw_progress() {
  const auto now = steady_clock::now();
  const std::size_t batch_count = opts_.batch_size > 0 ? plan_.batch_count() : 0;
  progress_.update(format_progress(tally_, total_peers_, now - started_, batches_started_, batch_count), now);
}

// Names what was not asked and why, when batches were left out.
void requester::report_stop() {
  const auto not_asked = plan_.peers_from(batches_started_);
  if (not_asked.empty() || stop_ == batch_stop::none) return;
  const std::string where =
      "after batch " + std::to_string(batches_started_) + " of " + std::to_string(plan_.batch_count());
  const std::string rest = "; not asked: " + join_destinations(not_asked);
  switch (stop_) {
    case batch_stop::failure: log::error("stopped " + where + ": failed: " + describe_failures(tally_) + rest); break;
    case batch_stop::silence:
      log::error("stopped " + where + ": silent: " + join_destinations(tally_.silent()) + rest);
      break;
    case batch_stop::deadline: log::warn("the -t deadline passed " + where + rest); break;
    default: log::error("stopped " + where + rest); break;
  }
}

// --require-all: a run that is not all well says who spoiled it.
void requester::report_require_all(const request_summary& s) {
  if (!opts_.require_all || outcome_of(s, true) == outcome::done || stop_ == batch_stop::interrupted) return;
  std::string text = "not every addressed peer answered with exit code 0 (--require-all)";
  if (tally_.failed() > 0) text += "; failed: " + describe_failures(tally_);
  if (const auto silent = tally_.silent(); !silent.empty()) text += "; silent: " + join_destinations(silent);
  if (!s.not_asked.empty()) text += "; not asked: " + join_destinations(s.not_asked);
  log::error(text);
}

void requester::finish() {
  progress_.finish();
  if (opts_.sort) {
    std::stable_sort(held_.begin(), held_.end(),
                     [](const auto& a, const auto& b) { return a.first->destination < b.first->destination; });
    for (const auto& [peer, text] : held_) out_(text);
  }
  report_stop();
  const auto s = summary();
  report_require_all(s);
  if (opts_.json) out_(format_summary_json(s));
  log::info("summary: " + format_summary_text(s));
}

request_summary requester::summary() const {
  request_summary s;
  s.tally = &tally_;
  s.not_asked = plan_.peers_from(batches_started_);
  s.elapsed = steady_clock::now() - started_;
  s.batch_size = opts_.batch_size;
  s.batches_run = batches_started_;
  s.batch_count = plan_.batch_count();
  s.stopped = stop_;
  s.unknown_keys = unknown_keys_;
  return s;
}

void requester::warn_dropped(std::string_view wire, reply_drop why) {
  protocol::envelope_text env;
  const protocol::peer* peer = nullptr;
  if (protocol::split(wire, env) == protocol::decode_error::ok) peer = peers_.find(env.sender);
  if (why == reply_drop::unknown_peer) return warn_unknown_key(env.sender, env.destination);
  warn_dropped(peer, why);
}

// Once per key: a reply from a key we do not know is a host whose answer we cannot
// trust, and the summary says so, so that it is not taken for a silent host.
void requester::warn_unknown_key(std::string_view key, std::string_view destination) {
  auto named = clipped(key);
  if (std::find(unknown_keys_.begin(), unknown_keys_.end(), named) != unknown_keys_.end()) return;
  constexpr std::size_t most_named = 100;  // a flood of made-up keys stays bounded
  if (unknown_keys_.size() >= most_named)
    return log::debug("dropped a reply: " + describe_unknown_reply(key, destination));
  unknown_keys_.push_back(std::move(named));
  log::warn(describe_unknown_reply(key, destination));
}

// A reply from a configured peer that we cannot take is worth a warning, once per
// peer: usually a Go responder whose replies are not bound to the request.
void requester::warn_dropped(const protocol::peer* peer, reply_drop why) {
  if (!peer || why == reply_drop::duplicate || !warned_.insert(peer).second) {
    log::debug(std::string("dropped a reply: ") + to_string(why));
    return;
  }
  std::string text = std::string(to_string(why)) + " (from " + peer->destination + ")";
  if (why == reply_drop::unbound)
    text = "reply from " + peer->destination +
           " not bound to this request; set accept_unbound_replies: yes for Go responders";
  log::warn(text);
}

}  // namespace remaphore::core
