#include "core/discover/acceptance.hpp"

#include <algorithm>

namespace remaphore::core {
namespace {

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out.empty() ? "none" : out;
}

bool lists(const std::vector<std::string>& verbs, std::string_view verb, bool star_counts) {
  return std::any_of(verbs.begin(), verbs.end(),
                     [&](const std::string& v) { return v == verb || (star_counts && v == "*"); });
}

}  // namespace

// In the order the listener's pipeline checks them, so that the reason given is the
// one its own log would give.
std::optional<refusal> why_not_accepted(const protocol::listener_status& s, std::string_view verb,
                                        std::string_view pattern, std::string_view asking_key) {
  const std::string quoted = "'" + std::string(verb) + "'";
  if (!lists(s.verbs_for_you, verb, true))
    return refusal{"verb-not-allowed", "its [ Peers ] line for your key does not allow " + quoted +
                                           " (it allows: " + join(s.verbs_for_you) + ")"};
  if (s.filter == protocol::destination_filter::exact && pattern != s.destination)
    return refusal{"destination-filter", "it takes only the exact destination '" + s.destination + "' (-D), not '" +
                                             std::string(pattern) + "'"};
  if (s.uuid_filter) return refusal{"uuid-filter", "it waits for one message id (-u)"};
  if (!s.verb_filter.empty() && !lists(s.verb_filter, verb, false))
    return refusal{"verb-filter", "it takes only the verbs " + join(s.verb_filter) + " (-v)"};
  if (s.sender_filter && *s.sender_filter != asking_key)
    return refusal{"sender-filter", "it takes only sender " + *s.sender_filter + " (-p)"};
  return std::nullopt;
}

}  // namespace remaphore::core
