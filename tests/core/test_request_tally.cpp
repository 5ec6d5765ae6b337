// The count of a request run and the texts made from it, without a server: exit codes
// read from replies, the progress line, the summary (text and JSON) and the outcome
// that becomes the exit code.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/request/progress_line.hpp"
#include "core/request/report.hpp"
#include "core/request/request_tally.hpp"

using namespace remaphore;
using namespace std::chrono_literals;
using core::outcome;

namespace {

struct fleet {
  protocol::config cfg;
  explicit fleet(const std::vector<std::string>& destinations) {
    for (const auto& d : destinations) cfg.peers.push_back({d, {}, {"*"}});
  }
  const protocol::peer* operator[](std::size_t i) const { return &cfg.peers.at(i); }
};

core::request_summary summary_of(const core::request_tally& t) {
  core::request_summary s;
  s.tally = &t;
  s.elapsed = 3200ms;
  return s;
}

}  // namespace

TEST_CASE("tally: a reply's exit code is read from its payload, NO_DATA is no failure") {
  CHECK(protocol::status_of("0,fine").exit_code == 0);
  CHECK(!protocol::status_of("0,fine").failed());
  CHECK(protocol::status_of("3,bad,with,commas").exit_code == 3);
  CHECK(protocol::status_of("3,bad").failed());
  CHECK(protocol::status_of("0").exit_code == 0);
  CHECK(protocol::status_of("NO_DATA").no_data);
  CHECK(!protocol::status_of("NO_DATA").failed());
  auto odd = protocol::status_of("x1,out");
  CHECK(!odd.exit_code);
  CHECK(odd.code_text == "x1");
  CHECK(odd.failed());  // not a 0
  CHECK(protocol::status_of(",out").failed());
}

TEST_CASE("tally: asked, answered, failed and silent, in the order asked") {
  fleet f({"a", "b", "c", "d"});
  core::request_tally t;
  for (std::size_t i = 0; i < 4; ++i) t.expect(f[i]);
  t.expect(f[1]);  // asked twice is asked once
  CHECK(t.asked() == 4);
  CHECK(t.record(f[2], protocol::status_of("0,ok")));
  CHECK(t.record(f[0], protocol::status_of("2,bad")));
  CHECK(!t.record(f[0], protocol::status_of("0,again")));  // the first answer counts
  CHECK(t.answered() == 2);
  CHECK(t.failed() == 1);
  REQUIRE(t.silent().size() == 2);
  CHECK(t.silent()[0]->destination == "b");
  CHECK(t.silent()[1]->destination == "d");
  REQUIRE(t.failures().size() == 1);
  CHECK(t.failures()[0].first->destination == "a");
  CHECK(t.failures()[0].second.code_text == "2");
  CHECK(t.answer_of(f[0])->exit_code == 2);
  CHECK(t.answer_of(f[1]) == nullptr);
}

TEST_CASE("tally: a configured peer that answers unasked is counted as asked and answered") {
  fleet f({"a", "b"});
  core::request_tally t;
  t.expect(f[0]);
  t.record(f[1], protocol::status_of("0,ok"));
  CHECK(t.asked() == 2);
  CHECK(t.answered() == 1);
  REQUIRE(t.silent().size() == 1);
  CHECK(t.silent()[0]->destination == "a");
}

TEST_CASE("tally: the progress line counts answers against the whole run") {
  fleet f({"a", "b", "c"});
  core::request_tally t;
  t.expect(f[0]);
  t.expect(f[1]);
  t.record(f[0], protocol::status_of("1,x"));
  CHECK(core::format_progress(t, 40, 3200ms, 0, 0) == "1/40 answered, 1 failed, 3.2s");
  CHECK(core::format_progress(t, 40, 3200ms, 2, 14) == "1/40 answered, 1 failed, 3.2s, batch 2/14");
  CHECK(core::format_progress(t, 0, 0ms, 0, 0) == "1/2 answered, 1 failed, 0.0s");  // never fewer than asked
}

TEST_CASE("tally: the summary names the failed, the silent and the peers not asked") {
  fleet f({"a", "b", "c", "d", "e"});
  core::request_tally t;
  for (std::size_t i = 0; i < 3; ++i) t.expect(f[i]);
  t.record(f[0], protocol::status_of("0,ok"));
  t.record(f[1], protocol::status_of("3,bad"));
  auto s = summary_of(t);
  CHECK(core::format_summary_text(s) == "3 asked, 2 answered, 1 failed (b: exit 3), 1 silent (c), 3.2s");
  s.batch_size = 3;
  s.batch_count = 2;
  s.batches_run = 1;
  s.not_asked = {f[3], f[4]};
  s.stopped = core::batch_stop::failure;
  CHECK(core::format_summary_text(s) ==
        "3 asked, 2 answered, 1 failed (b: exit 3), 1 silent (c), 2 not asked (d, e), 3.2s, 1 of 2 batches of 3");
}

TEST_CASE("tally: the JSON summary is one object under the key summary, on one line") {
  fleet f({"a", "b", "c", "d"});
  core::request_tally t;
  for (std::size_t i = 0; i < 3; ++i) t.expect(f[i]);
  t.record(f[0], protocol::status_of("0,ok"));
  t.record(f[1], protocol::status_of("3,bad"));
  auto s = summary_of(t);
  s.not_asked = {f[3]};
  s.batch_size = 3;
  s.batch_count = 2;
  s.batches_run = 1;
  s.stopped = core::batch_stop::failure;
  const auto text = core::format_summary_json(s);
  REQUIRE(text.ends_with("}\n"));
  CHECK(text.find('\n') == text.size() - 1);
  const auto j = nlohmann::json::parse(text);
  REQUIRE(j.size() == 1);
  const auto& sum = j.at("summary");
  CHECK(sum["asked"] == 3);
  CHECK(sum["answered"] == 2);
  REQUIRE(sum["failed"].size() == 1);
  CHECK(sum["failed"][0]["destination"] == "b");
  CHECK(sum["failed"][0]["exit_code"] == 3);
  CHECK(sum["silent"] == nlohmann::json::array({"c"}));
  CHECK(sum["not_asked"] == nlohmann::json::array({"d"}));
  CHECK(sum["elapsed_ms"] == 3200);
  CHECK(sum["batches"]["size"] == 3);
  CHECK(sum["batches"]["run"] == 1);
  CHECK(sum["batches"]["total"] == 2);
  CHECK(sum["stopped"] == "failure");
  // A plain request: no batches, stopped is null.
  auto plain = summary_of(t);
  const auto p = nlohmann::json::parse(core::format_summary_json(plain));
  CHECK(!p["summary"].contains("batches"));
  CHECK(p["summary"]["stopped"].is_null());
}

TEST_CASE("tally: the outcome is done with one answer, or with every answer 0 when stopping on failure") {
  fleet f({"a", "b"});
  core::request_tally none;
  none.expect(f[0]);
  CHECK(core::outcome_of(summary_of(none), false) == outcome::timed_out);
  CHECK(core::outcome_of(summary_of(none), true) == outcome::timed_out);

  core::request_tally some;
  some.expect(f[0]);
  some.expect(f[1]);
  some.record(f[0], protocol::status_of("0,ok"));
  CHECK(core::outcome_of(summary_of(some), false) == outcome::done);
  CHECK(core::outcome_of(summary_of(some), true) == outcome::timed_out);  // b was silent

  core::request_tally failing;
  failing.expect(f[0]);
  failing.record(f[0], protocol::status_of("1,no"));
  CHECK(core::outcome_of(summary_of(failing), false) == outcome::done);
  CHECK(core::outcome_of(summary_of(failing), true) == outcome::timed_out);

  core::request_tally all_well;
  all_well.expect(f[0]);
  all_well.expect(f[1]);
  all_well.record(f[0], protocol::status_of("0,ok"));
  all_well.record(f[1], protocol::status_of("NO_DATA"));
  CHECK(core::outcome_of(summary_of(all_well), true) == outcome::done);
  auto cut_short = summary_of(all_well);
  cut_short.not_asked = {f[1]};
  CHECK(core::outcome_of(cut_short, true) == outcome::timed_out);  // -t ended it before everyone was asked
  CHECK(core::outcome_of(cut_short, false) == outcome::done);

  auto lost = summary_of(all_well);
  lost.stopped = core::batch_stop::lost;
  CHECK(core::outcome_of(lost, false) == outcome::failed);
}

TEST_CASE("progress: at most one draw per interval") {
  core::draw_throttle throttle(100ms);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1s;
  CHECK(throttle.due(t0));  // the first draw at once
  CHECK(!throttle.due(t0 + 10ms));
  CHECK(!throttle.due(t0 + 99ms));
  CHECK(throttle.due(t0 + 100ms));
  CHECK(!throttle.due(t0 + 150ms));
  CHECK(throttle.due(t0 + 250ms));
  // 1,000 updates in a second draw at most 10 times (plus the first).
  core::draw_throttle burst(100ms);
  int draws = 0;
  for (int i = 0; i < 1000; ++i) draws += burst.due(t0 + std::chrono::milliseconds(i)) ? 1 : 0;
  CHECK(draws == 10);
}
