// The texts of a request run: each reply as printed, the live progress line, and the
// summary at the end (a log record, and with --json an object on stdout).
#pragma once
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/request/reply_collector.hpp"
#include "core/request/request_tally.hpp"
#include "protocol/config.hpp"

namespace remaphore::core {

// One reply as printed: "destination,exit-code,output" on one line, or framed by
// "--> MARKER" / "--< MARKER" lines when it has several, or when `terminal` (stdout is
// one) and it held control characters, shown escaped; or one JSON object per line.
std::string format_reply_text(const collected_reply& r, std::string_view marker, bool terminal = false);
std::string format_reply_json(const collected_reply& r);

// "12/40 answered, 1 failed, 3.2s", with ", batch 2/4" for a rolling request. The
// total counts every peer of the run, asked yet or not.
std::string format_progress(const request_tally& t, std::size_t total, std::chrono::nanoseconds elapsed,
                            std::size_t batch, std::size_t batch_count);

// The summary sentence for the log: "10 asked, 9 answered, 1 failed (a: exit 3),
// 1 silent (b), 4 not asked (c, d, e, f), 3.2s".
std::string format_summary_text(const request_summary& s);
// One JSON object on one line whose only key is "summary"; reply objects never have
// that key, which is how a consumer tells them apart.
std::string format_summary_json(const request_summary& s);

// "a, b, c": peers by destination, in the given order.
std::string join_destinations(const std::vector<const protocol::peer*>& peers);
// "a: exit 3, b: exit 1": the peers that answered with a non-zero exit code.
std::string describe_failures(const request_tally& t);

// "3.2s"
std::string format_seconds(std::chrono::nanoseconds d);

}  // namespace remaphore::core
