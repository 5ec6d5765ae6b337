// The options of the command line, how each value is read, and the --help text
// made from them.
#include "app/cli_table.hpp"

#include <algorithm>
#include <charconv>

#include "protocol/duration.hpp"
#include "protocol/keys.hpp"
#include "protocol/subjects.hpp"

namespace remaphore::app {
namespace detail {
namespace {

using std::chrono::nanoseconds;

// A duration for `name`, or nullopt with `err` filled. `zero_means`: what 0 stands
// for when it is a value of its own (-t 0: no timeout); empty when 0 is a mistake.
std::optional<nanoseconds> duration_of(const std::string& name, std::string_view v, std::string_view zero_means,
                                       std::string_view examples, cli_error& err) {
  const std::string head = "invalid duration for " + name + ": '" + std::string(v) + "'";
  const auto d = protocol::parse_duration(v);
  if (!d) {
    fail(err, head + " (examples: " + std::string(examples) + ")");
  } else if (d->count() < 0 && !zero_means.empty()) {
    fail(err, head + ": it cannot be negative (0 means " + std::string(zero_means) + ")");
  } else if (d->count() < 0 || (d->count() == 0 && zero_means.empty())) {
    fail(err, head + ": it must be positive (examples: " + std::string(examples) + ")");
  } else {
    return d;
  }
  return std::nullopt;
}

bool non_empty(const std::string& name, std::string_view v, std::string_view what, cli_error& err) {
  return !v.empty() || fail(err, name + " needs " + std::string(what));
}

bool set_config(const std::string& n, std::string_view v, cli_options& o, cli_error& err) {
  if (!non_empty(n, v, "a file name", err)) return false;
  o.config_path = v;
  o.config_given = true;
  return true;
}

bool set_dest(const std::string& n, std::string_view v, cli_options& o, cli_error& err) {
  if (!non_empty(n, v, "a destination", err)) return false;
  o.dest = v;
  return true;
}

bool set_pubkey(const std::string& n, std::string_view v, cli_options& o, cli_error& err) {
  o.pubkey = protocol::parse_public_key(v);
  return o.pubkey || fail(err, n + ": '" + std::string(v) + "' is not a base58 public key");
}

// -t 0 is "no timeout" in the Go tool; kept apart from "no -t" (see cli_options).
bool set_timeout(const std::string& n, std::string_view v, cli_options& o, cli_error& err) {
  const auto d = duration_of(n, v, "no timeout", "30s, 5m, 1h30m; 0 = no timeout", err);
  if (!d) return false;
  o.no_timeout = d->count() == 0;
  o.timeout = o.no_timeout ? std::nullopt : d;
  return true;
}

bool set_uuid(const std::string& n, std::string_view v, cli_options& o, cli_error& err) {
  if (!non_empty(n, v, "an id", err)) return false;
  o.uuid = v;
  return true;
}

// "a, b,c" -> a b c; empty items are dropped, as the Go tool does.
bool add_verbs(const std::string& n, std::string_view v, cli_options& o, cli_error& err) {
  std::size_t added = 0;
  while (true) {
    const auto comma = v.find(',');
    auto item = v.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      o.verbs.emplace_back(item);
      ++added;
    }
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return added > 0 || fail(err, n + " needs at least one verb");
}

bool set_lock_name(const std::string& n, std::string_view v, cli_options& o, cli_error& err) {
  if (const auto why = protocol::subjects::why_not_lock_name(v))
    return fail(err, "invalid lock name for " + n + ": '" + std::string(v) + "': " + *why);
  o.lock_name = v;
  return true;
}

// A space would make the rest a queue group or reply subject on the wire, a wildcard
// would widen what a receiver hears.
bool set_subject(const std::string& n, std::string_view v, cli_options& o, cli_error& err) {
  if (const auto why = protocol::subjects::why_not_subject(v))
    return fail(err, "invalid subject for " + n + ": '" + std::string(v) + "': " + *why);
  // <root>.discover carries discoveries, which must never reach a command.
  if (v == "discover") return fail(err, n + " discover: that subject is for discovery requests (--discover)");
  o.subject = v;
  return true;
}

bool set_count(const std::string& n, std::string_view v, cli_options& o, cli_error& err) {
  unsigned long k = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), k);
  if (ec != std::errc{} || end != v.data() + v.size() || k == 0 || k > 1000000)
    return fail(err, "invalid count for " + n + ": '" + std::string(v) + "' (a number from 1 to 1000000)");
  o.count = static_cast<unsigned>(k);
  return true;
}

// "N" destinations at a time, or "N%" of the peers matching -D.
bool set_batch(const std::string& n, std::string_view v, cli_options& o, cli_error& err) {
  const bool percent = v.ends_with('%');
  const auto digits = percent ? v.substr(0, v.size() - 1) : v;
  const unsigned long most = percent ? 100 : 1000000;
  unsigned long k = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), k);
  if (ec != std::errc{} || end != digits.data() + digits.size() || k == 0 || k > most)
    return fail(err, "invalid batch size for " + n + ": '" + std::string(v) +
                         "' (a number from 1 to 1000000, or a share from 1% to 100%)");
  (percent ? o.batch_percent : o.batch) = static_cast<unsigned>(k);
  return true;
}

bool set_batch_sleep(const std::string& n, std::string_view v, cli_options& o, cli_error& err) {
  o.batch_sleep = duration_of(n, v, "", "30s, 2m", err);
  return o.batch_sleep.has_value();
}

// 0 is a value of its own, as for -t: the batch waits until all of it answered.
bool set_batch_timeout(const std::string& n, std::string_view v, cli_options& o, cli_error& err) {
  o.batch_timeout = duration_of(n, v, "no bound per batch", "30s, 5m; 0 = until the batch has answered", err);
  return o.batch_timeout.has_value();
}

bool set_since(const std::string& n, std::string_view v, cli_options& o, cli_error& err) {
  o.since = duration_of(n, v, "", "10m, 2h", err);
  return o.since.has_value();
}

bool set_metrics(const std::string& n, std::string_view v, cli_options& o, cli_error& err) {
  std::string why;
  o.metrics = protocol::parse_listen_address(v, why);
  return o.metrics || fail(err, "invalid address for " + n + ": '" + std::string(v) + "': " + why);
}

bool set_connect_timeout(const std::string& n, std::string_view v, cli_options& o, cli_error& err) {
  const auto d = duration_of(n, v, "", "500ms, 2s", err);
  if (!d) return false;
  o.connect_timeout = std::max(std::chrono::milliseconds(1), std::chrono::duration_cast<std::chrono::milliseconds>(*d));
  return true;
}

bool set_log_level(const std::string& n, std::string_view v, cli_options& o, cli_error& err) {
  if (!log::parse_level(v)) return fail(err, "invalid " + n + " '" + std::string(v) + "' (error, warn, info, debug)");
  o.log_level = v;
  return true;
}

bool set_log_format(const std::string& n, std::string_view v, cli_options& o, cli_error& err) {
  const auto f = log::parse_format(v);
  if (!f) return fail(err, "invalid " + n + " '" + std::string(v) + "' (text, json)");
  o.log_format = *f;
  return true;
}

// The options that only switch something on.
template <bool cli_options::*flag>
bool set_flag(const std::string&, std::string_view, cli_options& o, cli_error&) {
  o.*flag = true;
  return true;
}

constexpr unsigned connects = in_messaging | in_locks | in_discover;
constexpr unsigned uses_config = connects | in_check_config;
constexpr auto modes = option_group::modes;
constexpr auto options = option_group::options;

const option_spec table[] = {
    {'s', "send", "", in_send, mode::send, nullptr, modes, "send a message and return once the server has it"},
    {'r', "request", "", in_request, mode::request, nullptr, modes,
     "send a request; wait for the replies of the peers whose\ndestination matches -D (default timeout 10s)"},
    {'C', "print-config", "", in_print_config, mode::print_config, nullptr, modes,
     "print an example config with a fresh key pair"},
    {0, "check-config", "", in_check_config, mode::check_config, nullptr, modes,
     "read the config, report errors (exit 2) or a summary"},
    {0, "keygen", "", in_keygen, mode::keygen, nullptr, modes, "print a fresh key pair as an [ Identities ] line"},
    {0, "discover", "", in_discover, mode::discover, nullptr, modes,
     "list who is listening among the peers matching -D, running\nnothing, and whether each would accept -v (default "
     "5s)"},
    {0, "lock", "NAME", in_lock, mode::lock, set_lock_name, modes,
     "run the command while holding one of -n slots (default 1) of the\nfleet-wide lock NAME (JetStream)"},
    {0, "lock-status", "NAME", in_lock_status, mode::lock_status, set_lock_name, modes,
     "list who holds the lock NAME, and how many wait"},

    {'c', "config", "FILE", uses_config, std::nullopt, set_config, options,
     "config file (default: $REMAPHORE_CONFIG, else\n/etc/remaphore/remaphore.conf)"},
    {'D', "dest", "DEST", in_messaging | in_discover, std::nullopt, set_dest, options,
     "send, discover: destination pattern (default **);\nreceive: accept only this exact destination"},
    {'d', "no-dest-filter", "", in_receive, std::nullopt, set_flag<&cli_options::no_dest_filter>, options,
     "receive: accept any destination"},
    {'o', "once", "", in_receive, std::nullopt, set_flag<&cli_options::once>, options,
     "receive: exit after the first accepted message"},
    {'p', "pubkey", "KEY", in_messaging | in_lock | in_discover, std::nullopt, set_pubkey, options,
     "send, --lock: the identity to sign with; receive: accept only\nthis sender"},
    {'t', "timeout", "DUR", in_messaging | in_lock | in_discover, std::nullopt, set_timeout, options,
     "give up after DUR (Go syntax: 90s, 5m, 1h30m); exit code 1;\n-t 0 means no timeout"},
    {'u', "uuid", "ID", in_messaging, std::nullopt, set_uuid, options,
     "send: message id; receive: accept only this id (implies -o)"},
    {'v', "verb", "V[,V...]", in_messaging | in_discover, std::nullopt, add_verbs, options,
     "send: the verb (default ping); receive: accept only these verbs;\n"
     "discover: the verb each host is judged for (default ping)"},
    {'S', "subject", "S", in_messaging, std::nullopt, set_subject, options,
     "use subject <root>.S instead of <root>.all (no spaces or wildcards)"},
    {'n', "count", "K", in_receive | in_lock, std::nullopt, set_count, options,
     "receive: wait until K distinct peers sent a matching message\n(with -u, instead of the one message -u implies);"
     "\nthe number of slots with --lock (at most 1000)"},
    {0, "retain", "", in_send, std::nullopt, set_flag<&cli_options::retain>, options,
     "send: also keep the signal in a JetStream stream (retain_max_age,\ndefault 24h) for receivers that start later"},
    {0, "since", "DUR", in_receive, std::nullopt, set_since, options,
     "receive: also accept signals retained within DUR (positive)"},
    {0, "json", "", in_request | in_lock_status | in_discover, std::nullopt, set_flag<&cli_options::json>, options,
     "request, discover: print each reply as a JSON object per line,\nthen a summary object; with --lock-status: one "
     "JSON object"},
    {0, "batch", "N[%]", in_request, std::nullopt, set_batch, options,
     "request: ask N peers (N%: that share of the peers matching -D)\n"
     "at a time, each by its own destination; the next N when these\n"
     "answered or --batch-timeout passed"},
    {0, "batch-timeout", "DUR", in_request, std::nullopt, set_batch_timeout, options,
     "request with --batch: how long each batch waits (default 10s;\n"
     "0 = until all of it answered); -t still ends the whole run"},
    {0, "batch-stop-on-failure", "", in_request, std::nullopt, set_flag<&cli_options::batch_stop_on_failure>, options,
     "request with --batch: start no further batch after a non-zero\nexit code or a silent peer; exit 1"},
    {0, "batch-sleep", "DUR", in_request, std::nullopt, set_batch_sleep, options,
     "request with --batch: pause DUR between two batches"},
    {0, "require-all", "", in_request, std::nullopt, set_flag<&cli_options::require_all>, options,
     "request: exit 1 unless every addressed peer answered with exit\ncode 0; the failed and the silent are named"},
    {0, "sort", "", in_request, std::nullopt, set_flag<&cli_options::sort>, options,
     "request: print the replies sorted by destination, at the end"},
    {0, "metrics", "ADDR", in_receive, std::nullopt, set_metrics, options,
     "receive: serve Prometheus metrics at http://ADDR/metrics\n(PORT alone: 127.0.0.1:PORT; config: metrics: ADDR)"},
    {0, "connect-timeout", "DUR", connects, std::nullopt, set_connect_timeout, options, "per server (default 2s)"},
    {0, "connect-retry", "", connects, std::nullopt, set_flag<&cli_options::connect_retry>, options,
     "with no server reachable, keep trying until -t passes instead\nof exit 3 at once (config: connect_retry: yes)"},
    {0, "log-level", "L", in_any, std::nullopt, set_log_level, options,
     "error, warn, info (default) or debug; logs go to stderr"},
    {0, "log-format", "F", in_any, std::nullopt, set_log_format, options,
     "text (default) or json: one JSON object per log record"},
    {'h', "help", "", in_any, mode::help, nullptr, options, "this text"},
    {0, "version", "", in_any, mode::version, nullptr, options, "print the version"},
};

// "  -s, --send" or "      --check-config", then the value name.
std::string usage_label(const option_spec& o) {
  std::string label = o.short_name ? std::string("  -") + o.short_name + ", " : std::string(6, ' ');
  label += "--";
  label += o.long_name;
  if (!o.value_name.empty()) label += " " + std::string(o.value_name);
  return label;
}

std::string usage_lines(option_group group) {
  constexpr std::size_t column = 25;
  std::string out;
  for (const auto& o : table) {
    if (o.group != group) continue;
    auto label = usage_label(o);
    out += label + std::string(label.size() + 2 <= column ? column - label.size() : 3, ' ');
    for (char ch : o.help) out += ch == '\n' ? "\n" + std::string(column, ' ') : std::string(1, ch);
    out += '\n';
  }
  return out;
}

}  // namespace

unsigned mode_bit(mode m) {
  switch (m) {
    case mode::receive: return in_receive;
    case mode::send: return in_send;
    case mode::request: return in_request;
    case mode::discover: return in_discover;
    case mode::print_config: return in_print_config;
    case mode::check_config: return in_check_config;
    case mode::keygen: return in_keygen;
    case mode::help: return in_help;
    case mode::version: return in_version;
    case mode::lock: return in_lock;
    case mode::lock_status: return in_lock_status;
  }
  return 0;
}

std::span<const option_spec> option_table() { return table; }

const option_spec* find_short(char name) {
  for (const auto& o : table)
    if (name != 0 && o.short_name == name) return &o;
  return nullptr;
}

const option_spec* find_long(std::string_view name) {
  for (const auto& o : table)
    if (o.long_name == name) return &o;
  return nullptr;
}

bool is_option_word(std::string_view w) {
  if (w.size() >= 2 && w[0] == '-' && w[1] != '-') return (w.size() == 2 || w[2] == '=') && find_short(w[1]);
  if (!w.starts_with("--") || w.size() == 2) return false;
  w.remove_prefix(2);
  return find_long(w.substr(0, w.find('='))) != nullptr;
}

}  // namespace detail

std::string usage_text() {
  return R"(usage: remaphore [options] [command...]          wait for a message (receive)
       remaphore -s [options] [payload...]          send a message
       remaphore -r [options] [payload...]          send a request, print every reply
       remaphore --discover [options]               list who is listening, running nothing
       remaphore --lock NAME [-n SLOTS] [options] command...
                                                    run a command holding a fleet-wide lock
       remaphore --lock-status NAME [--json]        who holds the lock
       remaphore -C | --check-config | --keygen

Modes:
)" + detail::usage_lines(detail::option_group::modes) +
         "\nOptions:\n" + detail::usage_lines(detail::option_group::options) + R"(
Options end at the first argument that is not an option (or at --): the rest is the
payload (send, request; default ping) or the command (receive). A payload that holds
one of the options above is refused (exit 2): put -- before it to send it as written;
a command that holds one is run as it is, with a warning. An option that does nothing
in the chosen mode, or two that contradict each other, are refused (exit 2).

A receiver runs its command as `command... VERB PAYLOAD` (never through a shell) with
REMAPHORE_SENDER, REMAPHORE_VERB, REMAPHORE_TIME, REMAPHORE_UUID, REMAPHORE_MSG and
REMAPHORE_DESTMATCH set.

A locked command gets REMAPHORE_LOCK, REMAPHORE_LOCK_SLOT and REMAPHORE_LOCK_TOKEN
(a fencing token that grows with every grant of the lock).

Exit codes: 0 received / sent; 1 nothing before the timeout (with --require-all or
--batch-stop-on-failure: not every peer answered 0; --lock: no slot before -t);
2 usage or config error; 3 runtime error (cannot connect, auth refused, no
JetStream); --lock: the command's own, or 4 when the lease was lost and the command
ended for it; 130/143/129 ended by SIGINT, SIGTERM or SIGHUP.
)";
}

}  // namespace remaphore::app
