// The signed message envelope, byte-compatible with the Go tool:
//   wire   = b58(sender_pubkey) "," b58(signature) "," signed
//   signed = destination "," hex(send_time_ns) "," hex(uuid) "," verb "," flag "," payload
// Only the canonical form is accepted (doc/architecture.md, "Wire format").
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/keys.hpp"

namespace remaphore::protocol {

enum class decode_error {
  ok = 0,
  too_few_fields,  // fewer than 8 comma-separated fields
  bad_sender_key,  // not base58 of 32 bytes
  bad_signature,   // not base58 of 64 bytes (syntax, not verification)
  bad_time,        // not canonical lowercase hex of a signed 64-bit value
  bad_uuid,        // not canonical lowercase hex (even length) of 0..12 bytes
  empty_verb,
  bad_flag,  // not exactly "Q" or "_"
};
const char* to_string(decode_error e);

inline constexpr std::size_t uuid_size = 12;

// A decoded envelope. Every string_view points into the wire buffer that was
// decoded and is valid only as long as that buffer is.
struct envelope_view {
  public_key sender;
  signature sig{};
  std::string_view destination;
  std::int64_t send_time_ns = 0;
  std::vector<std::uint8_t> uuid;  // raw bytes, at most uuid_size
  std::string_view verb;
  bool request = false;  // flag "Q"
  std::string_view payload;
  std::string_view signed_part;  // the bytes the signature covers, as received
};

decode_error decode(std::string_view wire, envelope_view& out);

// The fields of an envelope as text, split and checked for syntax without decoding the
// key, the signature or the uuid: what a receiver needs to drop a message that is not
// for it, at a fraction of decode()'s cost. Views into `wire`.
struct envelope_text {
  std::string_view sender;     // base58, alphabet and length checked
  std::string_view signature;  // base58, alphabet and length checked
  std::string_view destination;
  std::int64_t send_time_ns = 0;
  std::string_view uuid_hex;  // canonical lowercase hex of 0..12 bytes
  std::string_view verb;
  bool request = false;
  std::string_view payload;
  std::string_view signed_part;
};

// The same acceptance as decode(), but for the byte lengths of the key and signature,
// which only decoding can check (decode_key and decode_signature below).
decode_error split(std::string_view wire, envelope_text& out);
std::optional<signature> decode_signature(std::string_view b58);
std::vector<std::uint8_t> decode_uuid_hex(std::string_view hex);  // hex checked by split()

// Checks the signature over signed_part. Nothing from a message may be trusted
// before this returns true.
bool verify_signature(const envelope_view& env);

struct envelope_fields {
  std::string destination;
  std::int64_t send_time_ns = 0;
  std::vector<std::uint8_t> uuid;
  std::string verb;
  bool request = false;
  std::string payload;
};

// Whether a destination or a verb can go into an envelope: a ',' would move the
// field boundaries (the Go tool could not read it either).
inline bool fits_in_field(std::string_view text) { return text.find(',') == std::string_view::npos; }

// Returns the wire bytes. Fails (returns empty) only if destination or verb holds ',',
// verb is empty or uuid is longer than uuid_size: decode() would reject the result.
std::string encode(const private_key& key, const envelope_fields& fields);

// The uuid transform (doc/architecture.md, "Wire format"): <= 12 bytes kept, longer -> first 12 bytes of
// SHA-256, empty -> 12 random bytes.
std::vector<std::uint8_t> uuid_from(std::string_view given);

// SHA-256 of the whole wire bytes.
digest message_hash(std::string_view wire);

std::int64_t now_unix_ns();

}  // namespace remaphore::protocol
