// Text that came from another host, made safe to show on a terminal or in a log: a
// peer's output, verb or destination must not retitle, clear or redraw the screen of
// the operator who reads it, nor pass for a line of another host.
//
// Escaped, visibly: control characters (below 0x20 but those kept, DEL), the C1
// controls U+0080-U+009F and the bidirectional overrides (which reorder what is shown)
// of valid UTF-8 as \uXXXX, and every byte that is not part of valid UTF-8 as \xNN.
// Everything else, valid UTF-8 included, is kept as it is.
#pragma once
#include <string>
#include <string_view>

namespace remaphore::log {

std::string printable(std::string_view text, std::string_view keep = "\n\t");

// Whether printable() would change `text`.
bool needs_escaping(std::string_view text, std::string_view keep = "\n\t");

// The length of the valid UTF-8 sequence `text` starts with, or 0 when it does not
// start with one (a stray continuation byte, an overlong form, a surrogate, a code
// point past U+10FFFF, a sequence cut short).
std::size_t utf8_sequence_length(std::string_view text);

}  // namespace remaphore::log
