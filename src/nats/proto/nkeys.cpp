#include "nats/proto/nkeys.hpp"

#include <sodium.h>

#include <stdexcept>
#include <vector>

#include "nats/proto/error.hpp"

namespace remaphore::nats {
namespace {

// Layout of an encoded seed (36 bytes before base32):
//   [0]      0x90 ('S' << 3) | high 3 bits of the key type's prefix byte
//   [1]      low 5 bits of the prefix byte << 3
//   [2..33]  ed25519 seed
//   [34..35] CRC16-XMODEM of [0..33], little-endian
// A public key is prefix byte || 32-byte key || CRC16, 35 bytes.
constexpr std::uint8_t seed_prefix = 18 << 3;  // 'S'
constexpr std::size_t seed_raw_size = 36;
constexpr std::size_t seed_string_size = 58;  // ceil(36 * 8 / 5)
constexpr std::size_t public_raw_size = 35;

constexpr std::string_view base32_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// Only the ed25519 types. Curve keys ('X') use another algorithm and are not
// valid here.
bool prefix_byte_for(char type, std::uint8_t& out) {
  switch (type) {
    case 'U': out = 20 << 3; return true;
    case 'A': out = 0; return true;
    case 'O': out = 14 << 3; return true;
    case 'N': out = 13 << 3; return true;
    case 'C': out = 2 << 3; return true;
    default: return false;
  }
}

// A prefix byte is a base32 letter's value shifted left by 3, so the letter
// it prints as is the alphabet entry at prefix >> 3.
bool type_for_prefix_byte(std::uint8_t prefix, char& out) {
  const char type = base32_alphabet[prefix >> 3];
  std::uint8_t check = 0;
  if (!prefix_byte_for(type, check) || check != prefix) return false;
  out = type;
  return true;
}

// Strict: upper-case alphabet only, no padding, and the unused low bits of the
// last character must be zero so every key has exactly one spelling (and
// decode/encode round-trips).
bool base32_decode(std::string_view s, std::vector<std::uint8_t>& out) {
  out.clear();
  out.reserve(s.size() * 5 / 8);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    std::uint32_t v = 0;
    if (c >= 'A' && c <= 'Z') {
      v = static_cast<std::uint32_t>(c - 'A');
    } else if (c >= '2' && c <= '7') {
      v = static_cast<std::uint32_t>(c - '2' + 26);
    } else {
      return false;
    }
    acc = ((acc << 5) | v) & 0xFFFF;  // never more than 12 live bits
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
    }
  }
  return (acc & ((1u << bits) - 1)) == 0;
}

void put_crc(std::uint8_t* data, std::size_t n) {
  const std::uint16_t crc = crc16(data, n);
  data[n] = static_cast<std::uint8_t>(crc & 0xFF);
  data[n + 1] = static_cast<std::uint8_t>(crc >> 8);
}

void ensure_sodium() {
  // sodium_init() is idempotent and thread-safe; it fails only when the system
  // cannot supply randomness, in which case generated keys would be unsafe.
  if (sodium_init() < 0) throw std::runtime_error("libsodium initialisation failed");
}

std::string_view trim_space(std::string_view s) {
  constexpr std::string_view ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// A "-----BEGIN ...-----" or "------END ...------" line.
bool is_dash_line(std::string_view line) {
  constexpr std::string_view dashes = "---";
  return line.size() >= 2 * dashes.size() && line.starts_with(dashes) && line.ends_with(dashes);
}

// The characters a JWT or seed can hold: [A-Za-z0-9_.=-].
bool is_block_content(std::string_view line) {
  if (line.empty()) return false;
  for (char c : line) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.' || c == '=';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string base32_encode(const std::uint8_t* data, std::size_t n) {
  std::string out;
  out.reserve((n * 8 + 4) / 5);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    acc = (acc << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(base32_alphabet[(acc >> bits) & 31]);
    }
  }
  if (bits > 0) out.push_back(base32_alphabet[(acc << (5 - bits)) & 31]);
  return out;
}

std::uint16_t crc16(const std::uint8_t* data, std::size_t n) {
  std::uint16_t crc = 0;
  for (std::size_t i = 0; i < n; ++i) {
    crc = static_cast<std::uint16_t>(crc ^ (static_cast<std::uint16_t>(data[i]) << 8));
    for (int b = 0; b < 8; ++b) {
      crc = (crc & 0x8000) ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021) : static_cast<std::uint16_t>(crc << 1);
    }
  }
  return crc;
}

std::string base64url_nopad(const std::uint8_t* data, std::size_t n) {
  ensure_sodium();
  constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(n, variant), '\0');
  sodium_bin2base64(out.data(), out.size(), data, n, variant);
  out.resize(out.size() - 1);  // ENCODED_LEN counts the terminating NUL
  return out;
}

std::string encode_public_key(char type, const std::array<std::uint8_t, 32>& pub) {
  std::uint8_t prefix = 0;
  // A bad type is a programming error (types are literals), not bad input.
  if (!prefix_byte_for(type, prefix)) throw std::invalid_argument("unknown nkey type");
  std::array<std::uint8_t, public_raw_size> raw{};
  raw[0] = prefix;
  std::copy(pub.begin(), pub.end(), raw.begin() + 1);
  put_crc(raw.data(), 1 + pub.size());
  return base32_encode(raw.data(), raw.size());
}

std::string nkey::public_key() const { return encode_public_key(type, pub); }

std::string nkey::seed_string() const {
  std::uint8_t prefix = 0;
  if (!prefix_byte_for(type, prefix)) throw std::invalid_argument("unknown nkey type");
  std::array<std::uint8_t, seed_raw_size> raw{};
  raw[0] = static_cast<std::uint8_t>(seed_prefix | (prefix >> 5));
  raw[1] = static_cast<std::uint8_t>((prefix & 31) << 3);
  std::copy(seed.begin(), seed.end(), raw.begin() + 2);
  put_crc(raw.data(), 2 + seed.size());
  std::string out = base32_encode(raw.data(), raw.size());
  sodium_memzero(raw.data(), raw.size());
  return out;
}

std::array<std::uint8_t, 64> nkey::sign(std::string_view data) const {
  ensure_sodium();
  // Derive the secret key from the seed each time rather than trusting `pub`,
  // so an nkey assembled by hand still signs with its own key.
  std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
  std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
  crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
  std::array<std::uint8_t, 64> sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                       sk.data());
  sodium_memzero(sk.data(), sk.size());
  return sig;
}

std::string nkey::sign_nonce(std::string_view nonce) const {
  const auto sig = sign(nonce);
  return base64url_nopad(sig.data(), sig.size());
}

nkey decode_seed(std::string_view seed, std::error_code& ec) {
  ec.clear();
  seed = trim_space(seed);
  std::vector<std::uint8_t> raw;
  nkey key;
  const auto fail = [&] {
    sodium_memzero(raw.data(), raw.size());
    ec = errc::bad_seed;
    return nkey{};
  };
  if (seed.size() != seed_string_size || !base32_decode(seed, raw) || raw.size() != seed_raw_size) {
    return fail();
  }
  const std::uint16_t crc = static_cast<std::uint16_t>(raw[34] | (raw[35] << 8));
  if (crc16(raw.data(), 34) != crc) return fail();
  if ((raw[0] & 0xF8) != seed_prefix || (raw[1] & 7) != 0) return fail();
  const auto prefix = static_cast<std::uint8_t>(((raw[0] & 7) << 5) | (raw[1] >> 3));
  if (!type_for_prefix_byte(prefix, key.type)) return fail();

  ensure_sodium();
  std::copy(raw.begin() + 2, raw.begin() + 34, key.seed.begin());
  std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
  crypto_sign_seed_keypair(key.pub.data(), sk.data(), key.seed.data());
  sodium_memzero(sk.data(), sk.size());
  sodium_memzero(raw.data(), raw.size());
  return key;
}

nkey generate_nkey(char type) {
  std::uint8_t prefix = 0;
  if (!prefix_byte_for(type, prefix)) throw std::invalid_argument("unknown nkey type");
  ensure_sodium();
  nkey key;
  key.type = type;
  randombytes_buf(key.seed.data(), key.seed.size());
  std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
  crypto_sign_seed_keypair(key.pub.data(), sk.data(), key.seed.data());
  sodium_memzero(sk.data(), sk.size());
  return key;
}

creds parse_creds(std::string_view text, std::error_code& ec) {
  ec.clear();
  // Lines, with CR stripped so files edited on Windows parse the same.
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    lines.push_back(trim_space(text.substr(0, eol)));
    if (eol == std::string_view::npos) break;
    text.remove_prefix(eol + 1);
  }

  // A block is a dash line, one content line and a dash line, as in nkeys'
  // creds_utils.go; blank lines around the content are tolerated. Anything
  // else (the banner between the blocks) is skipped.
  std::vector<std::string_view> blocks;
  const auto next_nonblank = [&](std::size_t i) {
    while (i < lines.size() && lines[i].empty()) ++i;
    return i;
  };
  for (std::size_t i = 0; i < lines.size() && blocks.size() < 2; ++i) {
    if (!is_dash_line(lines[i])) continue;
    const std::size_t content = next_nonblank(i + 1);
    if (content >= lines.size() || is_dash_line(lines[content]) || !is_block_content(lines[content])) {
      continue;
    }
    const std::size_t close = next_nonblank(content + 1);
    if (close >= lines.size() || !is_dash_line(lines[close])) continue;
    blocks.push_back(lines[content]);
    i = close;
  }
  if (blocks.size() < 2) {
    ec = errc::bad_creds;
    return {};
  }
  return creds{std::string(blocks[0]), std::string(blocks[1])};
}

}  // namespace remaphore::nats
