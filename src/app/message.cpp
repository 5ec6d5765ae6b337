#include "app/message.hpp"

#include "log/log.hpp"
#include "protocol/envelope.hpp"

namespace remaphore::app {
namespace {

// The identity that signs (config::signing_identity), or nullptr after logging why none.
const protocol::identity* choose_identity(const cli_options& cli, const protocol::config& cfg,
                                          const std::string& verb) {
  auto s = cfg.signing_identity(verb, cli.pubkey);
  if (!s.id) log::error(cli.pubkey ? "-p: " + s.why_none : s.why_none + " (in " + cli.config_path + ")");
  return s.id;
}

std::string join(const std::vector<std::string>& words, const std::string& fallback) {
  if (words.empty()) return fallback;
  std::string s;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i) s += ' ';
    s += words[i];
  }
  return s;
}

}  // namespace

std::optional<message_plan> plan_message(const cli_options& cli, const protocol::config& cfg, bool request) {
  message_plan p;
  p.verb_ = cli.verbs.empty() ? "ping" : cli.verbs.front();
  p.destination_ = cli.dest.value_or("**");
  if (!protocol::fits_in_field(p.verb_) || !protocol::fits_in_field(p.destination_)) {
    log::error("the verb and the destination cannot contain ','");
    return std::nullopt;
  }
  p.id_ = choose_identity(cli, cfg, p.verb_);
  if (!p.id_) return std::nullopt;
  p.payload_ = join(cli.rest, "ping");
  p.uuid_ = cli.uuid;
  p.request_ = request;
  return p;
}

std::string message_plan::sign(const std::optional<std::string>& destination) const {
  protocol::envelope_fields f;
  f.destination = destination.value_or(destination_);
  f.send_time_ns = protocol::now_unix_ns();
  f.uuid = protocol::uuid_from(uuid_.value_or(""));
  f.verb = verb_;
  f.request = request_;
  f.payload = payload_;
  return protocol::encode(id_->priv, f);
}

}  // namespace remaphore::app
