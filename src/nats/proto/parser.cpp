// Flow: parse() looks at the front of the unconsumed bytes in three steps.
//   1. The op name (at most four characters). A prefix that cannot become a known
//      op is rejected at once, so garbage never waits for a line bound.
//   2. The control line up to CRLF, searched only within the op's bound (INFO has
//      its own, larger one). Without a CRLF the line is too long as soon as the
//      bytes seen exceed the bound; otherwise we wait for more.
//   3. For MSG/HMSG the payload plus its CRLF. The size was checked against
//      max_payload before waiting for it, so a lying server cannot make the
//      caller buffer more than the limit.
// Nothing is remembered between calls: an incomplete frame is re-read from its
// start next time. Control lines are short, and a payload is only located (not
// scanned) once its line is parsed, so re-reading costs little.
#include "nats/proto/parser.hpp"

#include <array>
#include <limits>

#include "nats/proto/error.hpp"

namespace remaphore::nats {
namespace {

constexpr std::string_view crlf = "\r\n";

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool ends_op_name(char c) { return is_blank(c) || c == '\r' || c == '\n'; }

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

struct op_name {
  std::string_view name;
  op kind;
};
// Lower-case; the protocol lets the server use any case.
constexpr std::array<op_name, 7> op_names{{
    {"msg", op::msg},
    {"hmsg", op::hmsg},
    {"ping", op::ping},
    {"pong", op::pong},
    {"info", op::info},
    {"+ok", op::ok},
    {"-err", op::err},
}};
constexpr std::size_t longest_op_name = 4;

op find_op(std::string_view name) {
  for (const auto& o : op_names) {
    if (iequals(name, o.name)) return o.kind;
  }
  return op::none;
}

bool could_become_op(std::string_view partial) {
  for (const auto& o : op_names) {
    if (istarts_with(o.name, partial)) return true;
  }
  return false;
}

// Decimal digits only: no sign, no blanks, and overflow is an error rather than a
// wrap, because a wrapped size would let a frame pass the max_payload check.
bool parse_number(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  std::uint64_t v = 0;
  constexpr auto max = std::numeric_limits<std::uint64_t>::max();
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (max - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

bool parse_size(std::string_view s, std::size_t& out) {
  std::uint64_t v = 0;
  if (!parse_number(s, v) || v > std::numeric_limits<std::size_t>::max()) return false;
  out = static_cast<std::size_t>(v);
  return true;
}

// Splits the MSG/HMSG arguments on runs of blanks. Returns the count, or
// max_args + 1 when there are more than we can use.
constexpr std::size_t max_args = 5;
std::size_t split_args(std::string_view args, std::array<std::string_view, max_args>& out) {
  std::size_t n = 0;
  std::size_t i = 0;
  while (i < args.size()) {
    while (i < args.size() && is_blank(args[i])) ++i;
    if (i == args.size()) break;
    std::size_t start = i;
    while (i < args.size() && !is_blank(args[i])) ++i;
    if (n == max_args) return max_args + 1;
    out[n++] = args.substr(start, i - start);
  }
  return n;
}

// Step 1: the op name, at most four characters. false with `ec` clear when more
// bytes are needed, false with `ec` set when no op can start this way.
bool read_op_name(std::string_view data, op& kind, std::size_t& name_end, std::error_code& ec) {
  name_end = 0;
  while (name_end < data.size() && name_end <= longest_op_name && !ends_op_name(data[name_end])) ++name_end;
  if (name_end > longest_op_name) {
    ec = errc::unknown_operation;
    return false;
  }
  if (name_end == data.size()) {
    if (!could_become_op(data)) ec = errc::unknown_operation;
    return false;
  }
  kind = find_op(data.substr(0, name_end));
  if (kind == op::none) ec = errc::unknown_operation;
  return kind != op::none;
}

// Step 2: where the control line ends (its CRLF). Searches no further than the
// bound (+2 for the CRLF) so a buffer holding a large payload behind a short line is
// not scanned.
bool find_line_end(std::string_view data, std::size_t bound, std::size_t& line_end, std::error_code& ec) {
  std::size_t window = data.size();
  if (window > bound && window - bound > 2) window = bound + 2;
  line_end = data.substr(0, window).find(crlf);
  if (line_end == std::string_view::npos) {
    // A trailing '\r' may be the first half of the CRLF, so it does not count.
    const std::size_t seen = data.size() - (data.back() == '\r' ? 1 : 0);
    if (seen > bound) ec = errc::control_line_too_long;
    return false;
  }
  if (line_end > bound) {
    ec = errc::control_line_too_long;
    return false;
  }
  return true;
}

// The ops that are only a control line: PING, PONG, +OK, INFO, -ERR.
bool parse_line_op(op kind, std::string_view args, event& out, std::error_code& ec) {
  out.kind = kind;
  switch (kind) {
    case op::ping:
    case op::pong:
    case op::ok:
      if (!args.empty()) ec = errc::bad_arguments;
      break;
    case op::info:
      if (args.empty()) ec = errc::bad_arguments;
      out.text = args;
      break;
    case op::err:
      // The server quotes the text; keep it verbatim otherwise so callers can
      // still report whatever the server said.
      if (args.size() >= 2 && args.front() == '\'' && args.back() == '\'') args = args.substr(1, args.size() - 2);
      out.text = args;
      break;
    default: ec = errc::unknown_operation; break;
  }
  return !ec;
}

// MSG <subject> <sid> [reply-to] <#bytes>
// HMSG <subject> <sid> [reply-to] <#header bytes> <#total bytes>
// The sizes are checked against max_payload before the caller waits for the payload.
bool parse_message_line(op kind, std::string_view args, std::size_t max_payload, event& out, std::size_t& header_size,
                        std::size_t& total, std::error_code& ec) {
  std::array<std::string_view, max_args> tok;
  const std::size_t n = split_args(args, tok);
  const std::size_t sizes = kind == op::hmsg ? 2 : 1;
  header_size = total = 0;
  if (n < 2 + sizes || n > 3 + sizes) {
    ec = errc::bad_arguments;
    return false;
  }
  out.kind = kind;
  out.subject = tok[0];
  if (n == 3 + sizes) out.reply = tok[2];
  if (!parse_number(tok[1], out.sid) || !parse_size(tok[n - 1], total) ||
      (kind == op::hmsg && !parse_size(tok[n - 2], header_size))) {
    ec = errc::bad_arguments;
    return false;
  }
  if (header_size > total) {
    ec = errc::headers_too_large;
    return false;
  }
  if (total > max_payload) {
    ec = errc::payload_too_large;
    return false;
  }
  return true;
}

}  // namespace

std::size_t parser::parse(std::string_view data, event& ev, std::error_code& ec) {
  ec.clear();
  ev = event{};
  if (data.empty()) return 0;
  op kind = op::none;
  std::size_t name_end = 0, line_end = 0;
  if (!read_op_name(data, kind, name_end, ec)) return 0;
  const std::size_t bound = kind == op::info ? limits_.max_info_line : limits_.max_control_line;
  if (!find_line_end(data, bound, line_end, ec)) return 0;
  const std::string_view args = trim(data.substr(name_end, line_end - name_end));
  const std::size_t line_size = line_end + crlf.size();

  event out;
  if (kind != op::msg && kind != op::hmsg) {
    if (!parse_line_op(kind, args, out, ec)) return 0;
    ev = out;
    return line_size;
  }
  std::size_t header_size = 0, total = 0;
  if (!parse_message_line(kind, args, limits_.max_payload, out, header_size, total, ec)) return 0;

  // Step 3: the payload and its CRLF. Compare against what is available rather than
  // computing line_size + total + 2, which could overflow with a huge limit.
  const std::size_t avail = data.size() - line_size;
  if (avail < total) return 0;
  const std::string_view after = data.substr(line_size + total, 2);
  // Reject a wrong byte as soon as it arrives instead of after the second one.
  if ((!after.empty() && after[0] != '\r') || (after.size() == 2 && after[1] != '\n')) {
    ec = errc::missing_payload_crlf;
    return 0;
  }
  if (after.size() < 2) return 0;
  const std::string_view body = data.substr(line_size, total);
  out.headers = body.substr(0, header_size);
  out.payload = body.substr(header_size);
  ev = out;
  return line_size + total + crlf.size();
}

bool parse_headers(std::string_view block, header_view& out) {
  out = header_view{};
  constexpr std::string_view version = "NATS/1.0";
  if (!block.starts_with(version)) return false;
  const std::size_t eol = block.find(crlf);
  if (eol == std::string_view::npos) return false;
  std::string_view status_line = block.substr(version.size(), eol - version.size());
  // "NATS/1.0x" is another version, not 1.0 followed by a status.
  if (!status_line.empty() && !is_blank(status_line.front())) return false;
  status_line = trim(status_line);
  if (!status_line.empty()) {
    if (status_line.size() < 3 || (status_line.size() > 3 && !is_blank(status_line[3]))) return false;
    int status = 0;
    for (std::size_t i = 0; i < 3; ++i) {
      const char c = status_line[i];
      if (c < '0' || c > '9') return false;
      status = status * 10 + (c - '0');
    }
    out.status = status;
    out.description = trim(status_line.substr(3));
  }
  out.block = block;
  return true;
}

std::string_view header_view::get(std::string_view name) const {
  std::size_t pos = block.find(crlf);
  if (pos == std::string_view::npos) return {};
  pos += crlf.size();
  while (pos < block.size()) {
    const std::size_t eol = block.find(crlf, pos);
    const std::string_view line = eol == std::string_view::npos ? block.substr(pos) : block.substr(pos, eol - pos);
    if (line.empty()) break;  // the blank line that ends the block
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && iequals(trim(line.substr(0, colon)), name)) {
      return trim(line.substr(colon + 1));
    }
    if (eol == std::string_view::npos) break;
    pos = eol + crlf.size();
  }
  return {};
}

}  // namespace remaphore::nats
