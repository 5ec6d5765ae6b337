// What a receiver does with an accepted message once it is its turn, as the receive
// policy decided: runs the command (if it is to run) and, when the sender asked for a
// reply, answers with "<exit code>,<output>" (or NO_DATA when no command runs) in a
// signed reply that fits the server's max_payload, bound to the request (its uuid
// carries the first 12 bytes of the request's hash). Every command run and every
// reply sent leaves an audit record.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/accepted_message.hpp"
#include "core/message_handler.hpp"
#include "core/metrics.hpp"
#include "core/output_echo.hpp"
#include "core/respond/audit.hpp"
#include "core/respond/remembered_replies.hpp"
#include "core/respond/runner.hpp"
#include "nats/client.hpp"
#include "protocol/config.hpp"

namespace remaphore::core {

inline constexpr std::size_t default_max_reply_output = 64 * 1024;

struct responder_options {
  std::vector<std::string> command;  // run as command... VERB PAYLOAD; empty: none
  bool destmatch_env = true;         // set REMAPHORE_DESTMATCH (not with -d)
  std::size_t max_reply_output = default_max_reply_output;
  output_echo* echo = nullptr;  // the command's whole output also goes here
  std::string subject_root;
  const protocol::identity* replier = nullptr;  // signs replies; null: cannot reply
  // Answer every request with this output and exit code 0 instead of running
  // anything (emulated nodes that measure the messaging, not the commands).
  std::optional<std::string> fixed_output;
  // How long a sent reply is kept to be sent again (the replay window).
  std::chrono::nanoseconds remember_for = std::chrono::seconds(6);
  listener_metrics* metrics = nullptr;  // commands run are counted here when served
};

// The command line and environment for one message.
command_spec command_for(const responder_options& o, const accepted_message& m);

// "<exit code>,<output>", the output cut at max_output with a marker saying so.
std::string reply_payload(const command_result& r, std::size_t max_output);

// A signed reply to request_hash no longer than max_payload: the payload's end is cut
// (with a marker) when the whole would not fit.
std::string fit_reply(const protocol::identity& id, const protocol::digest& request_hash, std::string payload,
                      std::size_t max_payload, std::int64_t now_ns);

class responder final : public message_handler {
 public:
  responder(nats::client& c, responder_options o) : client_(c), opts_(std::move(o)), remembered_(opts_.remember_for) {}

  bool has_command() const override { return !opts_.command.empty() || opts_.fixed_output.has_value(); }
  boost::asio::awaitable<void> handle(const accepted_message& m, handling how) override;
  void answer_again(const protocol::digest& request_hash) override;
  void not_handled(const accepted_message& m, std::string_view why) override;
  std::uint64_t replies_sent() const override { return replies_sent_; }

 private:
  void answer(const audited_message& a, const std::string& payload);

  nats::client& client_;
  responder_options opts_;
  std::uint64_t replies_sent_ = 0;
  remembered_replies remembered_;
};

}  // namespace remaphore::core
