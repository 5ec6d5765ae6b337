#include "core/receive/retained.hpp"

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

// A stream made by another host with another retain_max_age: changed when this
// config says retain_max_age (the admin asked for it), otherwise reported.
asio::awaitable<void> settle_max_age(nats::client& c, const protocol::config& cfg, const nats::js::stream_config& sc,
                                     std::chrono::nanoseconds existing) {
  const std::string keeps = "stream " + sc.name + " keeps signals " + kept_for(existing);
  if (cfg.lines.of("retain_max_age") == 0) {
    log::warn(keeps + ", not the " + protocol::format_duration(sc.max_age) +
              " this config would give it; set retain_max_age to change it");
    co_return;
  }
  auto d = co_await nats::js::update_stream_max_age(c, sc.name, sc.max_age, api_timeout);
  if (d.error)
    log::warn(keeps + "; changing it to retain_max_age " + protocol::format_duration(sc.max_age) +
              " failed: " + d.reason);
  else
    log::info("stream " + sc.name + " now keeps signals for " + protocol::format_duration(sc.max_age) + " (was " +
              (existing.count() == 0 ? std::string("without a limit") : protocol::format_duration(existing)) +
              "), as retain_max_age says");
}

}  // namespace

asio::awaitable<retained_result> retain_signal(nats::client& c, const protocol::config& cfg,
                                               const std::optional<std::string>& s, std::string_view wire) {
  retained_result r;
  protocol::envelope_view env;
  protocol::decode(wire, env);
  nats::js::stream_config sc{protocol::subjects::stream_name(cfg.subject),
                             {protocol::subjects::retained_all(cfg.subject)},
                             cfg.retain_max_age,
                             1};
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
    if (*ensured.existing_max_age != sc.max_age) co_await settle_max_age(c, cfg, sc, *ensured.existing_max_age);
  }
  auto subject = protocol::subjects::retained(cfg.subject, s, protocol::hex_encode(env.uuid.data(), env.uuid.size()),
                                              env.sender.to_base58());
  auto d = co_await nats::js::publish(c, subject, std::string(wire), api_timeout);
  r.ec = d.error;
  r.why = d.reason;
  co_return r;
}

asio::awaitable<retained_result> follow_retained(nats::client& c, const protocol::config& cfg,
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

asio::awaitable<void> stop_following(nats::client& c, const protocol::config& cfg, const std::string& consumer) {
  if (consumer.empty() || !c.connected()) co_return;
  auto d = co_await nats::js::delete_consumer(c, protocol::subjects::stream_name(cfg.subject), consumer, 1s);
  if (d.error) log::debug("consumer " + consumer + " not deleted (" + d.reason + "): the server removes it within " +
                          std::to_string(nats::js::consumer_inactivity.count()) + "s");
}

}  // namespace remaphore::core
