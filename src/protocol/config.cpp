// Config file parsing and printing, in the Go tool's line syntax.
//
// Flow: each line loses its comment ('#' to the end) and surrounding white space;
// "[ name ]" switches section; in the general part a line is "key: value"; in
// [Identities] "<pub> <priv> [verbs]"; in [Peers] "<destination> <pub> [verbs]";
// lines of unknown sections are skipped. The first error stops parsing, with
// "FILE:LINE: message".
//
// Stricter than the Go tool where it silently ignores mistakes: unknown keys, lines
// without ':', empty values, a missing permission list and a private key that does not
// belong to its public key are errors, because a typo in a security-relevant key
// should not quietly fall back to a default.
#include "protocol/config.hpp"

#include <algorithm>

#include "protocol/duration.hpp"

namespace remaphore::protocol {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Splits off the next white-space-separated token.
std::string_view next_token(std::string_view& rest) {
  rest = trim(rest);
  std::size_t i = 0;
  while (i < rest.size() && !is_space(rest[i])) ++i;
  const auto token = rest.substr(0, i);
  rest = trim(rest.substr(i));
  return token;
}

bool allows_verb(const std::vector<std::string>& verbs, std::string_view verb) {
  return std::any_of(verbs.begin(), verbs.end(),
                     [&](const std::string& v) { return v == "*" || v == verb; });
}

enum class section { general, identities, peers, unknown };

class parser {
 public:
  parser(std::string_view file, config& out, config_error& err)
      : file_(file), out_(out), err_(err) {}

  bool run(std::string_view text) {
    // An editor may have saved a byte order mark; it is not part of the first key.
    if (text.starts_with("\xef\xbb\xbf")) text.remove_prefix(3);
    while (!text.empty()) {
      ++line_no_;
      const auto nl = text.find('\n');
      std::string_view line = text.substr(0, nl);
      text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
      if (const auto hash = line.find('#'); hash != std::string_view::npos)
        line = line.substr(0, hash);
      line = trim(line);  // also drops the '\r' of CRLF files
      if (line.empty()) continue;
      if (!parse_line(line)) return false;
    }
    return true;
  }

 private:
  bool fail(const std::string& message) {
    err_.message = std::string(file_) + ":" + std::to_string(line_no_) + ": " + message;
    return false;
  }

  bool parse_line(std::string_view line) {
    if (line.front() == '[' && line.back() == ']') {
      const auto name = to_lower(trim(line.substr(1, line.size() - 2)));
      section_ = name == "identities" ? section::identities
                 : name == "peers"    ? section::peers
                                      : section::unknown;
      return true;
    }
    switch (section_) {
      case section::general: return parse_key_value(line);
      case section::identities: return parse_identity(line);
      case section::peers: return parse_peer(line);
      case section::unknown: return true;
    }
    return true;
  }

  bool parse_duration_value(std::string_view key, std::string_view value,
                            std::chrono::nanoseconds& out) {
    const auto d = parse_duration(value);
    if (!d) return fail("invalid duration '" + std::string(value) + "' for " + std::string(key));
    if (d->count() < 0) return fail(std::string(key) + " must not be negative");
    out = *d;
    return true;
  }

  bool parse_flag_value(const std::string& key, std::string_view value, bool& out) {
    const auto v = to_lower(value);
    if (v == "yes" || v == "true" || v == "1") {
      out = true;
    } else if (v == "no" || v == "false" || v == "0") {
      out = false;
    } else {
      return fail(key + " must be yes or no, not '" + std::string(value) + "'");
    }
    return true;
  }

  bool parse_key_value(std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return fail("expected 'key: value'");
    const auto key = to_lower(trim(line.substr(0, colon)));
    const auto value = trim(line.substr(colon + 1));
    if (key.empty()) return fail("expected 'key: value'");
    if (value.empty()) return fail("missing value for '" + key + "'");

    if (key == "server") {
      out_.servers.emplace_back(value);
    } else if (key == "credentials") {
      out_.credentials = value;
    } else if (key == "subject") {
      out_.subject = value;
    } else if (key == "default_identity") {
      const auto pub = parse_public_key(value);
      if (!pub) return fail("invalid public key for default_identity");
      out_.default_identity = *pub;
    } else if (key == "destination") {
      out_.destination = value;
    } else if (key == "allow_skew") {
      if (!parse_duration_value(key, value, out_.allow_skew)) return false;
      // The Go tool reads 0 as "not set", i.e. its 3s default; a zero window would
      // reject every message anyway.
      if (out_.allow_skew.count() == 0) out_.allow_skew = config{}.allow_skew;
    } else if (key == "retain_max_age") {
      if (!parse_duration_value(key, value, out_.retain_max_age)) return false;
    } else if (key == "tls_ca") {
      out_.tls_ca = value;
    } else if (key == "tls_cert") {
      out_.tls_cert = value;
    } else if (key == "tls_key") {
      out_.tls_key = value;
    } else if (key == "nkey_seed") {
      out_.nkey_seed = value;
    } else if (key == "token") {
      out_.token = value;
    } else if (key == "user") {
      out_.user = value;
    } else if (key == "password") {
      out_.password = value;
    } else if (key == "accept_unbound_replies") {
      if (!parse_flag_value(key, value, out_.accept_unbound_replies)) return false;
    } else if (key == "tls_first") {
      if (!parse_flag_value(key, value, out_.tls_first)) return false;
    } else if (key == "ignore_discovered_servers") {
      if (!parse_flag_value(key, value, out_.ignore_discovered_servers)) return false;
    } else {
      return fail("unknown key '" + key + "'");
    }
    return true;
  }

  // "[a, B, *]" -> {"a", "b", "*"}. Empty entries are skipped as the Go tool does.
  bool parse_permissions(std::string_view text, std::vector<std::string>& verbs) {
    if (text.empty()) return fail("permission list [..] missing");
    if (text.front() != '[' || text.back() != ']')
      return fail("permission list must be written as [verb, verb]");
    std::string_view inner = text.substr(1, text.size() - 2);
    verbs.clear();
    while (true) {
      const auto comma = inner.find(',');
      const auto verb = trim(inner.substr(0, comma));
      if (!verb.empty()) verbs.push_back(to_lower(verb));
      if (comma == std::string_view::npos) break;
      inner.remove_prefix(comma + 1);
    }
    return true;
  }

  bool parse_identity(std::string_view line) {
    std::string_view rest = line;
    const auto pub_text = next_token(rest);
    const auto priv_text = next_token(rest);
    if (priv_text.empty()) return fail("identity needs '<public key> <private key> [verbs]'");
    identity id;
    const auto pub = parse_public_key(pub_text);
    if (!pub) return fail("invalid public key '" + std::string(pub_text) + "'");
    // Deliberately not echoing the private key text into logs.
    const auto priv = parse_private_key(priv_text);
    if (!priv) return fail("invalid private key");
    if (priv->public_part() != *pub) return fail("private key does not belong to public key");
    id.pub = *pub;
    id.priv = *priv;
    if (!parse_permissions(rest, id.verbs)) return false;
    out_.identities.push_back(std::move(id));
    return true;
  }

  bool parse_peer(std::string_view line) {
    std::string_view rest = line;
    const auto destination = next_token(rest);
    const auto pub_text = next_token(rest);
    if (pub_text.empty()) return fail("peer needs '<destination> <public key> [verbs]'");
    peer p;
    p.destination = destination;
    const auto pub = parse_public_key(pub_text);
    if (!pub) return fail("invalid public key '" + std::string(pub_text) + "'");
    p.pub = *pub;
    if (!parse_permissions(rest, p.verbs)) return false;
    out_.peers.push_back(std::move(p));
    return true;
  }

  std::string_view file_;
  config& out_;
  config_error& err_;
  std::size_t line_no_ = 0;
  section section_ = section::general;
};

std::string join_verbs(const std::vector<std::string>& verbs) {
  std::string out = "[";
  for (std::size_t i = 0; i < verbs.size(); ++i) {
    if (i > 0) out += ", ";
    out += verbs[i];
  }
  out += ']';
  return out;
}

}  // namespace

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
  // The first entry wins, as in the Go tool.
  for (const auto& p : peers)
    if (p.pub == pub) return &p;
  return nullptr;
}

bool parse_config(std::string_view text, std::string_view file, config& out, config_error& err) {
  // Parse into a fresh value so that a failed parse leaves `out` untouched and a
  // reused `out` does not accumulate servers or identities.
  config parsed;
  if (!parser(file, parsed, err).run(text)) return false;
  out = std::move(parsed);
  return true;
}

std::string print_config(const config& c) {
  std::string out;
  const auto line = [&](std::string_view key, std::string_view value) {
    out += key;
    out += ": ";
    out += value;
    out += '\n';
  };
  for (const auto& s : c.servers) line("server", s);
  if (!c.credentials.empty()) line("credentials", c.credentials);
  line("subject", c.subject);
  if (c.default_identity) line("default_identity", c.default_identity->to_base58());
  if (!c.destination.empty()) line("destination", c.destination);
  line("allow_skew", format_duration(c.allow_skew));
  if (!c.tls_ca.empty()) line("tls_ca", c.tls_ca);
  if (!c.tls_cert.empty()) line("tls_cert", c.tls_cert);
  if (!c.tls_key.empty()) line("tls_key", c.tls_key);
  if (!c.nkey_seed.empty()) line("nkey_seed", c.nkey_seed);
  if (!c.token.empty()) line("token", c.token);
  if (!c.user.empty()) line("user", c.user);
  if (!c.password.empty()) line("password", c.password);
  if (c.tls_first) line("tls_first", "yes");
  if (c.ignore_discovered_servers) line("ignore_discovered_servers", "yes");
  if (c.accept_unbound_replies) line("accept_unbound_replies", "yes");
  if (c.retain_max_age != config{}.retain_max_age)
    line("retain_max_age", format_duration(c.retain_max_age));

  out += "\n[ Identities ]\n";
  for (const auto& id : c.identities)
    out += id.pub.to_base58() + " " + id.priv.to_base58() + " " + join_verbs(id.verbs) + "\n";
  out += "\n[ Peers ]\n";
  for (const auto& p : c.peers)
    out += p.destination + " " + p.pub.to_base58() + " " + join_verbs(p.verbs) + "\n";
  return out;
}

std::string example_config() {
  const auto kp = generate_key_pair();
  const auto pub = kp.pub.to_base58();
  std::string out;
  out += "# remaphore configuration (/etc/remaphore/remaphore.conf)\n";
  out += "# '#' starts a comment; keys are case-insensitive.\n";
  out += "\n";
  out += "# NATS servers, tried in random order; repeat the key for a failover list.\n";
  out += "server: nats://127.0.0.1:4222\n";
  out += "# NATS authentication: a creds file (JWT + nkey seed), or one of the others.\n";
  out += "# credentials: /etc/remaphore/user.creds\n";
  out += "# nkey_seed: /etc/remaphore/user.nk\n";
  out += "# token: s3cret\n";
  out += "# user: remaphore\n";
  out += "# password: s3cret\n";
  out += "# TLS: CA bundle, and client certificate and key if the server wants one.\n";
  out += "# tls_ca: /etc/remaphore/ca.pem\n";
  out += "# tls_cert: /etc/remaphore/client.pem\n";
  out += "# tls_key: /etc/remaphore/client.key\n";
  out += "# TLS before anything else, for servers set up with handshake_first.\n";
  out += "# tls_first: no\n";
  out += "# Use only the servers above, not those the cluster announces (NAT, containers).\n";
  out += "# ignore_discovered_servers: no\n";
  out += "\n";
  out += "# Messages go to <subject>.all or <subject>.<S>.\n";
  out += "subject: remaphore\n";
  out += "# The key this node signs with unless -p says otherwise.\n";
  out += "default_identity: " + pub + "\n";
  out += "# This node's name, matched against the destination pattern of messages.\n";
  out += "destination: com.example.host\n";
  out += "# Maximum clock difference to a sender (Go duration syntax: 300ms, 1m30s, 1.5h).\n";
  out += "allow_skew: 5s\n";
  out += "# Accept replies not bound to the request (needed with Go responders).\n";
  out += "# accept_unbound_replies: no\n";
  out += "# How long retained signals are kept (--retain).\n";
  out += "# retain_max_age: 24h0m0s\n";
  out += "\n";
  out += "# Key pairs of this node: <public key> <private key> [verbs it may send]; [*] = all.\n";
  out += "# Keep this file private: it holds the private key.\n";
  out += "[ Identities ]\n";
  out += pub + " " + kp.priv.to_base58() + " [*]\n";
  out += "\n";
  out += "# Senders this node trusts: <destination> <public key> [verbs]; [*] = all.\n";
  out += "# Listing our own key lets the node talk to itself.\n";
  out += "[ Peers ]\n";
  out += "com.example.host " + pub + " [*]\n";
  return out;
}

}  // namespace remaphore::protocol
