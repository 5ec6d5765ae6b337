#include "core/request_tally.hpp"

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/reply.hpp"

namespace remaphore::core {
namespace {

std::string join_destinations(const std::vector<const protocol::peer*>& peers) {
  std::string out;
  for (const auto* p : peers) {
    if (!out.empty()) out += ", ";
    out += p->destination;
  }
  return out;
}

// "1 silent (b)", or "0 silent" when there is nobody to name.
std::string count_with_names(std::size_t n, std::string_view what, const std::string& names) {
  std::string out = std::to_string(n) + " " + std::string(what);
  if (!names.empty()) out += " (" + names + ")";
  return out;
}

nlohmann::json destinations_json(const std::vector<const protocol::peer*>& peers) {
  auto out = nlohmann::json::array();
  for (const auto* p : peers) out.push_back(p->destination);
  return out;
}

}  // namespace

nlohmann::json exit_code_json(const reply_status& s) {
  if (s.no_data) return nullptr;
  return s.exit_code ? nlohmann::json(*s.exit_code) : nlohmann::json(s.code_text);
}

reply_status status_of(std::string_view payload) {
  reply_status s;
  if (payload == no_data) {
    s.no_data = true;
    return s;
  }
  s.code_text = std::string(payload.substr(0, payload.find(',')));
  char* end = nullptr;
  long v = std::strtol(s.code_text.c_str(), &end, 10);
  if (!s.code_text.empty() && *end == '\0') s.exit_code = v;
  return s;
}

void request_tally::expect(const protocol::peer* p) {
  if (known_.insert(p).second) order_.push_back(p);
}

bool request_tally::record(const protocol::peer* p, const reply_status& s) {
  expect(p);
  return answers_.emplace(p, s).second;
}

const reply_status* request_tally::answer_of(const protocol::peer* p) const {
  auto it = answers_.find(p);
  return it == answers_.end() ? nullptr : &it->second;
}

std::size_t request_tally::failed() const {
  std::size_t n = 0;
  for (const auto& [peer, status] : answers_) n += status.failed() ? 1 : 0;
  return n;
}

std::vector<const protocol::peer*> request_tally::silent() const {
  std::vector<const protocol::peer*> out;
  for (const auto* p : order_)
    if (!answers_.contains(p)) out.push_back(p);
  return out;
}

std::vector<std::pair<const protocol::peer*, reply_status>> request_tally::failures() const {
  std::vector<std::pair<const protocol::peer*, reply_status>> out;
  for (const auto* p : order_) {
    auto it = answers_.find(p);
    if (it != answers_.end() && it->second.failed()) out.emplace_back(p, it->second);
  }
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
  const auto failures = t.failures();
  const auto silent = t.silent();
  std::string failed;
  for (const auto& [peer, status] : failures)
    failed += (failed.empty() ? "" : ", ") + peer->destination + ": exit " + status.code_text;
  std::string out = std::to_string(t.asked()) + " asked, " + std::to_string(t.answered()) + " answered, " +
                    count_with_names(failures.size(), "failed", failed) + ", " +
                    count_with_names(silent.size(), "silent", join_destinations(silent));
  if (s.batch_size > 0) out += ", " + count_with_names(s.not_asked.size(), "not asked", join_destinations(s.not_asked));
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
  j["not_asked"] = destinations_json(s.not_asked);
  j["elapsed_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(s.elapsed).count();
  if (s.batch_size > 0) j["batches"] = {{"size", s.batch_size}, {"run", s.batches_run}, {"total", s.batch_count}};
  j["stopped"] = s.stopped == batch_stop::none ? nlohmann::json(nullptr) : nlohmann::json(to_string(s.stopped));
  nlohmann::json out;
  out["summary"] = std::move(j);
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

outcome outcome_of(const request_summary& s, bool stop_on_failure) {
  const auto& t = *s.tally;
  if (s.stopped == batch_stop::lost || s.stopped == batch_stop::interrupted) return outcome::failed;
  if (!stop_on_failure) return t.answered() > 0 ? outcome::done : outcome::timed_out;
  bool all_well = t.answered() == t.asked() && t.failed() == 0 && s.not_asked.empty();
  return all_well && t.asked() > 0 ? outcome::done : outcome::timed_out;
}

}  // namespace remaphore::core
