// A listener's answer to a discovery: a signed reply bound to the request, like every
// reply, whose payload is the listener's status (protocol/status.hpp). It runs
// nothing. Only a configured peer allowed the verb "discover" (or "*") is answered;
// an unknown key gets no answer and a warning naming it, once a minute per key.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/discover/discovery_gate.hpp"
#include "core/discovery_handler.hpp"
#include "nats/client.hpp"
#include "protocol/config.hpp"

namespace remaphore::core {

struct status_responder_options {
  std::string subject_root;
  const protocol::identity* replier = nullptr;  // signs the status; null: cannot answer
  std::string version;
  std::chrono::nanoseconds replay_window = std::chrono::seconds(6);
};

class status_responder final : public discovery_handler {
 public:
  status_responder(nats::client& c, const protocol::config& cfg, status_responder_options o);

  void on_discovery(std::string_view wire, const protocol::listener_status& self) override;
  std::uint64_t answered() const { return answered_; }

 private:
  void report_drop(const discovery_verdict& v);
  void warn_unknown(const std::string& key);

  nats::client& client_;
  status_responder_options opts_;
  discovery_gate gate_;
  std::uint64_t answered_ = 0;
  std::map<std::string, std::chrono::steady_clock::time_point> warned_;  // unknown keys, when last named
};

}  // namespace remaphore::core
