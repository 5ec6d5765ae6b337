// Why something failed, in one place: the error code a caller branches on, the
// server it concerns and the reason in words, once. A failed connect also keeps
// every server it tried with that server's own reason, because "no server could be
// reached" alone does not tell an admin which address or which fault to fix.
#pragma once
#include <chrono>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace remaphore::nats {

// One connection attempt that failed.
struct server_attempt {
  std::string server;  // URL without credentials
  std::error_code error;
  std::string reason;
};

struct diagnostic {
  std::error_code error;
  std::string server;                    // the server concerned; empty when none is (a local file, say)
  std::string reason;                    // the server's own words for -ERR, else ours; never the error twice
  std::vector<server_attempt> attempts;  // connect: each server tried, with its latest reason

  explicit operator bool() const { return static_cast<bool>(error); }

  // One line for a log: "server: reason", or every attempt as "a: why; b: why".
  std::string text() const;

  void clear() { *this = diagnostic{}; }

  // Records a failed attempt: the server keeps one entry, with its latest reason, in
  // the order servers were first tried.
  void add_attempt(std::string_view server_url, std::error_code ec, std::string_view why);
};

// A diagnostic for an error that concerns no attempt list.
diagnostic make_diagnostic(std::error_code ec, std::string server, std::string reason);

// "2 s", "700 ms", "1500 ms": a bound in the words of a log line.
std::string describe_duration(std::chrono::milliseconds d);

// "a message of 2000 bytes is over the server's max_payload of 1024 bytes"
std::string describe_payload_over(std::size_t size, std::size_t max_payload);

}  // namespace remaphore::nats
