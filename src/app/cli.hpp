// Command line: the Go tool's flags (single dash, `-t=5s` accepted) plus long names
// and our additions. Options end at the first non-option argument (or "--"): the
// rest is the payload (send, request) or the command (receive), even words that look
// like options, as in the Go tool. An option that does nothing in the chosen mode,
// or two that contradict each other, is refused rather than ignored.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "log/log.hpp"
#include "protocol/keys.hpp"
#include "protocol/listen_address.hpp"

namespace remaphore::app {

enum class mode {
  receive,
  send,
  request,
  discover,
  print_config,
  check_config,
  keygen,
  help,
  version,
  lock,
  lock_status
};

struct cli_options {
  mode what = mode::receive;
  // -c FILE, else $REMAPHORE_CONFIG when set and not empty, else the default path.
  std::string config_path = "/etc/remaphore/remaphore.conf";
  bool config_given = false;                   // -c was given
  std::optional<std::string> dest;             // -D (--discover: the pattern of the peers asked)
  bool no_dest_filter = false;                 // -d
  bool once = false;                           // -o
  std::optional<protocol::public_key> pubkey;  // -p
  // -t DUR: a deadline from the start of the process. Three cases:
  //   no -t   timeout empty, no_timeout false: the mode's own default applies
  //           (receive: none; request: 10s; send: its flush bound);
  //   -t 0    timeout empty, no_timeout true: no deadline at all, as in the Go tool
  //           (a request waits until every suspected peer answered);
  //   -t D>0  timeout = D, no_timeout false.
  std::optional<std::chrono::nanoseconds> timeout;
  bool no_timeout = false;
  std::optional<std::string> uuid;     // -u
  std::vector<std::string> verbs;      // -v a,b (one verb when sending; --discover: the verb judged)
  std::optional<std::string> subject;  // -S, checked to be a plain NATS subject token(s)
  unsigned count = 0;                  // -n K (counting barrier; with --lock: the slots)
  std::string lock_name;               // --lock NAME, --lock-status NAME
  bool json = false;                   // --json
  // A rolling request: --batch N asks N destinations at a time (0: all at once);
  // --batch-timeout DUR bounds each batch (0: no bound of its own; unset: 10s);
  // --batch-stop-on-failure starts no further batch after a failure or a silence.
  // --batch N% instead: that share of the peers matching -D, rounded up (1..100).
  // --batch-sleep DUR: a pause between two batches.
  unsigned batch = 0;
  unsigned batch_percent = 0;
  std::optional<std::chrono::nanoseconds> batch_timeout;
  std::optional<std::chrono::nanoseconds> batch_sleep;
  bool batch_stop_on_failure = false;
  // --require-all: exit 1 unless every addressed peer answered with exit code 0.
  bool require_all = false;
  bool sort = false;                              // --sort: replies sorted by destination, at the end
  bool retain = false;                            // --retain (send): keep the signal in JetStream
  std::optional<std::chrono::nanoseconds> since;  // --since DUR (receive): also signals retained that recently
  // --connect-retry: no reachable server is not exit 3 at once; keep trying until the
  // -t deadline. The config's `connect_retry: yes` asks for the same.
  bool connect_retry = false;
  std::optional<protocol::listen_address> metrics;  // --metrics ADDR (receive): overrides the config's
  std::string log_level = "info";                   // --log-level, one of log::parse_level's names
  log::format log_format = log::format::text;       // --log-format text|json
  std::chrono::milliseconds connect_timeout{2000};
  std::vector<std::string> rest;   // payload words or the command
  bool rest_after_dashes = false;  // "--" ended the options: `rest` is meant literally
};

struct cli_error {
  std::string message;
};

// Returns false with `err` filled (naming the option) on a usage error.
bool parse_cli(int argc, char** argv, cli_options& out, cli_error& err);

// When a receiver's command holds words that are remaphore's options, they may have
// been meant for remaphore but are the command's arguments: options end at the first
// non-option. The text of a warning naming every such word, else nullopt. Nothing
// when "--" made the split explicit. (A payload that holds one is refused instead.)
std::optional<std::string> misplaced_option_warning(const cli_options& o);

std::string usage_text();

}  // namespace remaphore::app
