// The config file, in the Go tool's syntax (DESIGN.md "Config file").
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/keys.hpp"

namespace remaphore::protocol {

struct identity {
  public_key pub;
  private_key priv;
  std::vector<std::string> verbs;  // lower-cased; "*" = every verb
  bool allows(std::string_view verb) const;
  friend bool operator==(const identity&, const identity&) = default;
};

struct peer {
  std::string destination;
  public_key pub;
  std::vector<std::string> verbs;  // lower-cased; "*" = every verb
  bool allows(std::string_view verb) const;
  friend bool operator==(const peer&, const peer&) = default;
};

struct config {
  std::vector<std::string> servers;
  std::string credentials;  // NATS creds file path
  std::string subject = "remaphore";
  std::optional<public_key> default_identity;  // as written; see effective_default_identity
  std::string destination;
  std::chrono::nanoseconds allow_skew = std::chrono::seconds(3);
  std::vector<identity> identities;
  std::vector<peer> peers;

  // Additions (optional keys).
  std::string tls_ca, tls_cert, tls_key;
  bool tls_first = false;  // TLS handshake before the server's INFO
  // Only the server: lines, never the servers the cluster announces (INFO
  // connect_urls), which may be addresses this host cannot reach (NAT, containers).
  bool ignore_discovered_servers = false;
  std::string nkey_seed;  // path of an nkey seed file
  std::string token;
  std::string user, password;
  bool accept_unbound_replies = false;
  std::chrono::nanoseconds retain_max_age = std::chrono::hours(24);  // key "retain_max_age"

  // default_identity if set and present in [Identities], else the first identity.
  const identity* effective_default_identity() const;
  const identity* find_identity(const public_key& pub) const;
  const peer* find_peer(const public_key& pub) const;

  friend bool operator==(const config&, const config&) = default;
};

struct config_error {
  std::string message;  // "FILE:LINE: what is wrong" (or "FILE: ..." without a line)
};

// Parses config text. `file` is used in error messages only. Returns false and fills
// `err` on the first error.
bool parse_config(std::string_view text, std::string_view file, config& out, config_error& err);

// Prints a config in the file syntax; parse_config(print_config(c)) == c.
std::string print_config(const config& c);

// An example config with a fresh key pair, as `remaphore -C` prints it.
std::string example_config();

}  // namespace remaphore::protocol
