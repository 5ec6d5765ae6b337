// Destination matching. Patterns come from signed but otherwise arbitrary messages,
// so every malformed shape is a plain "no match": nothing here may index past a
// segment (the Go matcher does, and a long prefix panics every receiver).
#include "protocol/pattern.hpp"

namespace remaphore::protocol {
namespace {

// One pattern segment against one name segment. At most one '*', and the literal
// text on both sides of it must fit into the name without sharing characters
// ("ab*be" does not match "abe").
bool segment_matches(std::string_view pattern, std::string_view name) {
  const auto star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == name;
  if (pattern.find('*', star + 1) != std::string_view::npos) return false;
  const std::string_view prefix = pattern.substr(0, star);
  const std::string_view suffix = pattern.substr(star + 1);
  if (prefix.size() + suffix.size() > name.size()) return false;
  return name.starts_with(prefix) && name.ends_with(suffix);
}

// Splits off the next '.'-separated segment; `rest` becomes empty with `more` false
// after the last one.
std::string_view next_segment(std::string_view& rest, bool& more) {
  const auto dot = rest.find('.');
  if (dot == std::string_view::npos) {
    const auto seg = rest;
    rest = {};
    more = false;
    return seg;
  }
  const auto seg = rest.substr(0, dot);
  rest.remove_prefix(dot + 1);
  more = true;
  return seg;
}

}  // namespace

bool destination_matches(std::string_view pattern, std::string_view node) {
  // A node name with '*' would let a pattern's literal text match the node's wildcard;
  // node names are configured, never patterns.
  if (node.find('*') != std::string_view::npos) return false;
  // "**" means every node, including one without a destination (the empty node is then
  // one empty segment, as in the Go tool). An empty pattern is what a reply carries;
  // it is addressed to nobody, so it matches nothing, not even the empty node.
  if (pattern == "**") return true;
  if (pattern.empty() || node.empty()) return false;

  std::string_view p_rest = pattern, n_rest = node;
  bool p_more = true, n_more = true;
  while (p_more) {
    const auto p_seg = next_segment(p_rest, p_more);
    if (p_seg == "**") {
      // Only valid as the final segment, and then it needs at least one name segment.
      return !p_more && n_more;
    }
    if (!n_more) return false;  // pattern has more segments than the node
    const auto n_seg = next_segment(n_rest, n_more);
    if (!segment_matches(p_seg, n_seg)) return false;
  }
  return !n_more;  // equal segment counts
}

}  // namespace remaphore::protocol
