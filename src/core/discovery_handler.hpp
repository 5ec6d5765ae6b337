// What a listener does with a discovery request: the receiver subscribes to the
// discovery subject beside its own and hands each message there to this, with what
// it can say of itself at that moment. A discovery never reaches the pipeline, the
// receive policy, the command or the replay record: it is answered with a status,
// or not at all. core/discover implements it.
#pragma once
#include <string_view>

#include "protocol/status.hpp"

namespace remaphore::core {

class discovery_handler {
 public:
  virtual ~discovery_handler() = default;
  // `self`: the listener's status without `verbs_for_you`, which depends on who asks.
  virtual void on_discovery(std::string_view wire, const protocol::listener_status& self) = 0;
};

}  // namespace remaphore::core
