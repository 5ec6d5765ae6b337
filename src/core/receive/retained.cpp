#include "core/receive/retained.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/report_text.hpp"
#include "log/log.hpp"
#include "nats/error.hpp"
#include "nats/jetstream.hpp"
#include "nats/proto/subject_cover.hpp"
#include "protocol/duration.hpp"
#include "protocol/envelope.hpp"
#include "protocol/subjects.hpp"

namespace remaphore::core {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr auto api_timeout = 5s;
// How long a send keeps trying through a cluster's election (-t may end it sooner).
constexpr auto retry_bound = 30s;

// A stream's max_age in words: 0 is no limit at all.
std::string kept_for(std::chrono::nanoseconds max_age) {
  return max_age.count() == 0 ? "without a time limit" : "for " + protocol::format_duration(max_age);
}

// A stream of our name made by someone else must hold our subjects; anything else in
// it is theirs and stays as it is.
std::string why_not_ours(const nats::js::stream_config& sc, const std::vector<std::string>& subjects) {
  const auto& ours = sc.subjects.front();
  for (const auto& s : subjects)
    if (nats::subject_covers(s, ours)) return {};
  std::string held;
  for (const auto& s : subjects) held += (held.empty() ? "" : ", ") + s;
  return "stream " + sc.name + " holds " + (held.empty() ? "no subject" : held) + ", not " + ours +
         ": it is left as it is (a config with another subject: uses a stream of another name)";
}

// A stream made by another host with another retain_max_age or retain_replicas: the
// field this config writes is changed (the admin asked for it), any other reported.
asio::awaitable<void> settle_stream(nats::client& c, const protocol::config& cfg, const nats::js::stream_config& sc,
                                    const nats::js::stream_ensured& e) {
  nats::js::stream_change change;
  std::string was, now;
  if (*e.existing_max_age != sc.max_age && cfg.lines.of("retain_max_age")) {
    change.max_age = sc.max_age;
    now = "keeps signals for " + protocol::format_duration(sc.max_age);
    was = kept_for(*e.existing_max_age).substr(kept_for(*e.existing_max_age).starts_with("for ") ? 4 : 0);
  } else if (*e.existing_max_age != sc.max_age) {
    log::warn("stream " + sc.name + " keeps signals " + kept_for(*e.existing_max_age) + ", not the " +
              protocol::format_duration(sc.max_age) + " this config would give it; set retain_max_age to change it");
  }
  if (e.existing_replicas != sc.replicas && cfg.lines.of("retain_replicas")) {
    change.replicas = sc.replicas;
    now += (now.empty() ? "has " : ", has ") + replicas_text(sc.replicas);
    was += (was.empty() ? "" : ", ") + replicas_text(e.existing_replicas);
  } else if (e.existing_replicas != sc.replicas) {
    log::warn("stream " + sc.name + " has " + replicas_text(e.existing_replicas) + ", not the " +
              std::to_string(sc.replicas) + " this config would give it; set retain_replicas to change it");
  }
  if (now.empty()) co_return;
  auto d = co_await nats::js::update_stream(c, sc.name, change, api_timeout);
  if (d.error)
    log::warn("stream " + sc.name + ": changing it as the config says (it " + now + ") failed: " + d.reason);
  else
    log::info("stream " + sc.name + " now " + now + " (was " + was + "), as the config says");
}

// No answer in time, the cluster between leaders, or a stream that exists but has no
// leader yet (just made, or moving to more replicas): worth another try, where a
// refusal is not.
bool transient(const retained_result& r) {
  return r.ec == nats::errc::timeout || r.why.find("no acknowledgement") != std::string::npos ||
         r.why.find("unavailable") != std::string::npos || r.why.starts_with("no stream holds");
}

asio::awaitable<retained_result> retain_once(nats::client& c, const protocol::config& cfg, const std::string& subject,
                                             const std::string& wire) {
  retained_result r;
  nats::js::stream_config sc{protocol::subjects::stream_name(cfg.subject),
                             {protocol::subjects::retained_all(cfg.subject)},
                             cfg.retain_max_age,
                             1,
                             cfg.retain_replicas};
  auto ensured = co_await nats::js::ensure_stream(c, sc, api_timeout);
  if (ensured.result.error) {
    r.ec = ensured.result.error;
    r.why = ensured.result.reason;
    co_return r;
  }
  if (ensured.existing_max_age) {
    if (auto why = why_not_ours(sc, ensured.existing_subjects); !why.empty()) {
      r.ec = nats::errc::server_error;
      r.why = std::move(why);
      co_return r;
    }
    co_await settle_stream(c, cfg, sc, ensured);
  }
  // The id makes a second copy of this message, sent again after a lost acknowledgement,
  // one the stream drops within its duplicate window.
  const auto d =
      co_await nats::js::publish(c, subject, wire, api_timeout, protocol::hex_encode(protocol::message_hash(wire)));
  r.ec = d.error;
  r.why = d.reason;
  co_return r;
}

asio::awaitable<retained_result> follow_once(nats::client& c, const protocol::config& cfg,
                                             const std::optional<std::string>& s,
                                             const std::optional<std::vector<std::uint8_t>>& uuid,
                                             std::chrono::nanoseconds since, std::uint64_t after_sequence) {
  retained_result r;
  r.sub = c.subscribe(c.new_inbox());
  std::optional<std::string> uuid_hex;
  if (uuid) uuid_hex = protocol::hex_encode(uuid->data(), uuid->size());
  auto filter = protocol::subjects::retained_filter(cfg.subject, s, uuid_hex);
  // Signals sent up to allow_skew before the window may still be within it by the
  // sender's clock.
  auto start = std::chrono::system_clock::now() -
               std::chrono::duration_cast<std::chrono::system_clock::duration>(since + cfg.allow_skew);
  auto stream = protocol::subjects::stream_name(cfg.subject);
  auto made = co_await nats::js::create_push_consumer(c, stream, filter, r.sub->subject(), start, api_timeout,
                                                      after_sequence > 0 ? after_sequence + 1 : 0);
  r.ec = made.result.error;
  r.why = made.result.reason;
  r.consumer = made.name;
  if (r.ec == nats::errc::server_error && r.why.find("stream not found") != std::string::npos) {
    r.no_stream = true;
    r.ec.clear();
  }
  if (r.ec || r.no_stream) {
    c.unsubscribe(r.sub);
    r.sub = nullptr;
  }
  co_return r;
}

// Runs `attempt` again while it fails for want of an answer, up to retry_bound.
template <class Attempt>
asio::awaitable<retained_result> until_answered(Attempt attempt, const char* then) {
  const auto give_up = std::chrono::steady_clock::now() + retry_bound;
  for (;;) {
    auto r = co_await attempt();
    if (!r.ec || !transient(r) || std::chrono::steady_clock::now() >= give_up) co_return r;
    log::info("JetStream did not answer (" + r.why + "): " + then);
    asio::steady_timer pause(co_await asio::this_coro::executor, 250ms);
    co_await pause.async_wait(asio::use_awaitable);
  }
}

}  // namespace

// A stream leader dying, or the cluster electing its JetStream leader, leaves calls
// unanswered for a few seconds: the signal is sent again, under the same id, until it
// is stored, refused, or the bound passes.
asio::awaitable<retained_result> retain_signal(nats::client& c, const protocol::config& cfg,
                                               const std::optional<std::string>& s, std::string_view wire) {
  protocol::envelope_view env;
  protocol::decode(wire, env);
  const auto subject = protocol::subjects::retained(
      cfg.subject, s, protocol::hex_encode(env.uuid.data(), env.uuid.size()), env.sender.to_base58());
  const std::string text(wire);
  co_return co_await until_answered([&] { return retain_once(c, cfg, subject, text); },
                                    "trying again, under the same message id");
}

// As a send does, through a cluster's election.
asio::awaitable<retained_result> follow_retained(nats::client& c, const protocol::config& cfg,
                                                 const std::optional<std::string>& s,
                                                 const std::optional<std::vector<std::uint8_t>>& uuid,
                                                 std::chrono::nanoseconds since, std::uint64_t after_sequence) {
  co_return co_await until_answered([&] { return follow_once(c, cfg, s, uuid, since, after_sequence); },
                                    "asking for the retained signals again");
}

asio::awaitable<void> stop_following(nats::client& c, const protocol::config& cfg, const std::string& consumer) {
  if (consumer.empty() || !c.connected()) co_return;
  auto d = co_await nats::js::delete_consumer(c, protocol::subjects::stream_name(cfg.subject), consumer, 1s);
  if (d.error)
    log::debug("consumer " + consumer + " not deleted (" + d.reason + "): the server removes it within " +
               std::to_string(nats::js::consumer_inactivity.count()) + "s");
}

}  // namespace remaphore::core
