// ed25519 keys and signatures through libsodium. A private key is seed || public
// (64 bytes), the layout the Go tool stores in config files.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace remaphore::protocol {

// The raw bytes of an ed25519 public key.
using key_bytes = std::array<std::uint8_t, 32>;
// A SHA-256 digest: a message's hash, which names it for replay checks and replies.
using digest = std::array<std::uint8_t, 32>;

struct public_key {
  key_bytes bytes{};
  friend bool operator==(const public_key&, const public_key&) = default;
  std::string to_base58() const;
};

struct private_key {
  std::array<std::uint8_t, 64> bytes{};
  friend bool operator==(const private_key&, const private_key&) = default;
  std::string to_base58() const;
  public_key public_part() const;  // the last 32 bytes
};

using signature = std::array<std::uint8_t, 64>;

struct key_pair {
  public_key pub;
  private_key priv;
};

// Calls sodium_init() once; safe to call from anywhere, any number of times.
void crypto_init();

key_pair generate_key_pair();

// nullopt unless the text is base58 of exactly 32 (resp. 64) bytes. A private key
// whose public half does not match its seed is rejected too.
std::optional<public_key> parse_public_key(std::string_view b58);
std::optional<private_key> parse_private_key(std::string_view b58);

// Whether the 32 bytes encode a point of ed25519's main subgroup, as every public key
// of a real key pair does; most mistyped keys do not (any 32 bytes decode from base58).
bool is_valid_point(const public_key& key);

signature sign(const private_key& key, std::string_view message);
bool verify(const public_key& key, const signature& sig, std::string_view message);

// Fills the buffer with random bytes (libsodium randombytes_buf).
void random_bytes(std::uint8_t* out, std::size_t n);

digest sha256(std::string_view data);

std::string hex_encode(const std::uint8_t* data, std::size_t n);
template <std::size_t N>
std::string hex_encode(const std::array<std::uint8_t, N>& a) {
  return hex_encode(a.data(), N);
}

}  // namespace remaphore::protocol
