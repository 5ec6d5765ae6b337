// What a receiver does with an accepted message once the receive policy has decided
// how: run the command or not, answer or not. The receiver knows only this; the
// responder (core/respond) implements it, the fleet emulator too.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string_view>

#include "core/accepted_message.hpp"

namespace remaphore::core {

// The receive policy's decision for one message.
struct handling {
  bool run_command = false;  // false: the answer, if any, is NO_DATA
  bool reply = false;        // the sender asked for a reply
};

class message_handler {
 public:
  virtual ~message_handler() = default;
  // Whether there is a command to run at all: the policy decides from this.
  virtual bool has_command() const = 0;
  virtual boost::asio::awaitable<void> handle(const accepted_message& m, handling how) = 0;
  // A request seen again (its requester lost its connection and asked again): send
  // the remembered reply, if one was sent within the replay window.
  virtual void answer_again(const protocol::digest& request_hash) = 0;
  virtual std::uint64_t replies_sent() const = 0;
  // An accepted message that will not be handled: the run ended while it waited.
  virtual void not_handled(const accepted_message& m, std::string_view why) = 0;
};

}  // namespace remaphore::core
