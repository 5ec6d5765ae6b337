// The words of a config line: white space trimmed, keys compared without case,
// tokens split at white space.
#pragma once
#include <string>
#include <string_view>

namespace remaphore::protocol::config_words {

bool is_space(char c);
std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
// Splits off the next white-space-separated token.
std::string_view next_token(std::string_view& rest);
// A word that could be a key: letters, digits and '_', not starting with a digit.
bool is_key_name(std::string_view s);

}  // namespace remaphore::protocol::config_words
