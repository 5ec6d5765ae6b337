// The config file, in the Go tool's syntax (doc/architecture.md, "Config file").
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/keys.hpp"
#include "protocol/listen_address.hpp"

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

// Where values were written (line numbers from 1; 0 = not written in a file), so that
// checks made outside this pure layer (server URLs, the files a key names) can report
// FILE:LINE too, also for a value an included file set.
struct config_lines {
  std::vector<std::size_t> servers;                           // one per config::servers entry
  std::vector<std::string> server_files;                      // the file of each, "" for the main one
  std::map<std::string, std::size_t, std::less<>> keys;       // single-valued keys, by name
  std::map<std::string, std::string, std::less<>> key_files;  // of keys an included file set
  std::size_t settings_end = 0;                               // the first section header, else the last line
  std::vector<std::string> included;                          // every file `include:` read, in order
  std::size_t of(std::string_view key) const;                 // 0 when the key was not written
  // "FILE:LINE: " of a key, `main_file` unless an included file set it.
  std::string where(std::string_view key, std::string_view main_file) const;
  std::string where_server(std::size_t i, std::string_view main_file) const;
  // Where a value stands is no part of what a config means: two configs that say the
  // same are equal, so that print_config -> parse_config round-trips.
  friend bool operator==(const config_lines&, const config_lines&) { return true; }
};

// A file that an `include:` line names, as it was read.
struct included_file {
  std::string path;  // as shown in messages
  std::string real;  // its canonical path: what tells a cycle
  std::string text;
};

// Reads the files an include pattern names (a path or a glob, already resolved against
// the including file's directory), in order. False with `why` when it cannot, or when a
// file may not be trusted; a glob that matches nothing is no error, a missing path is.
using include_reader =
    std::function<bool(const std::string& pattern, std::vector<included_file>& files, std::string& why)>;

struct config {
  std::vector<std::string> servers;
  std::string credentials;  // NATS creds file path
  std::string subject = "remaphore";
  std::optional<public_key> default_identity;  // as written; always among `identities`
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
  int retain_replicas = 1;  // the retained-signal stream's replicas on a cluster (1 to 5)
  // The JetStream domain to use (the hub's, from a leaf node); empty: the local one.
  std::string jetstream_domain;
  // No reachable server: keep trying until the -t deadline instead of exit 3 at once
  // (the same as --connect-retry).
  bool connect_retry = false;
  // A receiver's commands waiting to run; one more is dropped with a warning.
  std::size_t command_queue = 10000;
  // The host-wide replay record (key "replay_record", formerly "replay_cache"): empty =
  // the built-in default path, "off" = none (in-process replay cache only), else an
  // absolute path.
  std::string replay_record;
  // Random extra wait added to each reconnect delay; 0 = the tool's default.
  std::chrono::nanoseconds reconnect_jitter{0};
  // Locks (--lock): how long a slot stays held without renewal (the lock stream's
  // max_age), and the lock stream's replicas on a cluster.
  std::chrono::nanoseconds lock_lease = std::chrono::seconds(15);
  int lock_replicas = 1;
  // Where a receiver serves Prometheus metrics (key "metrics"); none: not at all.
  std::optional<listen_address> metrics;

  config_lines lines;

  // default_identity if set, else the first identity.
  const identity* effective_default_identity() const;
  const identity* find_identity(const public_key& pub) const;
  const peer* find_peer(const public_key& pub) const;

  // The identity that signs a message with `verb`: `pubkey` (-p) when given and it may
  // use the verb (no other is tried then), else the default identity if it may, else
  // the first identity that may. When none may, `id` is null and `why_none` says why.
  struct signer {
    const identity* id = nullptr;
    std::string why_none;
  };
  signer signing_identity(std::string_view verb, const std::optional<public_key>& pubkey = std::nullopt) const;

  friend bool operator==(const config&, const config&) = default;
};

struct config_error {
  std::string message;  // "FILE:LINE: what is wrong" (or "FILE: ..." without a line)
};

// Parses config text. `file` is used in error messages, and to resolve the relative
// paths of `include:` lines, which `reader` reads (without one, an include is an
// error). Returns false and fills `err` on the first error, leaving `out` untouched.
bool parse_config(std::string_view text, std::string_view file, config& out, config_error& err,
                  const include_reader* reader = nullptr);

// What a config needs before remaphore can use it, beyond what each line says: at
// least one server line. Returns false and fills `err` ("FILE:LINE: ...") if not.
bool check_config_usable(const config& c, std::string_view file, config_error& err);

// "FILE:LINE: " for errors about a line, "FILE: " when `line` is 0.
std::string config_where(std::string_view file, std::size_t line);

// Prints a config in the file syntax; parse_config(print_config(c)) == c.
std::string print_config(const config& c);

// An example config with a fresh key pair, as `remaphore -C` prints it.
std::string example_config();

}  // namespace remaphore::protocol
