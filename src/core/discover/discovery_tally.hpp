// The count of a discovery: the configured peers whose destination matches the
// pattern (expected), who answered, who answered but would not accept the verb the
// operator means to send, who did not answer, and answers from keys we do not know.
// Pure: the discoverer feeds it, the tests drive it by hand.
#pragma once
#include <cstddef>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/discover/acceptance.hpp"
#include "core/discover/answer_check.hpp"
#include "protocol/config.hpp"

namespace remaphore::core {

class discovery_tally {
 public:
  // `verb`, `pattern`, `asking_key`: the message whose acceptance each answer is judged for.
  discovery_tally(std::vector<const protocol::peer*> expected, std::string verb, std::string pattern,
                  std::string asking_key);

  // Records a peer's answer (a peer that was not expected counts too: it answered)
  // and returns why it would not accept the verb, if it would not.
  std::optional<refusal> record(const host_answer& a);
  void record_stranger(const host_answer& a) { strangers_.push_back(a); }

  bool all_answered() const;
  std::size_t expected() const { return expected_.size(); }
  std::size_t answered() const { return answers_.size(); }
  const std::string& verb() const { return verb_; }
  // Expected and not answered, in config order.
  std::vector<const protocol::peer*> no_answer() const;
  // Answered but would not accept the verb, in the order they answered.
  const std::vector<std::pair<const protocol::peer*, refusal>>& would_not_accept() const { return refused_; }
  const std::vector<host_answer>& strangers() const { return strangers_; }

 private:
  std::vector<const protocol::peer*> expected_;
  std::unordered_set<const protocol::peer*> is_expected_;
  std::string verb_, pattern_, asking_key_;
  std::map<const protocol::peer*, bool> answers_;  // peer -> would accept
  std::size_t expected_answered_ = 0;
  std::vector<std::pair<const protocol::peer*, refusal>> refused_;
  std::vector<host_answer> strangers_;
};

}  // namespace remaphore::core
