#include "core/lock/status.hpp"

#include "core/lock/listing.hpp"
#include "core/lock/record.hpp"
#include "nats/jetstream.hpp"
#include "protocol/subjects.hpp"

namespace remaphore::core::lock {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

holder_status status_of(unsigned slot, const nats::js::stored_message& m, const protocol::config& cfg,
                        std::chrono::nanoseconds lease) {
  holder_status h;
  h.slot = slot;
  h.renewed_ns = m.time_ns;
  h.expires_ns = m.time_ns + lease.count();
  auto r = read_record(m.data, cfg);
  h.key = r.key;
  h.destination = r.destination;
  h.foreign = r.foreign;
  h.why_foreign = r.why_foreign;
  h.since_ns = r.fields.since_ns;
  h.slots = r.fields.slots;
  // The record that took the slot carries no token: its own sequence is the token.
  h.token = r.fields.token != 0 ? r.fields.token : m.seq;
  return h;
}

}  // namespace

asio::awaitable<lock_status> read_status(nats::client& c, const protocol::config& cfg, const std::string& lock) {
  lock_status s;
  const auto stream = protocol::subjects::lock_stream_name(cfg.subject);
  auto info = co_await nats::js::get_stream_info(c, stream, protocol::subjects::lock_filter(cfg.subject, lock), 5s);
  if (info.result.error) {
    s.why = info.result.reason;
    co_return s;
  }
  s.ok = true;
  s.stream_exists = info.found;
  s.lease = info.config.max_age;
  auto l = parse_listing(cfg.subject, lock, info.subjects);
  s.waiting = l.waiting.size();
  for (unsigned slot : l.held) {
    auto m = co_await nats::js::get_last_message(c, stream, protocol::subjects::lock_slot(cfg.subject, lock, slot), 5s);
    if (m.result.error) {
      s.ok = false;
      s.why = m.result.reason;
      co_return s;
    }
    if (m.found) s.holders.push_back(status_of(slot, m, cfg, s.lease));
  }
  co_return s;
}

}  // namespace remaphore::core::lock
