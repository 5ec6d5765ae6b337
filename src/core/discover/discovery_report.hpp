// The texts of a discovery: one line (or one JSON object) per host that answered, and
// the summary at the end (a log record, and with --json an object on stdout whose only
// key is "summary"). What a host said is data from another machine: in the text form
// every byte outside printable ASCII, and the space, is written as \xNN, so that a line
// stays one line of space-separated key=value words.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/discover/acceptance.hpp"
#include "core/discover/answer_check.hpp"
#include "core/discover/discovery_tally.hpp"

namespace remaphore::core {

// "com.x.web.1 key=4vJ9... version=0.1.0 up=3h2m5s subject=remaphore.all
//  dest=config:com.x.web.1 verbs=* filter=* command=yes queue=0 last=12s locks=-
//  replay_record=on accepts=ping"
std::string format_host_text(const host_answer& a, const std::optional<refusal>& refused, std::string_view verb,
                             std::int64_t now_ns);
std::string format_host_json(const host_answer& a, const std::optional<refusal>& refused, std::string_view verb);

// "3 expected, 2 answered (1 would not accept 'restart': node.c: ...), 1 no answer (node.d), 0.4s"
std::string format_discovery_summary_text(const discovery_tally& t, std::chrono::nanoseconds elapsed);
std::string format_discovery_summary_json(const discovery_tally& t, std::chrono::nanoseconds elapsed);

// Bytes from another host, fit for a terminal and one word: \xNN outside 0x21-0x7e.
std::string printable_word(std::string_view text);

}  // namespace remaphore::core
