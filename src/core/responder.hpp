// What a receiver does with an accepted message once it is its turn: runs the
// command (if there is one) and, when the sender asked for a reply, answers with
// "<exit code>,<output>" (or NO_DATA without a command) in a signed reply that fits
// the server's max_payload. The reply is bound to the request: its uuid carries the
// first 12 bytes of the request's hash.
#pragma once
#include <array>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/output_echo.hpp"
#include "core/pipeline.hpp"
#include "core/remembered_replies.hpp"
#include "core/runner.hpp"
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
};

// The command line and environment for one message.
command_spec command_for(const responder_options& o, const accepted_message& m);

// "<exit code>,<output>", the output cut at max_output with a marker saying so.
std::string reply_payload(const command_result& r, std::size_t max_output);

// A signed reply to request_hash no longer than max_payload: the payload's end is cut
// (with a marker) when the whole would not fit.
std::string fit_reply(const protocol::identity& id, const std::array<std::uint8_t, 32>& request_hash,
                      std::string payload, std::size_t max_payload, std::int64_t now_ns);

class responder {
 public:
  responder(nats::client& c, responder_options o) : client_(c), opts_(std::move(o)), remembered_(opts_.remember_for) {}

  bool has_command() const { return !opts_.command.empty(); }
  std::uint64_t replies_sent() const { return replies_sent_; }
  // Sends again the reply to this request if one was sent within the replay window:
  // its requester lost its connection and asked again. False when there is none.
  bool resend(const std::array<std::uint8_t, 32>& request_hash);
  // Runs the command for m (if any) and answers m if it asked for a reply.
  boost::asio::awaitable<void> handle(const accepted_message& m);

 private:
  boost::asio::awaitable<std::string> run(const accepted_message& m);
  void answer(const accepted_message& m, const std::string& payload);

  nats::client& client_;
  responder_options opts_;
  std::uint64_t replies_sent_ = 0;
  remembered_replies remembered_;
};

}  // namespace remaphore::core
