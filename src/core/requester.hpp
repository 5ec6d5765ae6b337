// A request: ask the peers whose destination matches -D, print each reply as it
// arrives, name the peers that stayed silent.
//
// Flow: run() subscribes to the reply subject (before the request goes out, so no
// fast reply is missed), publishes the signed request, flushes, then collects
// replies until every suspected peer has answered or the deadline passes. Each reply
// is checked by the reply collector (configured peer, bound to this request, once
// per peer, signature) and printed in one write, so replies never interleave.
#pragma once
#include <array>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/outcome.hpp"
#include "core/reply.hpp"
#include "nats/client.hpp"
#include "protocol/config.hpp"

namespace remaphore::core {

// The peers a request to `pattern` expects to hear from, in config order.
std::vector<const protocol::peer*> peers_matching(const protocol::config& cfg, std::string_view pattern);

// One reply as printed: "destination,exit-code,output" on one line, or framed by
// "--> MARKER" / "--< MARKER" lines when it has several; or one JSON object per line.
std::string format_reply_text(const collected_reply& r, std::string_view marker);
std::string format_reply_json(const collected_reply& r);

struct request_options {
  std::optional<std::string> subject;  // -S
  std::optional<std::chrono::steady_clock::time_point> deadline;
  bool json = false;
};

class requester {
 public:
  using output = std::function<void(std::string_view)>;

  requester(nats::client& c, const protocol::config& cfg, std::vector<const protocol::peer*> suspected,
            std::string wire, request_options o, output out);

  boost::asio::awaitable<outcome> run();

  std::size_t answered() const { return answered_.size(); }
  std::vector<const protocol::peer*> silent() const;

 private:
  boost::asio::awaitable<bool> send(nats::subscription_ptr& replies);
  boost::asio::awaitable<outcome> collect(const nats::subscription_ptr& replies);
  void accept(const nats::message& m);
  void warn_dropped(std::string_view wire, reply_drop why);

  nats::client& client_;
  const protocol::config& cfg_;
  std::vector<const protocol::peer*> suspected_;
  std::string wire_;
  std::array<std::uint8_t, 32> hash_;
  request_options opts_;
  output out_;
  reply_collector collector_;
  std::string marker_;
  std::set<std::array<std::uint8_t, 32>> answered_, warned_;
};

}  // namespace remaphore::core
