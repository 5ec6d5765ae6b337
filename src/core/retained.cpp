#include "core/retained.hpp"

#include "nats/error.hpp"
#include "nats/jetstream.hpp"
#include "protocol/envelope.hpp"
#include "protocol/subjects.hpp"

namespace remaphore::core {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {
constexpr auto api_timeout = 5s;
}

asio::awaitable<retained_result> retain_signal(nats::client& c, const protocol::config& cfg,
                                               const std::optional<std::string>& s, std::string_view wire) {
  retained_result r;
  protocol::envelope_view env;
  protocol::decode(wire, env);
  nats::js::stream_config sc{protocol::subjects::stream_name(cfg.subject),
                             {protocol::subjects::retained_all(cfg.subject)}, cfg.retain_max_age, 1};
  if (auto d = co_await nats::js::ensure_stream(c, sc, api_timeout); d.error) {
    r.ec = d.error;
    r.why = d.reason;
    co_return r;
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
                                                 std::chrono::nanoseconds since) {
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
  auto d = co_await nats::js::create_push_consumer(c, stream, filter, r.sub->subject(), start, api_timeout);
  r.ec = d.error;
  r.why = d.reason;
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

}  // namespace remaphore::core
