// The count of a request run: who was asked, who answered and how, who stayed silent;
// and the texts made from it: the live progress line, the summary at the end (a log
// record, and with --json an object on stdout), and the outcome for the exit code.
// Pure: the requester feeds it, the tests drive it by hand.
#pragma once
#include <chrono>
#include <cstddef>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/batch_plan.hpp"
#include "core/outcome.hpp"
#include "protocol/config.hpp"

namespace remaphore::core {

// What a reply payload says about the command: "<exit code>,<output>" or NO_DATA (the
// responder runs no command). An exit code that is not a number (an odd responder)
// is kept as written and counts as a failure: it is not a 0.
struct reply_status {
  bool no_data = false;
  std::optional<long> exit_code;  // the number, when the code is one
  std::string code_text;          // the code as written ("" for NO_DATA)
  bool failed() const { return !no_data && exit_code != 0; }
};
reply_status status_of(std::string_view payload);
// The exit code as JSON: a number, the text when it is not one, null for NO_DATA.
nlohmann::json exit_code_json(const reply_status& s);

class request_tally {
 public:
  // A message went out that `p` is expected to answer.
  void expect(const protocol::peer* p);
  // `p` answered. A configured peer that answers a message not meant for it (its node
  // has another destination than our config says) ran the command all the same: it
  // is counted as asked and answered. False for a second answer of the same peer.
  bool record(const protocol::peer* p, const reply_status& s);

  std::size_t asked() const { return order_.size(); }
  std::size_t answered() const { return answers_.size(); }
  std::size_t failed() const;
  bool answered_by(const protocol::peer* p) const { return answers_.contains(p); }
  // The answer of `p`, or nullptr.
  const reply_status* answer_of(const protocol::peer* p) const;
  // Asked and not answered, in the order they were asked.
  std::vector<const protocol::peer*> silent() const;
  // Answered with a non-zero (or unreadable) exit code, in the order they were asked.
  std::vector<std::pair<const protocol::peer*, reply_status>> failures() const;

 private:
  std::vector<const protocol::peer*> order_;
  std::map<const protocol::peer*, reply_status> answers_;
  std::set<const protocol::peer*> known_;  // everyone in order_, for a quick look-up
};

// Everything the summary of a run says.
struct request_summary {
  const request_tally* tally = nullptr;
  std::vector<const protocol::peer*> not_asked;  // batches that never started
  std::chrono::nanoseconds elapsed{0};
  std::size_t batch_size = 0;  // 0: not a rolling request
  std::size_t batches_run = 0;
  std::size_t batch_count = 0;
  batch_stop stopped = batch_stop::none;
};

// "12/40 answered, 1 failed, 3.2s", with ", batch 2/4" for a rolling request. The
// total counts every peer of the run, asked yet or not.
std::string format_progress(const request_tally& t, std::size_t total, std::chrono::nanoseconds elapsed,
                            std::size_t batch, std::size_t batch_count);

// The summary sentence for the log: "10 asked, 9 answered, 1 failed (a: exit 3),
// 1 silent (b), 4 not asked (c, d, e, f), 3.2s".
std::string format_summary_text(const request_summary& s);
// One JSON object on one line whose only key is "summary"; reply objects never have
// that key, which is how a consumer tells them apart.
std::string format_summary_json(const request_summary& s);

// The exit of a run. Without --batch-stop-on-failure as for any request: done when
// at least one peer answered, else timed_out. With it, done only when every peer of
// every batch answered with exit code 0 (or NO_DATA); anything less is timed_out (exit 1).
outcome outcome_of(const request_summary& s, bool stop_on_failure);

// "3.2s"
std::string format_seconds(std::chrono::nanoseconds d);

}  // namespace remaphore::core
