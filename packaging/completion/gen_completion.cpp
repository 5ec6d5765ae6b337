// Fills a shell completion template with remaphore's options, read from the option
// table that --help prints, so that completion cannot miss or invent an option.
//   @OPTIONS@            every option word: -s --send -r --request ...
//   @VALUE_OPTIONS@      the words of the options that take a value
//   @MODE_OPTIONS@       bash assignments _remaphore_options_<mode>='...': the options
//                        a mode takes (-s: send, -r: request, ...), once it is chosen
//   @ZSH_SPECS@          one zsh _arguments spec per option, with its help text; a
//                        mode option excludes what its mode does not take
//   @INCLUDE file@       the text of `file` (beside the template), e.g. the awk
//                        program that reads a config; it must hold no single quote,
//                        as the scripts pass it in single quotes
// Usage: remaphore-completion-gen TEMPLATE > SCRIPT
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "app/cli_table.hpp"

namespace {

using remaphore::app::mode;
using remaphore::app::detail::mode_bit;
using remaphore::app::detail::option_spec;
using remaphore::app::detail::option_table;

// The modes an option chooses that take other options (not -h, --version).
bool chooses_working_mode(const option_spec& o) { return o.selects && *o.selects != mode::help && *o.selects != mode::version; }

std::string words_of(const option_spec& o) {
  std::string w;
  if (o.short_name) w += std::string("-") + o.short_name + " ";
  return w + "--" + std::string(o.long_name);
}

std::string option_words(bool only_with_value) {
  std::string out;
  for (const auto& o : option_table()) {
    if (only_with_value && o.value_name.empty()) continue;
    if (!out.empty()) out += ' ';
    out += words_of(o);
  }
  return out;
}

// The options mode option `chooser` leaves to type: those its mode takes, not another
// mode's chooser (help and version included: they would end the run).
std::string mode_option_words(const option_spec& chooser) {
  std::string out;
  for (const auto& o : option_table()) {
    if (o.selects || !(o.modes & mode_bit(*chooser.selects))) continue;
    out += (out.empty() ? "" : " ") + words_of(o);
  }
  return out;
}

// "_remaphore_options_send='-c --config ...'" for each mode option's mode.
std::string mode_options() {
  std::string out;
  for (const auto& o : option_table()) {
    if (!chooses_working_mode(o)) continue;
    std::string name(o.long_name);
    for (auto& c : name) c = c == '-' ? '_' : c;
    out += "_remaphore_options_" + name + "='" + mode_option_words(o) + "'\n";
  }
  return out;
}

// What an option excludes once it is on the line: itself, and for a mode option every
// option its mode does not take; for another option the mode options of modes that
// do not take it.
std::string zsh_exclusions(const option_spec& o) {
  std::string out = words_of(o);
  for (const auto& other : option_table()) {
    if (&other == &o) continue;
    const bool excluded = chooses_working_mode(o) ? (other.selects || !(other.modes & mode_bit(*o.selects)))
                          : !o.selects          ? chooses_working_mode(other) && !(o.modes & mode_bit(*other.selects))
                                                : false;
    if (excluded) out += " " + words_of(other);
  }
  return out;
}

// The help text on one line, as a zsh description: brackets escaped, and single
// quotes closed and reopened, since the spec is single-quoted.
std::string zsh_description(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '[' || c == ']') out += '\\';
    if (c == '\'')
      out += "'\\''";
    else
      out += c == '\n' ? ' ' : c;
  }
  return out;
}

// '(-t --timeout)'{-t+,--timeout=}'[give up after DUR ...]:DUR:_remaphore_value --timeout'
std::string zsh_spec(const option_spec& o) {
  const bool takes_value = !o.value_name.empty();
  const std::string long_word = "--" + std::string(o.long_name) + (takes_value ? "=" : "");
  std::string spec = "    '(" + zsh_exclusions(o) + ")'";
  if (o.short_name) {
    const std::string short_word = std::string("-") + o.short_name + (takes_value ? "+" : "");
    spec += "{" + short_word + "," + long_word + "}'";
  } else {
    spec += "'" + long_word;
  }
  spec += "[" + zsh_description(o.help) + "]";
  if (takes_value)
    spec += ":" + std::string(o.value_name) + ":_remaphore_value --" + std::string(o.long_name);
  return spec + "'\n";
}

std::string zsh_specs() {
  std::string out;
  for (const auto& o : option_table()) out += zsh_spec(o);
  return out;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  out = text.str();
  return true;
}

bool replace_all(std::string& text, const std::string& marker, const std::string& value) {
  bool found = false;
  for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at + value.size())) {
    text.replace(at, marker.size(), value);
    found = true;
  }
  return found;
}

// Replaces each "@INCLUDE name@" with the file `name` from `dir`.
bool expand_includes(std::string& text, const std::string& dir) {
  const std::string head = "@INCLUDE ";
  for (auto at = text.find(head); at != std::string::npos; at = text.find(head, at)) {
    const auto end = text.find('@', at + head.size());
    if (end == std::string::npos) return false;
    const auto name = text.substr(at + head.size(), end - at - head.size());
    std::string body;
    if (!read_file(dir + "/" + name, body) || body.find('\'') != std::string::npos) {
      std::cerr << "remaphore-completion-gen: cannot include '" << name << "' (unreadable, or holds a single quote)\n";
      return false;
    }
    while (!body.empty() && body.back() == '\n') body.pop_back();
    text.replace(at, end + 1 - at, body);
    at += body.size();
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: remaphore-completion-gen TEMPLATE > SCRIPT\n";
    return 2;
  }
  const std::string path = argv[1];
  std::string text;
  if (!read_file(path, text)) {
    std::cerr << "remaphore-completion-gen: cannot read " << path << "\n";
    return 1;
  }
  const auto slash = path.rfind('/');
  if (!expand_includes(text, slash == std::string::npos ? "." : path.substr(0, slash))) return 1;
  replace_all(text, "@OPTIONS@", option_words(false));
  replace_all(text, "@VALUE_OPTIONS@", option_words(true));
  std::string modes = mode_options();
  if (!modes.empty()) modes.pop_back();
  replace_all(text, "@MODE_OPTIONS@", modes);
  std::string specs = zsh_specs();
  if (!specs.empty()) specs.pop_back();  // the template's line ends the last one
  replace_all(text, "@ZSH_SPECS@", specs);
  std::cout << text;
  return std::cout.good() ? 0 : 1;
}
