#include "core/discover/status_responder.hpp"

#include "log/log.hpp"
#include "protocol/envelope.hpp"
#include "protocol/reply.hpp"
#include "protocol/subjects.hpp"

namespace remaphore::core {
using namespace std::chrono_literals;

namespace {

constexpr auto warn_again_after = 1min;
constexpr std::size_t most_keys_remembered = 1024;

}  // namespace

status_responder::status_responder(nats::client& c, const protocol::config& cfg, status_responder_options o)
    : client_(c), opts_(std::move(o)), gate_(cfg, opts_.replay_window) {}

void status_responder::on_discovery(std::string_view wire, const protocol::listener_status& self) {
  const auto v = gate_.check(wire, self, protocol::now_unix_ns(), std::chrono::steady_clock::now());
  if (v.drop != discovery_drop::none) return report_drop(v);
  if (!opts_.replier) return log::error("cannot answer a discovery: the config has no identity to sign with");
  auto status = self;
  status.version = opts_.version;
  status.verbs_for_you = v.peer->verbs;
  const auto reply =
      protocol::make_reply(*opts_.replier, v.hash, protocol::encode_status(status), protocol::now_unix_ns());
  if (auto ec = client_.publish(protocol::subjects::reply(opts_.subject_root, v.hash), reply))
    return log::error("cannot answer a discovery: " + ec.message());
  ++answered_;
  log::info("answered a discovery from " + v.peer->destination + " (" + v.sender_b58 + ")");
}

void status_responder::report_drop(const discovery_verdict& v) {
  switch (v.drop) {
    case discovery_drop::unknown_peer: return warn_unknown(v.sender_b58);
    case discovery_drop::not_allowed:
      return log::info("did not answer a discovery from " + v.peer->destination + " (" + v.sender_b58 +
                       "): its permissions in [ Peers ] do not include discover");
    default: return log::debug(std::string("dropped a discovery request: ") + to_string(v.drop));
  }
}

// Named, so that the admin sees which key to add to [ Peers ]; once a minute per key,
// so that a flood of them cannot fill the log.
void status_responder::warn_unknown(const std::string& key) {
  const auto now = std::chrono::steady_clock::now();
  auto it = warned_.find(key);
  if (it != warned_.end() && now - it->second < warn_again_after)
    return log::debug("dropped a discovery request from unknown key " + key);
  if (it == warned_.end() && warned_.size() >= most_keys_remembered) warned_.clear();
  warned_[key] = now;
  log::warn("did not answer a discovery from " + key +
            ", which is not a configured peer (add it to [ Peers ] "
            "with the verb discover to be listed by it)");
}

}  // namespace remaphore::core
