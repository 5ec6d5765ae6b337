// The signed message of a send or a request, from the command line: checked once
// before connecting (a usage error is exit 2 before anything goes out), signed when
// it goes out (so that a late batch's send time is as fresh as the first).
#pragma once
#include <optional>
#include <string>

#include "app/cli.hpp"
#include "protocol/config.hpp"

namespace remaphore::app {

class message_plan {
 public:
  // The wire bytes, signed now; `destination` replaces -D (a rolling request
  // addresses each peer by its own destination, checked when the plan was made).
  std::string sign(const std::optional<std::string>& destination = std::nullopt) const;

 private:
  friend std::optional<message_plan> plan_message(const cli_options& cli, const protocol::config& cfg, bool request);
  const protocol::identity* id_ = nullptr;
  std::string verb_, destination_, payload_;
  std::optional<std::string> uuid_;  // -u as given; none: random for each message
  bool request_ = false;
};

// The plan, or nullopt after logging why not: no identity may sign the verb, or the
// verb or destination cannot go into an envelope.
std::optional<message_plan> plan_message(const cli_options& cli, const protocol::config& cfg, bool request);

}  // namespace remaphore::app
