// What a parsed config answers: where a key was, which identity signs a verb, which
// peer a key belongs to, and what each may do.
#include <algorithm>

#include "protocol/config.hpp"

namespace remaphore::protocol {
namespace {

bool allows_verb(const std::vector<std::string>& verbs, std::string_view verb) {
  return std::any_of(verbs.begin(), verbs.end(), [&](const std::string& v) { return v == "*" || v == verb; });
}

}  // namespace

std::string config_where(std::string_view file, std::size_t line) {
  std::string out(file);
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  return out;
}

std::size_t config_lines::of(std::string_view key) const {
  const auto it = keys.find(key);
  return it == keys.end() ? 0 : it->second;
}

std::string config_lines::where(std::string_view key, std::string_view main_file) const {
  const auto it = key_files.find(key);
  return config_where(it == key_files.end() ? main_file : std::string_view(it->second), of(key));
}

std::string config_lines::where_server(std::size_t i, std::string_view main_file) const {
  const auto line = i < servers.size() ? servers[i] : 0;
  const bool elsewhere = i < server_files.size() && !server_files[i].empty();
  return config_where(elsewhere ? std::string_view(server_files[i]) : main_file, line);
}

bool identity::allows(std::string_view verb) const { return allows_verb(verbs, verb); }

bool peer::allows(std::string_view verb) const { return allows_verb(verbs, verb); }

const identity* config::effective_default_identity() const {
  if (default_identity)
    if (const auto* id = find_identity(*default_identity)) return id;
  return identities.empty() ? nullptr : &identities.front();
}

const identity* config::find_identity(const public_key& pub) const {
  for (const auto& id : identities)
    if (id.pub == pub) return &id;
  return nullptr;
}

const peer* config::find_peer(const public_key& pub) const {
  for (const auto& p : peers)
    if (p.pub == pub) return &p;
  return nullptr;
}

config::signer config::signing_identity(std::string_view verb, const std::optional<public_key>& pubkey) const {
  const std::string quoted_verb = "'" + std::string(verb) + "'";
  if (pubkey) {
    const auto* id = find_identity(*pubkey);
    if (!id) return {nullptr, "no identity " + pubkey->to_base58() + " in [ Identities ]"};
    if (!id->allows(verb)) return {nullptr, "identity " + pubkey->to_base58() + " may not use verb " + quoted_verb};
    return {id, {}};
  }
  if (const auto* id = effective_default_identity(); id && id->allows(verb)) return {id, {}};
  for (const auto& id : identities)
    if (id.allows(verb)) return {&id, {}};
  if (identities.empty()) return {nullptr, "no identity in [ Identities ] to sign with"};
  return {nullptr, "no identity may use verb " + quoted_verb};
}

}  // namespace remaphore::protocol
