// Every command line option in one table: its names, its value, the modes it means
// something in, how its value is read and its --help text. parse_cli, the rules of
// which options go together and usage_text all read this one table, so they cannot
// disagree about an option.
#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "app/cli.hpp"

namespace remaphore::app::detail {

// Modes as bits, so that an option can name every mode it works in.
enum mode_bits : unsigned {
  in_receive = 1u << 0,
  in_send = 1u << 1,
  in_request = 1u << 2,
  in_print_config = 1u << 3,
  in_check_config = 1u << 4,
  in_keygen = 1u << 5,
  in_help = 1u << 6,
  in_version = 1u << 7,
  in_lock = 1u << 8,
  in_lock_status = 1u << 9,
  in_discover = 1u << 10,
};
inline constexpr unsigned in_messaging = in_receive | in_send | in_request;
inline constexpr unsigned in_locks = in_lock | in_lock_status;
inline constexpr unsigned in_any = 0x7ffu;

unsigned mode_bit(mode m);

// Sets the error's message and returns false, for `return ok || fail(err, why)`.
inline bool fail(cli_error& err, std::string message) {
  err.message = std::move(message);
  return false;
}

enum class option_group { modes, options };

struct option_spec {
  char short_name;  // 0: a long name only
  std::string_view long_name;
  std::string_view value_name;  // empty: the option takes no value
  unsigned modes;               // where it means something (mode_bits)
  std::optional<mode> selects;  // for -s, -r, -C, ...: the mode it chooses
  // Reads the value (or notes the flag) into `out`; `name` is the option as the user
  // wrote it, for messages. Null for the options that only select a mode.
  bool (*apply)(const std::string& name, std::string_view value, cli_options& out, cli_error& err);
  option_group group;
  std::string_view help;  // --help text; '\n' starts a continuation line
};

// An option as it appeared on the command line: "-t" or "--timeout", for messages.
struct given_option {
  const option_spec* spec;
  std::string written;
};

std::span<const option_spec> option_table();
const option_spec* find_short(char name);
const option_spec* find_long(std::string_view name);
// A word that is exactly one of our options: "-D", "-t=5s" (Go's form), "--dest",
// "--dest=x". Not "--", and not a cluster of short options or a value glued on.
bool is_option_word(std::string_view w);

// Sets out.what from the mode options given and refuses an option that does nothing
// in that mode or contradicts another (cli_rules.cpp).
bool check_combinations(const std::vector<given_option>& given, cli_options& out, cli_error& err);
// Refuses a payload (-s, -r) that holds one of our options (cli_rules.cpp).
bool check_payload_words(const cli_options& o, cli_error& err);

}  // namespace remaphore::app::detail
