// A discovery: who is listening among the peers whose destination matches -D, asked
// without running anything. One signed request (verb "discover") goes to the
// discovery subject; every listener of ours that it reaches and that allows our key
// the verb answers with its status, bound to the request like any reply.
//
// Flow: run() subscribes to the request's reply subject, publishes, flushes, then
// takes the replies (each burst as it arrived) until every expected peer answered or
// the deadline passed: each is checked (answer_check), counted (discovery_tally) and
// printed at once, one line or one JSON object per host. At the end: the expected
// peers that did not answer are named, and the summary (a log record; with --json an
// object on stdout too).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/discover/answer_check.hpp"
#include "core/discover/discovery_tally.hpp"
#include "core/outcome.hpp"
#include "core/peer_index.hpp"
#include "nats/client.hpp"
#include "protocol/config.hpp"

namespace remaphore::core {

struct discover_options {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point deadline;  // -t, from the start of the process
  std::string pattern = "**";                      // -D
  std::string verb = "ping";                       // -v: the verb each answer is judged for
  std::string asking_key;                          // the key the request is signed with (base58)
  bool json = false;                               // --json
};

class discoverer {
 public:
  using output = std::function<void(std::string_view)>;

  // `wire`: the signed discovery request.
  discoverer(nats::client& c, const protocol::config& cfg, std::string wire, discover_options o, output out);

  boost::asio::awaitable<outcome> run();

 private:
  boost::asio::awaitable<bool> send();
  boost::asio::awaitable<void> collect(const nats::subscription_ptr& replies);
  void take(const nats::message& m);
  void finish();

  nats::client& client_;
  const protocol::config& cfg_;
  discover_options opts_;
  output out_;
  std::string wire_;
  protocol::digest hash_;
  peer_index peers_;
  answer_check check_;
  discovery_tally tally_;
};

}  // namespace remaphore::core
