#include "app/message.hpp"

#include "log/log.hpp"
#include "protocol/envelope.hpp"

namespace remaphore::app {
namespace {

// The identity that signs: -p if given, else the default identity if it may use
// the verb, else the first identity that may.
const protocol::identity* choose_identity(const cli_options& cli, const protocol::config& cfg,
                                          const std::string& verb) {
  if (cli.pubkey) {
    auto key = protocol::parse_public_key(*cli.pubkey);
    if (!key) {
      log::error("-p: '" + *cli.pubkey + "' is not a base58 public key");
      return nullptr;
    }
    auto* id = cfg.find_identity(*key);
    if (!id) {
      log::error("-p: no identity " + *cli.pubkey + " in " + cli.config_path);
      return nullptr;
    }
    if (!id->allows(verb)) {
      log::error("-p: identity " + *cli.pubkey + " may not use verb '" + verb + "'");
      return nullptr;
    }
    return id;
  }
  if (auto* id = cfg.effective_default_identity(); id && id->allows(verb)) return id;
  for (const auto& id : cfg.identities)
    if (id.allows(verb)) return &id;
  log::error("no identity in " + cli.config_path + " may use verb '" + verb + "'");
  return nullptr;
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

std::optional<std::string> build_message(const cli_options& cli, const protocol::config& cfg, bool request) {
  std::string verb = cli.verbs.empty() ? "ping" : cli.verbs.front();
  std::string dest = cli.dest.value_or("**");
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
