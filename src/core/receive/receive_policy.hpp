// The receiver's decision for each accepted message, and at its deadline: whether it
// counts, whether the command runs (now, queued or not at all), whether it is
// answered, and whether the receiver is done. Made here and nowhere else. Pure: no
// I/O, no clock; the receiver coroutine executes what it returns.
//
//   -n K        count distinct senders; finish at the K-th (its message is handled)
//   -o, -u      finish with the first message
//   otherwise   with a command: queue it (bounded); without: answer requests at once
#pragma once
#include <cstddef>
#include <cstdint>
#include <set>

#include "core/accepted_message.hpp"
#include "core/message_handler.hpp"
#include "core/outcome.hpp"

namespace remaphore::core {

enum class action {
  none,        // counted, nothing to do
  handle_now,  // handle it now (an answer without a command, which runs nothing)
  enqueue,     // handle it when it is this message's turn in the command queue
  queue_full,  // the command queue is at its bound: dropped
  finish,      // handle this message now, then end with outcome::done
};

struct receive_rules {
  unsigned count = 0;  // -n K; 0: not a barrier
  bool once = false;   // -o, or -u without -n
  bool has_command = false;
  std::size_t queue_limit = 10000;
};

struct decision {
  action what = action::none;
  handling how;  // for handle_now, enqueue and finish
};

class receive_policy {
 public:
  explicit receive_policy(receive_rules r) : rules_(r) {}

  // `queued`: commands waiting now.
  decision on_accepted(const accepted_message& m, std::size_t queued);
  outcome on_deadline() const;

  std::uint64_t accepted() const { return accepted_; }
  std::size_t peers_counted() const { return senders_.size(); }
  const receive_rules& rules() const { return rules_; }

 private:
  action next_step(const accepted_message& m, std::size_t queued);

  receive_rules rules_;
  std::uint64_t accepted_ = 0;
  std::set<protocol::key_bytes> senders_;  // -n: who has sent so far
};

}  // namespace remaphore::core
