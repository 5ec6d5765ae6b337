// Config file parsing, in the Go tool's line syntax.
//
// Flow: the text is refused outright if it holds a NUL byte. Each line loses its
// comment ('#' to the end) and surrounding white space; "[ name ]" switches section;
// before the first section a line is "key: value"; in [Identities] "<pub> <priv>
// [verbs]"; in [Peers] "<destination> <pub> [verbs]". An `include: PATH` line parses
// the files PATH names right there, each by a parser of its own that shares the
// config and config_sources. At the end, default_identity must name one of the
// identities. The first error stops parsing, with "FILE:LINE: message".
//
// Stricter than the Go tool wherever it silently ignores or reinterprets a mistake
// (doc/architecture.md): a typo in a security-relevant file must not quietly fall back
// to a default or to the last of two values.
#include "protocol/config.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <variant>

#include "protocol/config_sources.hpp"
#include "protocol/config_words.hpp"
#include "protocol/duration.hpp"
#include "protocol/subjects.hpp"

namespace remaphore::protocol {
namespace {

using namespace config_words;

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

enum class section { general, identities, peers };

class parser {
 public:
  parser(std::string file, config& out, config_error& err, config_sources& sources)
      : file_(std::move(file)), out_(out), err_(err), sources_(sources) {}

  bool run(std::string_view text) { return read_lines(text) && finish(); }

 private:
  bool read_lines(std::string_view text) {
    // An editor may have saved a byte order mark; it is not part of the first key.
    if (text.starts_with("\xef\xbb\xbf")) text.remove_prefix(3);
    if (!check_no_nul(text)) return false;
    while (!text.empty()) {
      ++line_no_;
      const auto nl = text.find('\n');
      std::string_view line = text.substr(0, nl);
      text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
      if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
      line = trim(line);  // also drops the '\r' of CRLF files
      if (line.empty()) continue;
      if (!parse_line(line)) return false;
    }
    return true;
  }

  // A key and what its value sets: a field of the given type, or a member function
  // for values with rules of their own.
  using special = bool (parser::*)(const std::string& key, std::string_view value);
  struct key_rule {
    std::string_view name;
    std::variant<std::string config::*, bool config::*, std::chrono::nanoseconds config::*, special> target;
  };

  // Configs written before the host-wide replay record got its name still say
  // `replay_cache:`; it means the same key (so giving both is a repeated key).
  static std::string canonical_key(std::string key) { return key == "replay_cache" ? "replay_record" : key; }

  static const key_rule* find_rule(std::string_view key) {
    static const key_rule rules[] = {
        {"server", &parser::set_server},
        {"include", &parser::set_include},
        {"credentials", &config::credentials},
        {"subject", &parser::set_subject},
        {"default_identity", &parser::set_default_identity},
        {"destination", &config::destination},
        {"allow_skew", &parser::set_allow_skew},
        {"retain_max_age", &config::retain_max_age},
        {"tls_ca", &config::tls_ca},
        {"tls_cert", &config::tls_cert},
        {"tls_key", &config::tls_key},
        {"tls_first", &config::tls_first},
        {"ignore_discovered_servers", &config::ignore_discovered_servers},
        {"nkey_seed", &config::nkey_seed},
        {"token", &config::token},
        {"user", &config::user},
        {"password", &config::password},
        {"accept_unbound_replies", &config::accept_unbound_replies},
        {"connect_retry", &config::connect_retry},
        {"command_queue", &parser::set_command_queue},
        {"replay_record", &parser::set_replay_record},
        {"reconnect_jitter", &config::reconnect_jitter},
        {"lock_lease", &parser::set_lock_lease},
        {"lock_replicas", &parser::set_replicas},
        {"retain_replicas", &parser::set_replicas},
        {"metrics", &parser::set_metrics},
        {"jetstream_domain", &parser::set_jetstream_domain},
    };
    for (const auto& r : rules)
      if (r.name == key) return &r;
    return nullptr;
  }

  bool fail(const std::string& message) { return fail_at(line_no_, message); }

  bool fail_at(std::size_t line, const std::string& message) {
    err_.message = config_where(file_, line) + message;
    return false;
  }

  bool check_no_nul(std::string_view text) {
    const auto nul = text.find('\0');
    if (nul == std::string_view::npos) return true;
    line_no_ = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + nul, '\n'));
    return fail("NUL byte: a config is text (is this a binary or damaged file?)");
  }

  bool finish() {
    out_.lines.settings_end = first_section_line_ ? first_section_line_ : line_no_;
    if (out_.default_identity && !out_.find_identity(*out_.default_identity))
      return fail_at(out_.lines.of("default_identity"),
                     "default_identity " + out_.default_identity->to_base58() + " is not among the [ Identities ]");
    return true;
  }

  bool parse_line(std::string_view line) {
    if (line.front() == '[' && line.back() == ']') return parse_section_header(line);
    switch (section_) {
      case section::general: return parse_key_value(line);
      case section::identities: return !reject_setting(line) && parse_identity(line);
      case section::peers: return !reject_setting(line) && parse_peer(line);
    }
    return true;
  }

  bool parse_section_header(std::string_view line) {
    const auto name = trim(line.substr(1, line.size() - 2));
    const auto lower = to_lower(name);
    if (lower == "identities") {
      section_ = section::identities;
    } else if (lower == "peers") {
      section_ = section::peers;
    } else {
      return fail("unknown section '[ " + std::string(name) + " ]' (the sections are [ Identities ] and [ Peers ])");
    }
    if (first_section_line_ == 0) first_section_line_ = line_no_;
    return true;
  }

  // "key: value" inside a section would otherwise be read as a malformed identity
  // or peer ("invalid public key 'yes'"), which hides the real mistake. A known key
  // counts with or without a space after ':'; any other word only as "word: ...",
  // so that a destination such as "host:1" is still read as a peer.
  bool reject_setting(std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    const auto name = trim(line.substr(0, colon));
    if (!is_key_name(name)) return false;
    const bool spaced = colon + 1 == line.size() || is_space(line[colon + 1]);
    if (!find_rule(canonical_key(to_lower(name))) && !spaced) return false;
    fail("'" + std::string(name) + ":' is a setting: settings go before the first section (line " +
         std::to_string(first_section_line_) + ")");
    return true;
  }

  bool parse_key_value(std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return fail("expected 'key: value'");
    const auto key = canonical_key(to_lower(trim(line.substr(0, colon))));
    const auto value = trim(line.substr(colon + 1));
    if (key.empty()) return fail("expected 'key: value'");
    if (value.empty()) return fail("missing value for '" + key + "'");
    const auto* rule = find_rule(key);
    if (!rule) return fail("unknown key '" + key + "'");
    if (key != "server" && key != "include") {
      if (const auto first = out_.lines.of(key))
        return fail("'" + key + "' is given twice (first on " +
                    config_sources::place_text(file_, {file_of(key), first}) + "): it takes one value");
      out_.lines.keys.emplace(key, line_no_);
      if (!main_file()) out_.lines.key_files.emplace(key, file_);
    }
    return apply(*rule, key, value);
  }

  bool apply(const key_rule& rule, const std::string& key, std::string_view value) {
    return std::visit(
        overloaded{
            [&](std::string config::*field) {
              out_.*field = value;
              return true;
            },
            [&](bool config::*field) { return parse_flag_value(key, value, out_.*field); },
            [&](std::chrono::nanoseconds config::*field) { return parse_duration_value(key, value, out_.*field); },
            [&](special set) { return (this->*set)(key, value); },
        },
        rule.target);
  }

  bool parse_duration_value(const std::string& key, std::string_view value, std::chrono::nanoseconds& out) {
    const auto d = parse_duration(value);
    if (!d) return fail("invalid duration '" + std::string(value) + "' for " + key);
    if (d->count() < 0) return fail(key + " must not be negative");
    out = *d;
    return true;
  }

  bool parse_flag_value(const std::string& key, std::string_view value, bool& out) {
    const auto flag = parse_flag(value);
    if (flag) out = *flag;
    return flag || fail(key + " must be yes or no, not '" + std::string(value) + "'");
  }

  bool main_file() const { return sources_.is_main(file_); }
  std::string file_of(std::string_view key) const {
    const auto it = out_.lines.key_files.find(key);
    return it == out_.lines.key_files.end() ? sources_.main_file() : it->second;
  }

  bool set_server(const std::string&, std::string_view value) {
    out_.servers.emplace_back(value);
    out_.lines.servers.push_back(line_no_);
    out_.lines.server_files.push_back(main_file() ? std::string() : file_);
    return true;
  }

  // The files are parsed where the line stands, in the order the reader gives them.
  bool set_include(const std::string&, std::string_view value) {
    std::vector<included_file> files;
    std::string why;
    if (!sources_.read(config_sources::resolve(file_, value), files, why))
      return fail("include '" + std::string(value) + "': " + why);
    for (const auto& f : files) {
      if (!sources_.enter(f, why)) return fail("include '" + std::string(value) + "': " + why);
      out_.lines.included.push_back(f.path);
      const bool ok = parser(f.path, out_, err_, sources_).read_lines(f.text);
      sources_.leave();
      if (!ok) return false;
    }
    return true;
  }

  bool set_subject(const std::string&, std::string_view value) {
    if (const auto why = subjects::why_not_subject(value))
      return fail("invalid subject '" + std::string(value) + "': " + *why);
    out_.subject = value;
    return true;
  }

  bool set_default_identity(const std::string&, std::string_view value) {
    const auto pub = parse_public_key(value);
    if (!pub) return fail("invalid public key for default_identity");
    out_.default_identity = *pub;
    return true;
  }

  bool set_allow_skew(const std::string& key, std::string_view value) {
    if (!parse_duration_value(key, value, out_.allow_skew)) return false;
    // The Go tool reads 0 as "not set", i.e. its 3s default; a zero window would
    // reject every message anyway.
    if (out_.allow_skew.count() == 0) out_.allow_skew = config{}.allow_skew;
    return true;
  }

  bool set_command_queue(const std::string& key, std::string_view value) {
    constexpr std::size_t max = 1000000;
    const auto n = parse_number_in(value, 1, max);
    if (n) out_.command_queue = *n;
    return n || fail(key + " must be a number from 1 to " + std::to_string(max) + ", not '" + std::string(value) + "'");
  }

  // Shorter than a second leaves no room for a renewal's round trip and the margin
  // for the servers' clocks; a day is more than any job needs to be renewed within.
  bool set_lock_lease(const std::string& key, std::string_view value) {
    if (!parse_duration_value(key, value, out_.lock_lease)) return false;
    if (out_.lock_lease < std::chrono::seconds(1) || out_.lock_lease > std::chrono::hours(24))
      return fail(key + " must be from 1s to 24h, not '" + std::string(value) + "'");
    return true;
  }

  // A JetStream stream has 1 to 5 replicas.
  bool set_replicas(const std::string& key, std::string_view value) {
    const auto n = parse_number_in(value, 1, 5);
    if (n) (key == "lock_replicas" ? out_.lock_replicas : out_.retain_replicas) = static_cast<int>(*n);
    return n || fail(key + " must be a number from 1 to 5, not '" + std::string(value) + "'");
  }

  // One token of the API's subject, $JS.<domain>.API.
  bool set_jetstream_domain(const std::string& key, std::string_view value) {
    const auto why = subjects::why_not_subject(value);
    if (why || value.find('.') != std::string_view::npos)
      return fail("invalid " + key + " '" + std::string(value) + "': " + why.value_or("it contains '.'"));
    out_.jetstream_domain = value;
    return true;
  }

  bool set_metrics(const std::string& key, std::string_view value) {
    std::string why;
    out_.metrics = parse_listen_address(value, why);
    return out_.metrics || fail("invalid " + key + " address '" + std::string(value) + "': " + why);
  }

  // A relative path would depend on the directory each process starts in, so
  // processes of one host could each keep a record of their own without a word.
  bool set_replay_record(const std::string& key, std::string_view value) {
    if (to_lower(value) == "off") {
      out_.replay_record = "off";
    } else if (value.front() == '/') {
      out_.replay_record = value;
    } else {
      return fail(key + " must be an absolute path or off, not '" + std::string(value) + "'");
    }
    return true;
  }

  bool parse_permissions(std::string_view text, std::vector<std::string>& verbs) {
    const auto wrong = parse_verb_list(text, verbs);
    return !wrong || fail(*wrong);
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
    if (const auto why = sources_.identity_conflict(pub->bytes, pub_text, {file_, line_no_})) return fail(*why);
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
    if (!is_valid_point(*pub))
      return fail("peer key '" + std::string(pub_text) +
                  "' is not a valid ed25519 public key (a typo? no message could ever verify with it)");
    p.pub = *pub;
    if (!parse_permissions(rest, p.verbs)) return false;
    if (const auto why = sources_.peer_conflict(p, pub_text, {file_, line_no_}, out_.peers)) return fail(*why);
    out_.peers.push_back(std::move(p));
    return true;
  }

  std::string file_;
  config& out_;
  config_error& err_;
  config_sources& sources_;
  std::size_t line_no_ = 0;
  std::size_t first_section_line_ = 0;
  section section_ = section::general;
};

}  // namespace

bool parse_config(std::string_view text, std::string_view file, config& out, config_error& err,
                  const include_reader* reader) {
  // Parse into a fresh value so that a failed parse leaves `out` untouched and a
  // reused `out` does not accumulate servers or identities.
  config parsed;
  config_sources sources{std::string(file), reader};
  if (!parser(std::string(file), parsed, err, sources).run(text)) return false;
  out = std::move(parsed);
  return true;
}

bool check_config_usable(const config& c, std::string_view file, config_error& err) {
  if (c.servers.empty()) {
    err.message = config_where(file, c.lines.settings_end) +
                  "no 'server:' line (settings go before the first section): remaphore needs a NATS server to "
                  "talk to";
    return false;
  }
  return true;
}

}  // namespace remaphore::protocol
