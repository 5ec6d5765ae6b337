// The count of a request run: who was asked, who answered and how, who stayed silent,
// and the outcome for the exit code (the texts made from it are in report.hpp).
// Pure: the requester feeds it, the tests drive it by hand.
#pragma once
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/outcome.hpp"
#include "core/request/batch_plan.hpp"
#include "protocol/config.hpp"
#include "protocol/reply.hpp"

namespace remaphore::core {

using protocol::reply_status;

class request_tally {
 public:
  // A message went out that `p` is expected to answer.
  void expect(const protocol::peer* p);
  // `p` answered. A configured peer that answers a message not meant for it (its node
  // has another destination than our config says) ran the command all the same: it
  // is counted as asked and answered. False for a second answer of the same peer.
  bool record(const protocol::peer* p, const reply_status& s);
  // `p` had not answered when a signal ended the run: its command may still have been
  // running, so it is not called silent.
  void interrupt(const protocol::peer* p);

  std::size_t asked() const { return order_.size(); }
  std::size_t answered() const { return answers_.size(); }
  std::size_t failed() const;
  bool answered_by(const protocol::peer* p) const { return answers_.contains(p); }
  // The answer of `p`, or nullptr.
  const reply_status* answer_of(const protocol::peer* p) const;
  // Asked and not answered (nor interrupted), in the order they were asked.
  std::vector<const protocol::peer*> silent() const;
  // Asked, not answered when a signal ended the run, in the order they were asked.
  std::vector<const protocol::peer*> interrupted() const;
  // Answered with a non-zero (or unreadable) exit code, in the order they were asked.
  std::vector<std::pair<const protocol::peer*, reply_status>> failures() const;

 private:
  std::vector<const protocol::peer*> order_;
  std::map<const protocol::peer*, reply_status> answers_;
  std::set<const protocol::peer*> known_;  // everyone in order_, for a quick look-up
  std::set<const protocol::peer*> interrupted_;
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
  std::vector<std::string> unknown_keys;  // replies came signed by these keys, not by peers
};

// The exit of a run. Not strict, as for any request: done when at least one peer
// answered, else timed_out. Strict (--require-all, --batch-stop-on-failure): done only
// when every peer of every batch answered with exit code 0 (or NO_DATA); anything
// less is timed_out (exit 1).
outcome outcome_of(const request_summary& s, bool strict);

}  // namespace remaphore::core
