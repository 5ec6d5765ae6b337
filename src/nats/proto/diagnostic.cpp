#include "nats/proto/diagnostic.hpp"

#include <algorithm>

namespace remaphore::nats {

namespace {

std::string server_and_reason(std::string_view server, std::string_view reason) {
  if (server.empty()) return std::string(reason);
  std::string out(server);
  out += ": ";
  out += reason;
  return out;
}

}  // namespace

std::string diagnostic::text() const {
  if (attempts.empty()) return server_and_reason(server, reason.empty() && error ? error.message() : reason);
  std::string out;
  for (const auto& a : attempts) {
    if (!out.empty()) out += "; ";
    out += server_and_reason(a.server, a.reason);
  }
  return out;
}

void diagnostic::add_attempt(std::string_view server_url, std::error_code ec, std::string_view why) {
  auto same = [&](const server_attempt& a) { return a.server == server_url; };
  if (auto it = std::find_if(attempts.begin(), attempts.end(), same); it != attempts.end()) {
    it->error = ec;
    it->reason = why;
    return;
  }
  attempts.push_back({std::string(server_url), ec, std::string(why)});
}

diagnostic make_diagnostic(std::error_code ec, std::string server, std::string reason) {
  diagnostic d;
  d.error = ec;
  d.server = std::move(server);
  d.reason = std::move(reason);
  return d;
}

std::string describe_duration(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

std::string describe_payload_over(std::size_t size, std::size_t max_payload) {
  return "a message of " + std::to_string(size) + " bytes is over the server's max_payload of " +
         std::to_string(max_payload) + " bytes";
}

}  // namespace remaphore::nats
