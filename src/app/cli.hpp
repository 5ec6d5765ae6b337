// Command line: the Go tool's flags (single dash, `-t=5s` accepted) plus long names
// and our additions. Options end at the first non-option argument: the rest is the
// payload (send, request) or the command (receive).
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace remaphore::app {

enum class mode { receive, send, request, print_config, check_config, keygen, help, version };

struct cli_options {
  mode what = mode::receive;
  std::string config_path = "/etc/remaphore/remaphore.conf";
  std::optional<std::string> dest;        // -D
  bool no_dest_filter = false;            // -d
  bool once = false;                      // -o
  std::optional<std::string> pubkey;      // -p
  std::optional<std::chrono::nanoseconds> timeout;  // -t
  std::optional<std::string> uuid;        // -u
  std::vector<std::string> verbs;         // -v a,b
  std::optional<std::string> subject;     // -S
  unsigned count = 0;                     // -n K (counting barrier)
  bool json = false;                      // --json
  bool retain = false;                    // --retain (send): keep the signal in JetStream
  std::optional<std::chrono::nanoseconds> since;  // --since DUR (receive): also signals retained that recently
  std::string log_level = "info";
  std::chrono::milliseconds connect_timeout{2000};
  std::vector<std::string> rest;          // payload words or the command
};

struct cli_error {
  std::string message;
};

// Returns false with `err` filled on a usage error.
bool parse_cli(int argc, char** argv, cli_options& out, cli_error& err);

std::string usage_text();

}  // namespace remaphore::app
