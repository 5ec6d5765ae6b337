// parse_cli: getopt_long over the option table (cli_table.hpp).
//
// Flow: getopt's short and long option lists are built from the table once. For each
// option getopt returns, the table entry reads its value into cli_options and the
// option is noted as written ("-t" or "--timeout"). The first non-option argument
// (or "--") ends the options ('+': POSIX order, as Go's flag package does); the rest
// is the payload or the command. Last, the mode and the combinations of what was
// given are checked (cli_rules.cpp).
#include "app/cli.hpp"

#include <getopt.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "app/cli_table.hpp"

namespace remaphore::app {
namespace {

using detail::fail;
using detail::option_spec;

// getopt's value for an option without a short name: past every char.
constexpr int long_only_base = 1000;

struct getopt_lists {
  std::string shorts = "+:";  // stop at the first non-option; ':' reports a missing value apart
  std::vector<option> longs;
};

const getopt_lists& lists() {
  static const getopt_lists built = [] {
    getopt_lists l;
    const auto table = detail::option_table();
    for (std::size_t i = 0; i < table.size(); ++i) {
      const auto& o = table[i];
      const int has_arg = o.value_name.empty() ? no_argument : required_argument;
      if (o.short_name) {
        l.shorts += o.short_name;
        if (has_arg == required_argument) l.shorts += ':';
      }
      // The table's names are string literals, so data() is NUL-terminated.
      l.longs.push_back(
          {o.long_name.data(), has_arg, nullptr, o.short_name ? o.short_name : long_only_base + static_cast<int>(i)});
    }
    l.longs.push_back({nullptr, 0, nullptr, 0});
    return l;
  }();
  return built;
}

const option_spec* spec_of(int getopt_value) {
  if (getopt_value >= long_only_base) return &detail::option_table()[getopt_value - long_only_base];
  return detail::find_short(static_cast<char>(getopt_value));
}

// "-s", "--send", "--timeout=5s" or "--": one of our options, never a value.
bool is_our_option(std::string_view w) { return w == "--" || detail::is_option_word(w); }

bool apply_option(const option_spec& spec, const std::string& written, char** argv, cli_options& out, cli_error& err) {
  if (!spec.apply) return true;  // a mode option: counted in check_combinations
  if (spec.value_name.empty()) return spec.apply(written, {}, out, err);
  std::string_view value = optarg ? optarg : "";
  const bool separate = optind >= 1 && argv[optind - 1] == optarg;
  // Go's flag package accepts "-t=5s": getopt hands us "=5s".
  if (!separate && value.starts_with('=')) value.remove_prefix(1);
  // "-D -s" would otherwise send to destination "-s" as a receiver.
  if (separate && is_our_option(value))
    return fail(err, "option " + written + " needs a value, not the option '" + std::string(value) + "'");
  return spec.apply(written, value, out, err);
}

// getopt returned '?' (unknown, or an ambiguous abbreviation) or ':' (no value).
bool fail_bad_option(int c, int argc, char** argv, cli_error& err) {
  const std::string arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
  const bool is_long = arg.starts_with("--");
  const std::string name = is_long ? arg.substr(0, arg.find('=')) : std::string("-") + static_cast<char>(optopt);
  if (c == ':') return fail(err, "option " + name + " needs a value");
  if (!is_long) return fail(err, "unknown option '" + (optopt ? name : arg) + "'");
  const auto prefix = std::string_view(name).substr(2);
  const auto table = detail::option_table();
  const auto matches =
      std::count_if(table.begin(), table.end(), [&](const option_spec& o) { return o.long_name.starts_with(prefix); });
  if (matches > 1) return fail(err, "ambiguous option '" + name + "': write it out in full");
  return fail(err, "unknown option '" + name + "'");
}

}  // namespace

bool parse_cli(int argc, char** argv, cli_options& out, cli_error& err) {
  const auto& l = lists();
  optind = 0;  // reset getopt (also makes GNU getopt re-read "+")
  opterr = 0;
  std::vector<detail::given_option> given;
  for (;;) {
    int long_index = -1;
    const int c = getopt_long(argc, argv, l.shorts.c_str(), l.longs.data(), &long_index);
    if (c == -1) break;
    if (c == '?' || c == ':') return fail_bad_option(c, argc, argv, err);
    const auto* spec = spec_of(c);
    if (!spec) return fail(err, "unknown option");
    std::string written = long_index >= 0 ? "--" + std::string(spec->long_name) : std::string("-") + spec->short_name;
    if (!apply_option(*spec, written, argv, out, err)) return false;
    given.push_back({spec, std::move(written)});
  }
  // The environment sits between -c and the default, for every mode (a unit or a CI
  // job sets it once for all its calls).
  if (const char* env = std::getenv("REMAPHORE_CONFIG"); !out.config_given && env && *env) out.config_path = env;
  out.rest_after_dashes = optind > 0 && optind <= argc && std::strcmp(argv[optind - 1], "--") == 0;
  for (int i = optind; i < argc; ++i) out.rest.emplace_back(argv[i]);
  return detail::check_combinations(given, out, err);
}

}  // namespace remaphore::app
