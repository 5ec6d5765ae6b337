#include "core/lock/store.hpp"

#include <algorithm>

#include "core/report_text.hpp"
#include "nats/error.hpp"
#include "protocol/duration.hpp"
#include "protocol/subjects.hpp"

namespace remaphore::core::lock {
namespace asio = boost::asio;
using asio::awaitable;
using namespace std::chrono_literals;
namespace js = nats::js;

namespace {

js::write_result not_connected() {
  js::write_result r;
  r.outcome = js::write_outcome::not_sent;
  r.result = nats::make_diagnostic(nats::errc::disconnected, {}, "not connected");
  return r;
}

}  // namespace

store::store(nats::client& c, const protocol::config& cfg, std::string lock, std::string config_path)
    : c_(c),
      cfg_(cfg),
      config_path_(std::move(config_path)),
      lock_(std::move(lock)),
      stream_(protocol::subjects::lock_stream_name(cfg.subject)),
      lease_(cfg.lock_lease) {}

std::chrono::nanoseconds store::api_timeout() const {
  return std::clamp<std::chrono::nanoseconds>(lease_ / 5, 500ms, 5s);
}

// The stream is made by the first lock of the fleet. One that exists is taken as it
// is, unless the config names another lease or replica count: changing a lease under
// running holders would free their slots early, so that is left to the admin.
awaitable<stream_ready> store::ensure() {
  stream_ready r;
  js::stream_config want{stream_, protocol::subjects::lock_stream_subjects(cfg_.subject), cfg_.lock_lease, 1,
                         cfg_.lock_replicas};
  auto info = co_await js::get_stream_info(c_, stream_, "", 5s);
  if (info.result.error) {
    r.why = info.result.reason;
    co_return r;
  }
  if (!info.found) {
    auto made = co_await js::ensure_stream(c_, want, 5s);
    if (made.result.error) {
      r.why = "cannot create the lock stream " + stream_ + ": " + made.result.reason;
      co_return r;
    }
    info = co_await js::get_stream_info(c_, stream_, "", 5s);
    if (info.result.error || !info.found) {
      r.why = "the lock stream " + stream_ + " cannot be read: " + info.result.reason;
      co_return r;
    }
  }
  const auto& have = info.config;
  std::string differs;
  if (have.max_msgs_per_subject != 1 || have.max_age.count() <= 0 || have.subjects != want.subjects) {
    r.config_matter = true;
    r.why = "the stream " + stream_ + " exists with settings a lock cannot use (it needs subjects " + want.subjects[0] +
            " and " + want.subjects[1] + ", one message per subject and a max_age)";
    co_return r;
  }
  const bool lease_differs = cfg_.lines.of("lock_lease") && have.max_age != want.max_age;
  const bool replicas_differ = cfg_.lines.of("lock_replicas") && have.replicas != want.replicas;
  if (lease_differs)
    differs = "a lease (max_age) of " + protocol::format_duration(have.max_age) + ", not lock_lease " +
              protocol::format_duration(want.max_age);
  if (replicas_differ)
    differs += (differs.empty() ? "" : ", and ") + replicas_text(have.replicas) + ", not lock_replicas " +
               std::to_string(want.replicas);
  if (!differs.empty()) {
    r.config_matter = true;
    r.why = cfg_.lines.where(lease_differs ? "lock_lease" : "lock_replicas", config_path_) + "the lock stream " +
            stream_ + " exists with " + differs +
            ": change the config, or the stream once no lock is held (nats stream edit / rm " + stream_ + ")";
    co_return r;
  }
  lease_ = have.max_age;
  r.ok = true;
  co_return r;
}

awaitable<store::listed> store::list() {
  listed out;
  auto info =
      co_await js::get_stream_info(c_, stream_, protocol::subjects::lock_filter(cfg_.subject, lock_), api_timeout());
  out.result = info.result;
  if (!info.result.error) out.listing = parse_listing(cfg_.subject, lock_, info.subjects);
  co_return out;
}

awaitable<js::stored_message> store::read_slot(unsigned slot) {
  co_return co_await js::get_last_message(c_, stream_, protocol::subjects::lock_slot(cfg_.subject, lock_, slot),
                                          api_timeout());
}

awaitable<js::write_result> store::create(unsigned slot, const std::string& record) {
  if (!c_.connected()) co_return not_connected();
  co_return co_await js::publish_expecting(c_, protocol::subjects::lock_slot(cfg_.subject, lock_, slot), record, 0,
                                           api_timeout());
}

awaitable<js::write_result> store::renew(unsigned slot, const std::string& record, std::uint64_t own_seq) {
  if (!c_.connected()) co_return not_connected();
  co_return co_await js::publish_expecting(c_, protocol::subjects::lock_slot(cfg_.subject, lock_, slot), record,
                                           own_seq, api_timeout());
}

awaitable<js::delete_result> store::remove(std::uint64_t seq) {
  if (!c_.connected()) {
    js::delete_result r;
    r.result = nats::make_diagnostic(nats::errc::disconnected, {}, "not connected");
    co_return r;
  }
  co_return co_await js::delete_message(c_, stream_, seq, api_timeout());
}

awaitable<js::write_result> store::put_ticket(const std::string& subject, const std::string& record) {
  if (!c_.connected()) co_return not_connected();
  co_return co_await js::publish_expecting(c_, subject, record, std::nullopt, api_timeout());
}

awaitable<nats::diagnostic> store::purge_ticket(const std::string& subject) {
  co_return co_await js::purge_subject(c_, stream_, subject, api_timeout());
}

void store::notify(const note& n) { c_.publish(protocol::subjects::lock_free(cfg_.subject, lock_), encode_note(n)); }

nats::subscription_ptr store::subscribe_notes() {
  return c_.subscribe(protocol::subjects::lock_free(cfg_.subject, lock_));
}

}  // namespace remaphore::core::lock
