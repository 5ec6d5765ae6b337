// The -ERRs by which a server refuses one command and keeps the connection open:
//   'Permissions Violation for Publish to "X"'
//   'Permissions Violation for Publish with Reply of "X"'
//   'Permissions Violation for Subscription to "X"' (+ ' using queue "Q"')
//   'Invalid Subject'
// They arrive asynchronously, in order with everything else the server sends: a
// refusal that comes before the PONG of a PING written after the command is that
// command's answer. The subject is what lets a client tell which subscription the
// server refused.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace remaphore::nats {

struct refusal {
  enum class refused { publish, reply_subject, subscription, other };
  refused what = refused::other;
  bool permission = false;  // a permissions violation (errc::permission_denied), not a malformed command
  std::string subject;      // the subject named by the server, unquoted; empty for `other`
};

// nullopt when the text is not a refusal (an -ERR after which the server closes the
// connection). Compared without regard to case, as the server's words have changed
// case between versions.
std::optional<refusal> parse_refusal(std::string_view err_text);

}  // namespace remaphore::nats
