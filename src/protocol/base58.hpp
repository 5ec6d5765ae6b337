// Base58 with the Bitcoin alphabet, as the Go tool writes keys and signatures.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace remaphore::protocol {

std::string base58_encode(std::span<const std::uint8_t> bytes);

// nullopt for any character outside the alphabet (and for empty input).
std::optional<std::vector<std::uint8_t>> base58_decode(std::string_view text);

}  // namespace remaphore::protocol
