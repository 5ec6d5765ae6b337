// ed25519 through libsodium. Its secret key layout (seed || public) is the one the
// Go tool stores, so keys go to libsodium unchanged.
#include "protocol/keys.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <span>

#include "protocol/base58.hpp"

namespace remaphore::protocol {
namespace {

// A default-constructed string_view has a null data(); libsodium declares some of its
// pointer arguments non-null even for zero lengths, so hand it a real address instead.
const unsigned char* bytes_of(std::string_view s) {
  static const unsigned char empty = 0;
  return s.data() != nullptr ? reinterpret_cast<const unsigned char*>(s.data()) : &empty;
}

}  // namespace

static_assert(crypto_sign_PUBLICKEYBYTES == 32);
static_assert(crypto_sign_SECRETKEYBYTES == 64);
static_assert(crypto_sign_BYTES == 64);
static_assert(crypto_hash_sha256_BYTES == 32);

void crypto_init() {
  // A function-local static makes the first call thread-safe. sodium_init() only fails
  // when the system cannot provide randomness; continuing would hand out predictable
  // keys and uuids, so stop here.
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();
}

std::string public_key::to_base58() const { return base58_encode(bytes); }

std::string private_key::to_base58() const { return base58_encode(bytes); }

public_key private_key::public_part() const {
  public_key pub;
  std::copy(bytes.begin() + 32, bytes.end(), pub.bytes.begin());
  return pub;
}

key_pair generate_key_pair() {
  crypto_init();
  key_pair kp;
  crypto_sign_keypair(kp.pub.bytes.data(), kp.priv.bytes.data());
  return kp;
}

std::optional<public_key> parse_public_key(std::string_view b58) {
  // 32 bytes never take more than 44 base58 digits; the bound keeps hostile input cheap.
  if (b58.size() > 44) return std::nullopt;
  const auto raw = base58_decode(b58);
  if (!raw || raw->size() != 32) return std::nullopt;
  public_key key;
  std::copy(raw->begin(), raw->end(), key.bytes.begin());
  return key;
}

std::optional<private_key> parse_private_key(std::string_view b58) {
  if (b58.size() > 88) return std::nullopt;
  const auto raw = base58_decode(b58);
  if (!raw || raw->size() != 64) return std::nullopt;
  private_key key;
  std::copy(raw->begin(), raw->end(), key.bytes.begin());

  // libsodium signs with the stored public half without recomputing it, so a key whose
  // halves disagree would produce signatures that nobody can verify.
  crypto_init();
  key_bytes derived_pub{};
  std::array<std::uint8_t, 64> derived_sk{};
  crypto_sign_seed_keypair(derived_pub.data(), derived_sk.data(), key.bytes.data());
  sodium_memzero(derived_sk.data(), derived_sk.size());
  if (!std::equal(derived_pub.begin(), derived_pub.end(), key.bytes.begin() + 32)) return std::nullopt;
  return key;
}

bool is_valid_point(const public_key& key) {
  crypto_init();
  return crypto_core_ed25519_is_valid_point(key.bytes.data()) == 1;
}

signature sign(const private_key& key, std::string_view message) {
  crypto_init();
  signature sig{};
  crypto_sign_detached(sig.data(), nullptr, bytes_of(message), message.size(), key.bytes.data());
  return sig;
}

bool verify(const public_key& key, const signature& sig, std::string_view message) {
  crypto_init();
  return crypto_sign_verify_detached(sig.data(), bytes_of(message), message.size(), key.bytes.data()) == 0;
}

void random_bytes(std::uint8_t* out, std::size_t n) {
  if (n == 0) return;  // out may be null then, which libsodium does not allow
  crypto_init();
  randombytes_buf(out, n);
}

digest sha256(std::string_view data) {
  crypto_init();
  digest out{};
  crypto_hash_sha256(out.data(), bytes_of(data), data.size());
  return out;
}

std::string hex_encode(const std::uint8_t* data, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 0x0f]);
  }
  return out;
}

}  // namespace remaphore::protocol
