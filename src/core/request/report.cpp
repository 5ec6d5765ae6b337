#include "core/request/report.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/report_text.hpp"
#include "log/printable.hpp"

namespace remaphore::core {
namespace {

// "1 silent (b)", or "0 silent" when there is nobody to name.
std::string count_with_names(std::size_t n, std::string_view what, const std::string& names) {
  std::string out = std::to_string(n) + " " + std::string(what);
  if (!names.empty()) out += " (" + names + ")";
  return out;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

nlohmann::json destinations_json(const std::vector<const protocol::peer*>& peers) {
  auto out = nlohmann::json::array();
  for (const auto* p : peers) out.push_back(p->destination);
  return out;
}

// The exit code as JSON: a number, the text when it is not one, null for NO_DATA.
nlohmann::json exit_code_json(const reply_status& s) {
  if (s.no_data) return nullptr;
  return s.exit_code ? nlohmann::json(*s.exit_code) : nlohmann::json(s.code_text);
}

}  // namespace

std::string format_reply_text(const collected_reply& r, std::string_view marker, bool terminal) {
  std::string line = r.peer->destination + "," + r.payload;
  if (line.ends_with('\n')) line.pop_back();  // the usual final newline of command output
  // On a terminal a peer's control characters are shown, not obeyed; and a reply that
  // held any (a carriage return above all) is framed, so that none of it can pass for
  // a line of another host. Piped, the bytes stay as they came.
  bool framed = line.find('\n') != std::string::npos;
  if (terminal && log::needs_escaping(line)) {
    line = log::printable(line);
    framed = true;
  }
  if (!framed) return line + "\n";
  std::string m(marker);
  return "--> " + m + "\n" + line + "\n--< " + m + "\n";
}

std::string format_reply_json(const collected_reply& r) {
  nlohmann::json j;
  j["destination"] = r.peer->destination;
  j["sender"] = r.peer->pub.to_base58();
  const auto status = protocol::status_of(r.payload);
  j["exit_code"] = exit_code_json(status);
  if (status.no_data)
    j["output"] = nullptr;
  else
    j["output"] = std::string(protocol::reply_output(r.payload));
  return json_line(j);
}

std::string join_destinations(const std::vector<const protocol::peer*>& peers) {
  std::string out;
  for (const auto* p : peers) out += (out.empty() ? "" : ", ") + p->destination;
  return out;
}

std::string describe_failures(const request_tally& t) {
  std::string out;
  for (const auto& [peer, status] : t.failures())
    out += (out.empty() ? "" : ", ") + peer->destination + ": exit " + status.code_text;
  return out;
}

std::string format_seconds(std::chrono::nanoseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", std::chrono::duration<double>(d).count());
  return buf;
}

std::string format_progress(const request_tally& t, std::size_t total, std::chrono::nanoseconds elapsed,
                            std::size_t batch, std::size_t batch_count) {
  std::string out = std::to_string(t.answered()) + "/" + std::to_string(std::max(total, t.asked())) + " answered, " +
                    std::to_string(t.failed()) + " failed, " + format_seconds(elapsed);
  if (batch_count > 0) out += ", batch " + std::to_string(batch) + "/" + std::to_string(batch_count);
  return out;
}

std::string format_summary_text(const request_summary& s) {
  const auto& t = *s.tally;
  const auto silent = t.silent();
  std::string out = std::to_string(t.asked()) + " asked, " + std::to_string(t.answered()) + " answered, " +
                    count_with_names(t.failed(), "failed", describe_failures(t)) + ", " +
                    count_with_names(silent.size(), "silent", join_destinations(silent));
  if (const auto interrupted = t.interrupted(); !interrupted.empty())
    out += ", " + count_with_names(interrupted.size(), "interrupted", join_destinations(interrupted));
  if (s.batch_size > 0) out += ", " + count_with_names(s.not_asked.size(), "not asked", join_destinations(s.not_asked));
  if (!s.unknown_keys.empty())
    out += ", " + std::to_string(s.unknown_keys.size()) +
           (s.unknown_keys.size() == 1 ? " reply from an unknown key (" : " replies from unknown keys (") +
           join_words(s.unknown_keys) + ")";
  out += ", " + format_seconds(s.elapsed);
  if (s.batch_size > 0)
    out += ", " + std::to_string(s.batches_run) + " of " + std::to_string(s.batch_count) + " batches of " +
           std::to_string(s.batch_size);
  return out;
}

std::string format_summary_json(const request_summary& s) {
  const auto& t = *s.tally;
  nlohmann::json j;
  j["asked"] = t.asked();
  j["answered"] = t.answered();
  auto failed = nlohmann::json::array();
  for (const auto& [peer, status] : t.failures())
    failed.push_back({{"destination", peer->destination}, {"exit_code", exit_code_json(status)}});
  j["failed"] = std::move(failed);
  j["silent"] = destinations_json(t.silent());
  j["interrupted"] = destinations_json(t.interrupted());
  j["not_asked"] = destinations_json(s.not_asked);
  j["unknown_keys"] = s.unknown_keys;
  j["elapsed_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(s.elapsed).count();
  if (s.batch_size > 0) j["batches"] = {{"size", s.batch_size}, {"run", s.batches_run}, {"total", s.batch_count}};
  j["stopped"] = s.stopped == batch_stop::none ? nlohmann::json(nullptr) : nlohmann::json(to_string(s.stopped));
  nlohmann::json out;
  out["summary"] = std::move(j);
  return json_line(out);
}

}  // namespace remaphore::core
