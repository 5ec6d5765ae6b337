#include "app/message.hpp"

#include "log/log.hpp"
#include "protocol/envelope.hpp"

namespace remaphore::app {
namespace {

// The identity that signs (config::signing_identity), or nullptr after logging why none.
const protocol::identity* choose_identity(const cli_options& cli, const protocol::config& cfg,
                                          const std::string& verb) {
  std::optional<protocol::public_key> key;
  if (cli.pubkey) key = protocol::parse_public_key(*cli.pubkey);  // checked by parse_cli
  auto s = cfg.signing_identity(verb, key);
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

std::optional<std::string> build_message(const cli_options& cli, const protocol::config& cfg, bool request,
                                         const std::optional<std::string>& destination) {
  std::string verb = cli.verbs.empty() ? "ping" : cli.verbs.front();
  std::string dest = destination.value_or(cli.dest.value_or("**"));
  if (verb.find(',') != std::string::npos || dest.find(',') != std::string::npos) {
    log::error("the verb and the destination cannot contain ','");
    return std::nullopt;
  }
  auto* id = choose_identity(cli, cfg, verb);
  if (!id) return std::nullopt;
  protocol::envelope_fields f;
  f.destination = dest;
  f.send_time_ns = protocol::now_unix_ns();
  f.uuid = protocol::uuid_from(cli.uuid.value_or(""));
  f.verb = verb;
  f.request = request;
  f.payload = join(cli.rest, "ping");
  return protocol::encode(id->priv, f);
}

}  // namespace remaphore::app
