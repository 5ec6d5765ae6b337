// Which options go together.
//
// Flow: the mode comes from the mode options given (-s, -r, -C, --check-config,
// --keygen; none means receive); two different ones are refused. -h and --version
// win over everything else, since a broken command line is when help is wanted.
// Then every option given must mean something in that mode, and no two may
// contradict each other: an option that would be ignored is an error, because a
// command line that silently does less than it says is how a deploy waits forever.
#include <algorithm>

#include "app/cli_table.hpp"

namespace remaphore::app {
namespace detail {
namespace {

// Options that each work in the mode but not together (by long name).
struct conflict {
  std::string_view a, b, why;
};
const conflict conflicts[] = {
    {"dest", "no-dest-filter", "-D accepts one exact destination, -d any"},
    {"once", "count", "-o ends at the first message, -n waits for K peers"},
};

// Options that mean something only next to another one (by long name): alone they
// would be ignored.
struct requirement {
  std::string_view option, needs, why;
};
const requirement requirements[] = {
    {"batch-timeout", "batch", "it bounds each batch of a rolling request"},
    {"batch-stop-on-failure", "batch", "it stops a rolling request between batches"},
    {"batch-sleep", "batch", "it pauses a rolling request between batches"},
};

// "receiving, sending (-s) and requests (-r)" for the modes in `bits`.
std::string purpose(unsigned bits) {
  static const std::pair<unsigned, std::string_view> names[] = {
      {in_receive, "receiving"}, {in_send, "sending (-s)"},           {in_request, "requests (-r)"},
      {in_print_config, "-C"},   {in_check_config, "--check-config"}, {in_keygen, "--keygen"},
      {in_lock, "--lock"},       {in_lock_status, "--lock-status"},   {in_discover, "--discover"},
  };
  std::vector<std::string_view> parts;
  for (const auto& [bit, name] : names)
    if (bits & bit) parts.push_back(name);
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? " and " : ", ";
    out += parts[i];
  }
  return out;
}

// Sets out.what; `mode_written` is the option that chose it ("" for receive).
bool choose_mode(const std::vector<given_option>& given, cli_options& out, std::string& mode_written, cli_error& err) {
  const auto given_mode = [&](mode m) {
    return std::any_of(given.begin(), given.end(), [&](const given_option& g) { return g.spec->selects == m; });
  };
  out.what = given_mode(mode::help) ? mode::help : given_mode(mode::version) ? mode::version : mode::receive;
  if (out.what != mode::receive) return true;
  const given_option* chosen = nullptr;
  for (const auto& g : given) {
    if (!g.spec->selects) continue;
    if (chosen && chosen->spec->selects != g.spec->selects)
      return fail(err, chosen->written + " and " + g.written + " cannot be used together");
    chosen = &g;
  }
  if (chosen) {
    out.what = *chosen->spec->selects;
    mode_written = chosen->written;
  }
  return true;
}

bool check_fits_mode(const given_option& g, mode m, const std::string& mode_written, cli_error& err) {
  if (g.spec->modes & mode_bit(m)) return true;
  const std::string where = m == mode::receive ? "when receiving (without -s or -r)" : "with " + mode_written;
  return fail(err, g.written + " is for " + purpose(g.spec->modes) + ": it cannot be used " + where);
}

const given_option* find_given(const std::vector<given_option>& given, std::string_view long_name) {
  const auto it =
      std::find_if(given.begin(), given.end(), [&](const given_option& g) { return g.spec->long_name == long_name; });
  return it == given.end() ? nullptr : &*it;
}

bool check_conflicts(const std::vector<given_option>& given, cli_error& err) {
  for (const auto& c : conflicts) {
    auto* a = find_given(given, c.a);
    auto* b = find_given(given, c.b);
    if (!a || !b) continue;
    if (b < a) std::swap(a, b);  // in the order they were given
    return fail(err, a->written + " and " + b->written + " cannot be used together (" + std::string(c.why) + ")");
  }
  return true;
}

bool check_requirements(const std::vector<given_option>& given, cli_error& err) {
  for (const auto& r : requirements) {
    const auto* option = find_given(given, r.option);
    if (option && !find_given(given, r.needs))
      return fail(err, option->written + " needs --" + std::string(r.needs) + " (" + std::string(r.why) + ")");
  }
  return true;
}

// A lock runs a command, at most 1000 slots; the status takes no words after its options.
bool check_lock(const cli_options& out, cli_error& err) {
  if (out.what == mode::lock && out.rest.empty())
    return fail(err, "--lock " + out.lock_name + " needs a command to run while the lock is held");
  if (out.what == mode::lock && out.count > 1000)
    return fail(err, "-n " + std::to_string(out.count) + ": a lock has at most 1000 slots");
  if (out.what == mode::lock_status && !out.rest.empty())
    return fail(err, "--lock-status takes no command ('" + out.rest.front() + "')");
  return true;
}

}  // namespace

bool check_combinations(const std::vector<given_option>& given, cli_options& out, cli_error& err) {
  std::string mode_written;
  if (!choose_mode(given, out, mode_written, err)) return false;
  if (out.what == mode::help || out.what == mode::version) return true;
  for (const auto& g : given)
    if (!check_fits_mode(g, out.what, mode_written, err)) return false;
  if (!check_conflicts(given, err)) return false;
  if (!check_requirements(given, err)) return false;
  if ((out.what == mode::send || out.what == mode::request || out.what == mode::discover) && out.verbs.size() > 1)
    return fail(err, "send one verb at a time (-v takes a list only when receiving)");
  if (out.what == mode::discover && !out.rest.empty())
    return fail(err, "--discover sends no payload: '" + out.rest.front() + "' is not one of its options");
  if (!check_lock(out, err)) return false;
  return check_payload_words(out, err);
}

}  // namespace detail

namespace {

// The words of the payload or command that are exactly one of our options.
std::vector<std::string> option_words(const cli_options& o) {
  std::vector<std::string> out;
  if (o.rest_after_dashes) return out;  // "--" made the split explicit
  for (const auto& w : o.rest)
    if (detail::is_option_word(w)) out.push_back(w);
  return out;
}

// "'-D'", "'-D' and '-t'", "'-D', '-t' and '-o'".
std::string quoted_list(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " and " : ", ";
    out += "'" + words[i] + "'";
  }
  return out;
}

}  // namespace

namespace detail {

// `remaphore -s -v restart now -D com.acme.web.2` would send "now -D com.acme.web.2"
// to every host: a payload word that is one of our options is refused instead.
bool check_payload_words(const cli_options& o, cli_error& err) {
  if (o.what != mode::send && o.what != mode::request) return true;
  const auto words = option_words(o);
  if (words.empty()) return true;
  const bool one = words.size() == 1;
  return fail(err, "the payload holds " + quoted_list(words) + ", which " + (one ? "is an option" : "are options") +
                       " of remaphore: options end at the first argument that is not an option ('" + o.rest.front() +
                       "'), so " + (one ? "it" : "they") +
                       " would be sent as payload. Put remaphore's options before the payload, or put -- before "
                       "the payload to send it as written");
}

}  // namespace detail

std::optional<std::string> misplaced_option_warning(const cli_options& o) {
  if (o.what != mode::receive && o.what != mode::lock) return std::nullopt;
  const auto words = option_words(o);
  if (words.empty()) return std::nullopt;
  const bool one = words.size() == 1;
  return quoted_list(words) + (one ? " is" : " are") + " part of the command, not " + (one ? "an option" : "options") +
         " of remaphore: options end at the first argument that is not an option ('" + o.rest.front() +
         "'). Put remaphore's options first, or use -- before the command to say it is meant as written";
}

}  // namespace remaphore::app
