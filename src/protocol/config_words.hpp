// The words of a config line: white space trimmed, keys compared without case,
// tokens split at white space.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace remaphore::protocol::config_words {

bool is_space(char c);
std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
// Splits off the next white-space-separated token.
std::string_view next_token(std::string_view& rest);
// A word that could be a key: letters, digits and '_', not starting with a digit.
bool is_key_name(std::string_view s);
// yes/true/1 or no/false/0, in any case.
std::optional<bool> parse_flag(std::string_view value);
// A decimal number from `lo` to `hi`, nothing else.
std::optional<std::size_t> parse_number_in(std::string_view value, std::size_t lo, std::size_t hi);
// "[a, B, *]" -> {"a", "b", "*"}; "[]" allows no verb. Returns what is wrong, if
// anything: an empty entry ("[a, ,b]", "[a,]") is a typo more often than not.
std::optional<std::string> parse_verb_list(std::string_view text, std::vector<std::string>& verbs);

}  // namespace remaphore::protocol::config_words
