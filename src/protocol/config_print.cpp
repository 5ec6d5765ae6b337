// Config text out: a parsed config printed back in the file syntax (optional keys
// only when they differ from their defaults), and the commented example of -C.
#include <string>
#include <string_view>
#include <vector>

#include "protocol/config.hpp"
#include "protocol/duration.hpp"

namespace remaphore::protocol {
namespace {

std::string join_verbs(const std::vector<std::string>& verbs) {
  std::string out = "[";
  for (std::size_t i = 0; i < verbs.size(); ++i) {
    if (i > 0) out += ", ";
    out += verbs[i];
  }
  out += ']';
  return out;
}

// The keys of our additions, each only when it is not its default.
void print_optional_keys(const config& c, std::string& out) {
  const config defaults;
  const auto line = [&](std::string_view key, std::string_view value) {
    out += key;
    out += ": ";
    out += value;
    out += '\n';
  };
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
  if (c.retain_max_age != defaults.retain_max_age) line("retain_max_age", format_duration(c.retain_max_age));
  if (c.connect_retry) line("connect_retry", "yes");
  if (c.command_queue != defaults.command_queue) line("command_queue", std::to_string(c.command_queue));
  if (!c.replay_record.empty()) line("replay_record", c.replay_record);
  if (c.reconnect_jitter != defaults.reconnect_jitter) line("reconnect_jitter", format_duration(c.reconnect_jitter));
  if (c.lock_lease != defaults.lock_lease) line("lock_lease", format_duration(c.lock_lease));
  if (c.lock_replicas != defaults.lock_replicas) line("lock_replicas", std::to_string(c.lock_replicas));
  if (c.retain_replicas != defaults.retain_replicas) line("retain_replicas", std::to_string(c.retain_replicas));
  if (!c.jetstream_domain.empty()) line("jetstream_domain", c.jetstream_domain);
  if (c.metrics) line("metrics", to_string(*c.metrics));
}

}  // namespace

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
  print_optional_keys(c, out);

  out += "\n[ Identities ]\n";
  for (const auto& id : c.identities)
    out += id.pub.to_base58() + " " + id.priv.to_base58() + " " + join_verbs(id.verbs) + "\n";
  out += "\n[ Peers ]\n";
  for (const auto& p : c.peers) out += p.destination + " " + p.pub.to_base58() + " " + join_verbs(p.verbs) + "\n";
  return out;
}

namespace {

// How to reach the NATS servers and log in: all commented out but the server.
std::string example_connection() {
  std::string out;
  out += "# remaphore configuration (/etc/remaphore/remaphore.conf)\n";
  out += "# '#' starts a comment; keys are case-insensitive; each key once (server may repeat).\n";
  out += "# Settings come before the first section.\n";
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
  out += "# With no server reachable, keep trying until -t passes instead of giving up (exit 3).\n";
  out += "# connect_retry: no\n";
  out += "# Random extra wait before each reconnect (0 = the built-in amount).\n";
  out += "# reconnect_jitter: 0s\n";
  return out;
}

// What this node is called, signs with and accepts.
std::string example_node(const std::string& pub) {
  std::string out;
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
  out += "# The retained signals' stream replicas (3 on a cluster, so a server's death loses none).\n";
  out += "# retain_replicas: 1\n";
  out += "# From a leaf node: the JetStream domain of the hub that keeps the streams.\n";
  out += "# jetstream_domain: hub\n";
  out += "# Commands a receiver keeps waiting to run; more are dropped with a warning.\n";
  out += "# command_queue: 10000\n";
  out += "# Host-wide record of accepted messages (an absolute path), or off; unset = built in.\n";
  out += "# replay_record: off\n";
  out += "# Locks (--lock): a slot not renewed for this long is free again; the lock stream's replicas.\n";
  out += "# lock_lease: 15s\n";
  out += "# lock_replicas: 1\n";
  out += "# A receiver serves Prometheus metrics at http://ADDRESS:PORT/metrics (PORT alone: 127.0.0.1).\n";
  out += "# metrics: 127.0.0.1:9469\n";
  out += "# More settings and sections from other files (a path or a glob, beside this file).\n";
  out += "# include: peers.d/*.conf\n";
  return out;
}

}  // namespace

std::string example_config() {
  const auto kp = generate_key_pair();
  const auto pub = kp.pub.to_base58();
  std::string out = example_connection() + "\n" + example_node(pub) + "\n";
  out += "# Key pairs of this node: <public key> <private key> [verbs it may send]; [*] = all.\n";
  out += "# Keep this file from other users (owner and a remaphore group only): it holds the private key.\n";
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
