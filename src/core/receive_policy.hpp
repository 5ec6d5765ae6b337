// The receiver's decision for each accepted message, and at its deadline. Pure: no
// I/O, no clock; the receiver coroutine executes what it returns.
//
//   -n K        count distinct senders; finish at the K-th (its message is handled)
//   -o, -u      finish with the first message
//   otherwise   with a command: queue it (bounded); without: answer requests at once
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <set>

#include "core/outcome.hpp"
#include "core/pipeline.hpp"

namespace remaphore::core {

enum class action {
  none,        // counted, nothing to do
  answer,      // reply NO_DATA now (no command to run)
  enqueue,     // run the command when it is this message's turn
  queue_full,  // the command queue is at its bound: dropped
  finish,      // handle this message (command, reply), then end with outcome::done
};
const char* to_string(action a);

struct receive_rules {
  unsigned count = 0;  // -n K; 0: not a barrier
  bool once = false;   // -o, or -u without -n
  bool has_command = false;
  std::size_t queue_limit = 10000;
};

class receive_policy {
 public:
  explicit receive_policy(receive_rules r) : rules_(r) {}

  // `queued`: commands waiting now.
  action on_accepted(const accepted_message& m, std::size_t queued);
  outcome on_deadline() const;

  std::uint64_t accepted() const { return accepted_; }
  std::size_t peers_counted() const { return senders_.size(); }
  const receive_rules& rules() const { return rules_; }

 private:
  receive_rules rules_;
  std::uint64_t accepted_ = 0;
  std::set<std::array<std::uint8_t, 32>> senders_;  // -n: who has sent so far
};

}  // namespace remaphore::core
