// Who a request asks, and in which batch: the pure plan of a request run.
//
// A plain request is one message to the -D pattern, expected to be answered by every
// peer whose destination matches it. A rolling request (--batch N) addresses the same
// peers N at a time, in config order, each by its exact destination: one message per
// destination, so a node outside the batch drops it at the destination filter, before
// any signature check, and Go responders (which know nothing of batches) take part.
// Peers that share a destination are one address: they are asked together, by one
// message, and count as one of the N.
#pragma once
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/config.hpp"

namespace remaphore::core {

// One message of a run: the destination (pattern) it carries and the peers expected
// to answer it.
struct request_target {
  std::string destination;
  std::vector<const protocol::peer*> peers;
};

class batch_plan {
 public:
  // One batch holding one message to `pattern` for every peer in `peers`.
  static batch_plan single(std::string pattern, std::vector<const protocol::peer*> peers);
  // `size` destinations a batch (size >= 1), in the order their first peer has in `peers`.
  static batch_plan rolling(const std::vector<const protocol::peer*>& peers, std::size_t size);

  std::size_t batch_count() const { return batches_.size(); }
  const std::vector<request_target>& batch(std::size_t index) const { return batches_.at(index); }
  // The peers of the batches from `first` on: who is not asked when the run stops
  // before batch `first`.
  std::vector<const protocol::peer*> peers_from(std::size_t first) const;
  std::size_t peer_count() const { return peers_from(0).size(); }

 private:
  std::vector<std::vector<request_target>> batches_;
};

// Why a rolling request starts no further batch.
enum class batch_stop {
  none,         // every batch was asked (or the run goes on)
  failure,      // --batch-stop-on-failure: a peer answered with a non-zero exit code
  silence,      // --batch-stop-on-failure: a peer did not answer before the batch ended
  deadline,     // the -t deadline passed
  lost,         // the connection was lost for good
  interrupted,  // a signal ended the run
};
const char* to_string(batch_stop s);

// What ended a batch, as far as the next one is concerned.
struct batch_result {
  std::size_t failed = 0;  // answers with a non-zero exit code
  std::size_t silent = 0;  // peers asked in this batch that did not answer
};

// Whether to start the next batch: a failure outranks silence (it is what the
// operator has to look at first).
batch_stop after_batch(const batch_result& r, bool stop_on_failure, bool deadline_passed);

// When a batch stops waiting: `batch_timeout` after it starts (none: no bound of its
// own), but never after the whole run's -t deadline.
using time_point = std::chrono::steady_clock::time_point;
std::optional<time_point> batch_deadline(time_point start, std::optional<std::chrono::nanoseconds> batch_timeout,
                                         std::optional<time_point> run_deadline);

}  // namespace remaphore::core
