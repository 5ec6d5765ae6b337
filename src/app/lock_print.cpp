#include "app/lock_print.hpp"

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/report_text.hpp"
#include "protocol/duration.hpp"

namespace remaphore::app {
namespace {

// What another host wrote is data: control bytes are shown escaped on a terminal.
std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string utc(std::int64_t ns) {
  std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json holder_json(const core::lock::holder_status& h) {
  nlohmann::json j = {{"slot", h.slot},
                      {"destination", h.destination},
                      {"key", h.key},
                      {"foreign", h.foreign},
                      {"since", utc(h.since_ns)},
                      {"renewed", utc(h.renewed_ns)},
                      {"expires", utc(h.expires_ns)},
                      {"token", h.token},
                      {"slots", h.slots}};
  if (h.foreign) j["why_foreign"] = h.why_foreign;
  return j;
}

}  // namespace

void print_lock_status(const std::string& lock, const core::lock::lock_status& s, bool json) {
  if (json) {
    nlohmann::json holders = nlohmann::json::array();
    for (const auto& h : s.holders) holders.push_back(holder_json(h));
    nlohmann::json out = {{"lock", lock}, {"holders", holders}, {"waiting", s.waiting}};
    if (s.stream_exists) out["lease"] = protocol::format_duration(s.lease);
    std::fputs(core::json_line(out).c_str(), stdout);
    return;
  }
  if (s.holders.empty()) std::printf("lock %s: no holder\n", lock.c_str());
  for (const auto& h : s.holders)
    std::printf("slot %u: %s %s%s since %s, renewed %s, token %llu\n", h.slot,
                h.destination.empty() ? "-" : printable(h.destination).c_str(), h.key.c_str(),
                h.foreign ? (" (foreign: " + h.why_foreign + ")").c_str() : "", utc(h.since_ns).c_str(),
                utc(h.renewed_ns).c_str(), static_cast<unsigned long long>(h.token));
  std::printf("waiting: %zu\n", s.waiting);
}

}  // namespace remaphore::app
