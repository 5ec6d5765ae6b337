// NATS nkeys and creds files: base32 + CRC16 seeds, public key encoding, and the
// nonce signature that CONNECT carries.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace remaphore::nats {

struct nkey {
  char type = 0;                        // 'U' user, 'A' account, 'O' operator, ...
  std::array<std::uint8_t, 32> seed{};  // ed25519 seed
  std::array<std::uint8_t, 32> pub{};   // ed25519 public key derived from the seed
  std::string public_key() const;       // e.g. "UDXB2V..." (56 chars)
  std::string seed_string() const;      // e.g. "SUAOY5..." (58 chars)
  // base64url without padding of the ed25519 signature over the bytes of `nonce`.
  std::string sign_nonce(std::string_view nonce) const;
  // Raw ed25519 signature (for minting JWTs in tests and tools).
  std::array<std::uint8_t, 64> sign(std::string_view data) const;
};

// Decodes "S<type>..." seeds. errc::bad_seed for any base32, length, CRC or prefix
// error. Surrounding whitespace is ignored.
nkey decode_seed(std::string_view seed, std::error_code& ec);

// Makes a fresh nkey of a type ('U', 'A', 'O').
nkey generate_nkey(char type);

// Encodes a public key of a type as NATS prints it (base32 of prefix||key||crc16le).
std::string encode_public_key(char type, const std::array<std::uint8_t, 32>& pub);

struct creds {
  std::string jwt;
  std::string seed;
};
// Parses a creds file: the first "---...---" delimited block is the JWT, the second
// the seed. Accepts CRLF. errc::bad_creds when either is missing.
creds parse_creds(std::string_view text, std::error_code& ec);

// RFC 4648 base32, upper case, without padding (nkeys, JWT ids).
std::string base32_encode(const std::uint8_t* data, std::size_t n);

std::string base64url_nopad(const std::uint8_t* data, std::size_t n);

// CRC16-XMODEM (poly 0x1021, init 0).
std::uint16_t crc16(const std::uint8_t* data, std::size_t n);

}  // namespace remaphore::nats
