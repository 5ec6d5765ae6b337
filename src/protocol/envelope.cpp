// Envelope encode/decode. The decoder accepts only the canonical text of each field
// so that one signed message has exactly one wire form: the replay cache is keyed on
// the hash of the wire bytes, and a second spelling would be a second hash.
#include "protocol/envelope.hpp"

#include <array>
#include <chrono>
#include <limits>

#include "protocol/base58.hpp"

namespace remaphore::protocol {
namespace {

// base58 of 64 bytes is at most 88 characters, of 32 bytes at most 44; checking the
// length first keeps the quadratic base58 decoder away from long hostile fields.
constexpr std::size_t max_signature_b58 = 88;
constexpr std::size_t max_key_b58 = 44;

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is not canonical
}

// Non-empty, not too long, only characters of the base58 alphabet. The byte length
// it decodes to is checked when it is decoded.
// A table, not comparisons: receivers run this on every message they see.
constexpr auto base58_alphabet_table = [] {
  std::array<bool, 256> t{};
  for (char c : std::string_view("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"))
    t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool plausible_base58(std::string_view text, std::size_t max) {
  if (text.empty() || text.size() > max) return false;
  bool all = true;
  for (char c : text) all &= base58_alphabet_table[static_cast<unsigned char>(c)];
  return all;
}

bool canonical_uuid_hex(std::string_view text) {
  if (text.size() % 2 != 0 || text.size() > uuid_size * 2) return false;
  for (char c : text)
    if (hex_digit_value(c) < 0) return false;
  return true;
}

// Go writes the time with strconv.FormatInt(t, 16): "-" and the magnitude for negative
// values, no '+', no leading zeros, "0" for zero. Anything else is rejected.
bool parse_time(std::string_view text, std::int64_t& out) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  if (text.empty() || text.size() > 16) return false;
  if (text.front() == '0' && (text.size() > 1 || negative)) return false;  // "00", "-0"
  std::uint64_t magnitude = 0;
  for (char c : text) {
    const int v = hex_digit_value(c);
    if (v < 0) return false;
    magnitude = (magnitude << 4) | static_cast<std::uint64_t>(v);
  }
  constexpr std::uint64_t max_positive = std::numeric_limits<std::int64_t>::max();
  if (negative) {
    if (magnitude > max_positive + 1) return false;
    // Written so that INT64_MIN (magnitude 2^63) does not overflow.
    out = magnitude == max_positive + 1 ? std::numeric_limits<std::int64_t>::min()
                                        : -static_cast<std::int64_t>(magnitude);
  } else {
    if (magnitude > max_positive) return false;
    out = static_cast<std::int64_t>(magnitude);
  }
  return true;
}

std::string format_time(std::int64_t t) {
  static constexpr char digits[] = "0123456789abcdef";
  // Unsigned negation is well defined and gives the magnitude even for INT64_MIN.
  std::uint64_t magnitude = t < 0 ? 0 - static_cast<std::uint64_t>(t) : static_cast<std::uint64_t>(t);
  char buf[17];
  std::size_t pos = sizeof buf;
  do {
    buf[--pos] = digits[magnitude & 0x0f];
    magnitude >>= 4;
  } while (magnitude != 0);
  std::string out;
  if (t < 0) out.push_back('-');
  out.append(buf + pos, sizeof buf - pos);
  return out;
}

bool parse_uuid(std::string_view text, std::vector<std::uint8_t>& out) {
  if (text.size() % 2 != 0 || text.size() > uuid_size * 2) return false;
  out.clear();
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = hex_digit_value(text[i]);
    const int lo = hex_digit_value(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<std::uint8_t>((hi << 4) | lo));
  }
  return true;
}

// Splits `rest` at its next comma: `field` gets the text before it, `rest` what
// follows. False when there is no comma left.
bool next_field(std::string_view& rest, std::string_view& field) {
  const auto comma = rest.find(',');
  if (comma == std::string_view::npos) return false;
  field = rest.substr(0, comma);
  rest.remove_prefix(comma + 1);
  return true;
}

}  // namespace

const char* to_string(decode_error e) {
  switch (e) {
    case decode_error::ok: return "ok";
    case decode_error::too_few_fields: return "too few fields";
    case decode_error::bad_sender_key: return "bad sender key";
    case decode_error::bad_signature: return "bad signature encoding";
    case decode_error::bad_time: return "bad time";
    case decode_error::bad_uuid: return "bad uuid";
    case decode_error::empty_verb: return "empty verb";
    case decode_error::bad_flag: return "bad flag";
  }
  return "unknown decode error";
}

decode_error split(std::string_view wire, envelope_text& out) {
  std::string_view rest = wire;
  std::string_view time, flag;
  if (!next_field(rest, out.sender) || !next_field(rest, out.signature)) return decode_error::too_few_fields;
  out.signed_part = rest;
  if (!next_field(rest, out.destination) || !next_field(rest, time) || !next_field(rest, out.uuid_hex) ||
      !next_field(rest, out.verb) || !next_field(rest, flag))
    return decode_error::too_few_fields;
  if (!plausible_base58(out.sender, max_key_b58)) return decode_error::bad_sender_key;
  if (!plausible_base58(out.signature, max_signature_b58)) return decode_error::bad_signature;
  if (!parse_time(time, out.send_time_ns)) return decode_error::bad_time;
  if (!canonical_uuid_hex(out.uuid_hex)) return decode_error::bad_uuid;
  if (out.verb.empty()) return decode_error::empty_verb;
  if (flag != "Q" && flag != "_") return decode_error::bad_flag;
  out.request = flag == "Q";
  out.payload = rest;
  return decode_error::ok;
}

std::optional<signature> decode_signature(std::string_view b58) {
  if (b58.size() > max_signature_b58) return std::nullopt;
  const auto bytes = base58_decode(b58);
  if (!bytes || bytes->size() != signature{}.size()) return std::nullopt;
  signature sig;
  std::copy(bytes->begin(), bytes->end(), sig.begin());
  return sig;
}

std::vector<std::uint8_t> decode_uuid_hex(std::string_view hex) {
  std::vector<std::uint8_t> out;
  parse_uuid(hex, out);
  return out;
}

decode_error decode(std::string_view wire, envelope_view& out) {
  envelope_text t;
  if (auto e = split(wire, t); e != decode_error::ok) return e;
  const auto key = parse_public_key(t.sender);
  if (!key) return decode_error::bad_sender_key;
  const auto sig = decode_signature(t.signature);
  if (!sig) return decode_error::bad_signature;
  out.sender = *key;
  out.sig = *sig;
  out.destination = t.destination;
  out.send_time_ns = t.send_time_ns;
  parse_uuid(t.uuid_hex, out.uuid);
  out.verb = t.verb;
  out.request = t.request;
  out.payload = t.payload;
  out.signed_part = t.signed_part;
  return decode_error::ok;
}

bool verify_signature(const envelope_view& env) { return verify(env.sender, env.sig, env.signed_part); }

std::string encode(const private_key& key, const envelope_fields& fields) {
  // These would move the field boundaries or produce text decode() rejects.
  if (fields.verb.empty() || !fits_in_field(fields.verb) || !fits_in_field(fields.destination) ||
      fields.uuid.size() > uuid_size)
    return {};

  std::string signed_part;
  signed_part.reserve(fields.destination.size() + fields.verb.size() + fields.payload.size() + 48);
  signed_part += fields.destination;
  signed_part += ',';
  signed_part += format_time(fields.send_time_ns);
  signed_part += ',';
  signed_part += hex_encode(fields.uuid.data(), fields.uuid.size());
  signed_part += ',';
  signed_part += fields.verb;
  signed_part += ',';
  signed_part += fields.request ? 'Q' : '_';
  signed_part += ',';
  signed_part += fields.payload;

  const signature sig = sign(key, signed_part);
  std::string wire = key.public_part().to_base58();
  wire += ',';
  wire += base58_encode(sig);
  wire += ',';
  wire += signed_part;
  return wire;
}

std::vector<std::uint8_t> uuid_from(std::string_view given) {
  std::vector<std::uint8_t> out;
  if (given.empty()) {
    out.resize(uuid_size);
    random_bytes(out.data(), out.size());
  } else if (given.size() <= uuid_size) {
    out.assign(given.begin(), given.end());
  } else {
    const auto digest = sha256(given);
    out.assign(digest.begin(), digest.begin() + uuid_size);
  }
  return out;
}

digest message_hash(std::string_view wire) { return sha256(wire); }

std::int64_t now_unix_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace remaphore::protocol
