#include "core/discover/discoverer.hpp"

#include "core/discover/discovery_report.hpp"
#include "core/server_bounds.hpp"
#include "log/log.hpp"
#include "nats/error.hpp"
#include "protocol/envelope.hpp"
#include "protocol/subjects.hpp"

namespace remaphore::core {
namespace asio = boost::asio;
using asio::awaitable;
using namespace std::chrono_literals;
using std::chrono::steady_clock;

namespace {

constexpr std::size_t most_at_once = 4096;

}  // namespace

discoverer::discoverer(nats::client& c, const protocol::config& cfg, std::string wire, discover_options o, output out)
    : client_(c),
      cfg_(cfg),
      opts_(std::move(o)),
      out_(std::move(out)),
      wire_(std::move(wire)),
      hash_(protocol::message_hash(wire_)),
      peers_(cfg),
      check_(cfg, peers_, hash_),
      tally_(hosts_matching(cfg, opts_.pattern), opts_.verb, opts_.pattern, opts_.asking_key) {}

awaitable<outcome> discoverer::run() {
  const auto replies = client_.subscribe(protocol::subjects::reply(cfg_.subject, hash_));
  try {
    const bool sent = co_await send();
    if (!sent) co_return outcome::failed;
    co_await collect(replies);
  } catch (const boost::system::system_error& e) {
    // A signal cancels the run: what answered so far is still worth its summary.
    if (e.code() != asio::error::operation_aborted) throw;
  }
  client_.unsubscribe(replies);
  finish();
  co_return tally_.answered() > 0 ? outcome::done : outcome::timed_out;
}

// Subscribed before the request goes out, so that no fast answer is missed.
awaitable<bool> discoverer::send() {
  if (auto ec = client_.publish(protocol::subjects::discover(cfg_.subject), wire_)) {
    log::error("cannot publish the discovery: " + ec.message());
    co_return false;
  }
  const auto ec = co_await client_.flush(flush_timeout);
  if (ec) {
    log::error("the server did not confirm the discovery: " + ec.message());
    co_return false;
  }
  co_return true;
}

awaitable<void> discoverer::collect(const nats::subscription_ptr& replies) {
  while (!tally_.all_answered()) {
    const auto left = opts_.deadline - steady_clock::now();
    if (left <= 0s) break;
    nats::message m;
    const auto ec = co_await client_.next_msg(replies, m, left);
    if (ec == nats::errc::timeout) continue;
    if (ec) {
      log::error("lost the connection while waiting for answers: " + ec.message());
      break;
    }
    take(m);
    // The answers already queued behind it: a burst is taken together.
    for (std::size_t n = 0; n < most_at_once && client_.try_next_msg(replies, m); ++n) take(m);
  }
}

void discoverer::take(const nats::message& m) {
  answer_drop why = answer_drop::none;
  std::optional<host_answer> stranger;
  auto a = check_.take(m.payload, protocol::now_unix_ns(), why, stranger);
  if (stranger) {
    log::warn("an answer came from key " + stranger->key_b58 + ", which is not among the [ Peers ], for destination '" +
              stranger->status.destination + "' (a host with a new key, or one missing from the config?)");
    tally_.record_stranger(*stranger);
    return;
  }
  if (!a) return log::debug(std::string("dropped an answer: ") + to_string(why));
  const auto refused = tally_.record(*a);
  out_(opts_.json ? format_host_json(*a, refused, opts_.verb)
                  : format_host_text(*a, refused, opts_.verb, protocol::now_unix_ns()));
}

void discoverer::finish() {
  for (const auto* p : tally_.no_answer())
    log::warn("no answer from " + p->destination + " (" + p->pub.to_base58() + ")");
  const auto elapsed = steady_clock::now() - opts_.started;
  if (opts_.json) out_(format_discovery_summary_json(tally_, elapsed));
  log::info("summary: " + format_discovery_summary_text(tally_, elapsed));
}

}  // namespace remaphore::core
