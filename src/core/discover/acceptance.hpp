// Whether a listener that answered a discovery would accept a message with a given
// verb and destination pattern from the key that asked, judged from its status: the
// requester's answer to "why did this host stay silent?" without sending anything
// that runs a command. Pure.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "protocol/status.hpp"

namespace remaphore::core {

struct refusal {
  std::string
      code;         // a word for scripts: verb-not-allowed, verb-filter, sender-filter, destination-filter, uuid-filter
  std::string why;  // a sentence for people
};

// nullopt when the listener would take the message (it may still be busy: see its queue).
std::optional<refusal> why_not_accepted(const protocol::listener_status& s, std::string_view verb,
                                        std::string_view pattern, std::string_view asking_key);

}  // namespace remaphore::core
