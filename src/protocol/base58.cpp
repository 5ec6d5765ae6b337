// Base58 (Bitcoin alphabet). Keys and signatures are at most 64 bytes, so the
// quadratic big-number conversion below is cheap enough and keeps the code obvious.
#include "protocol/base58.hpp"

#include <array>

namespace remaphore::protocol {
namespace {

constexpr std::string_view alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

// Maps a character to its digit value, or -1 when it is not in the alphabet.
constexpr std::array<int, 256> make_decode_table() {
  std::array<int, 256> table{};
  for (auto& v : table) v = -1;
  for (std::size_t i = 0; i < alphabet.size(); ++i)
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
  return table;
}
constexpr auto decode_table = make_decode_table();

}  // namespace

std::string base58_encode(std::span<const std::uint8_t> bytes) {
  // Leading zero bytes are written as leading '1's; the rest is a base conversion.
  std::size_t zeros = 0;
  while (zeros < bytes.size() && bytes[zeros] == 0) ++zeros;

  // Little-endian base58 digits of the number formed by the remaining bytes.
  std::vector<std::uint8_t> digits;
  digits.reserve(bytes.size() * 138 / 100 + 1);
  for (std::size_t i = zeros; i < bytes.size(); ++i) {
    unsigned carry = bytes[i];
    for (auto& d : digits) {
      carry += static_cast<unsigned>(d) << 8;
      d = static_cast<std::uint8_t>(carry % 58);
      carry /= 58;
    }
    while (carry > 0) {
      digits.push_back(static_cast<std::uint8_t>(carry % 58));
      carry /= 58;
    }
  }

  std::string out(zeros, '1');
  out.reserve(zeros + digits.size());
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) out.push_back(alphabet[*it]);
  return out;
}

std::optional<std::vector<std::uint8_t>> base58_decode(std::string_view text) {
  if (text.empty()) return std::nullopt;

  std::size_t ones = 0;
  while (ones < text.size() && text[ones] == '1') ++ones;

  // Little-endian base256 bytes of the number formed by the remaining digits.
  std::vector<std::uint8_t> bytes;
  bytes.reserve(text.size() * 733 / 1000 + 1);
  for (std::size_t i = ones; i < text.size(); ++i) {
    const int value = decode_table[static_cast<unsigned char>(text[i])];
    if (value < 0) return std::nullopt;
    unsigned carry = static_cast<unsigned>(value);
    for (auto& b : bytes) {
      carry += static_cast<unsigned>(b) * 58;
      b = static_cast<std::uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push_back(static_cast<std::uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }

  std::vector<std::uint8_t> out(ones, 0);
  out.insert(out.end(), bytes.rbegin(), bytes.rend());
  return out;
}

}  // namespace remaphore::protocol
