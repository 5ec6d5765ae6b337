// Destination patterns (doc/architecture.md, "Destination patterns").
#pragma once
#include <string_view>

namespace remaphore::protocol {

// True when the message destination pattern matches the node destination.
// Segments are '.'-separated; '*' inside a segment matches any run of characters
// (one '*' per segment, prefix and suffix may not overlap); a final "**" matches one
// or more remaining segments; "**" alone matches everything. A node destination
// containing '*' never matches. Malformed patterns never match and never crash.
bool destination_matches(std::string_view pattern, std::string_view node);

}  // namespace remaphore::protocol
