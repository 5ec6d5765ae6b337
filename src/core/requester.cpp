#include "core/requester.hpp"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "log/log.hpp"
#include "nats/error.hpp"
#include "protocol/pattern.hpp"
#include "protocol/subjects.hpp"

namespace remaphore::core {
namespace asio = boost::asio;
using asio::awaitable;
using namespace std::chrono_literals;

namespace {

constexpr auto flush_timeout = 5s;

std::string random_marker() {
  std::uint8_t b[8];
  protocol::random_bytes(b, sizeof b);
  return protocol::hex_encode(b, sizeof b);
}

}  // namespace

std::vector<const protocol::peer*> peers_matching(const protocol::config& cfg, std::string_view pattern) {
  std::vector<const protocol::peer*> out;
  for (const auto& p : cfg.peers)
    if (protocol::destination_matches(pattern, p.destination)) out.push_back(&p);
  return out;
}

std::string format_reply_text(const collected_reply& r, std::string_view marker) {
  std::string line = r.peer->destination + "," + r.payload;
  if (line.ends_with('\n')) line.pop_back();  // the usual final newline of command output
  if (line.find('\n') == std::string::npos) return line + "\n";
  std::string m(marker);
  return "--> " + m + "\n" + line + "\n--< " + m + "\n";
}

std::string format_reply_json(const collected_reply& r) {
  nlohmann::json j;
  j["destination"] = r.peer->destination;
  j["sender"] = r.peer->pub.to_base58();
  if (r.payload == no_data) {
    j["exit_code"] = nullptr;
    j["output"] = nullptr;
  } else {
    auto comma = r.payload.find(',');
    std::string code = r.payload.substr(0, comma);
    char* end = nullptr;
    long v = std::strtol(code.c_str(), &end, 10);
    j["exit_code"] = (!code.empty() && *end == '\0') ? nlohmann::json(v) : nlohmann::json(code);
    j["output"] = comma == std::string::npos ? "" : r.payload.substr(comma + 1);
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

requester::requester(nats::client& c, const protocol::config& cfg, std::vector<const protocol::peer*> suspected,
                     std::string wire, request_options o, output out)
    : client_(c),
      cfg_(cfg),
      suspected_(std::move(suspected)),
      wire_(std::move(wire)),
      hash_(protocol::message_hash(wire_)),
      opts_(std::move(o)),
      out_(std::move(out)),
      collector_(cfg, hash_),
      marker_(random_marker()) {}

std::vector<const protocol::peer*> requester::silent() const {
  std::vector<const protocol::peer*> out;
  for (auto* p : suspected_)
    if (!answered_.contains(p->pub.bytes)) out.push_back(p);
  return out;
}

awaitable<outcome> requester::run() {
  nats::subscription_ptr replies;
  if (!co_await send(replies)) co_return outcome::failed;
  auto result = co_await collect(replies);
  for (auto* p : silent()) log::warn("no reply from " + p->destination + " (" + p->pub.to_base58() + ")");
  co_return result;
}

awaitable<bool> requester::send(nats::subscription_ptr& replies) {
  replies = client_.subscribe(protocol::subjects::reply(cfg_.subject, hash_));
  if (auto ec = client_.publish(protocol::subjects::live(cfg_.subject, opts_.subject), wire_)) {
    log::error("cannot publish: " + ec.message());
    co_return false;
  }
  if (auto ec = co_await client_.flush(flush_timeout)) {
    log::error("the server did not confirm the request: " + ec.message());
    co_return false;
  }
  co_return true;
}

awaitable<outcome> requester::collect(const nats::subscription_ptr& replies) {
  while (answered_.size() < suspected_.size()) {
    auto left = opts_.deadline ? *opts_.deadline - std::chrono::steady_clock::now()
                               : std::chrono::steady_clock::duration(24h);
    if (left <= 0s) break;
    nats::message m;
    auto ec = co_await client_.next_msg(replies, m, left);
    if (ec == nats::errc::timeout) continue;
    if (ec) {
      log::error("lost the connection while waiting for replies: " + ec.message());
      co_return outcome::failed;
    }
    accept(m);
  }
  co_return answered_.empty() ? outcome::timed_out : outcome::done;
}

void requester::accept(const nats::message& m) {
  reply_drop why;
  auto reply = collector_.process(m.payload, protocol::now_unix_ns(), why);
  if (!reply) return warn_dropped(m.payload, why);
  answered_.insert(reply->peer->pub.bytes);
  out_(opts_.json ? format_reply_json(*reply) : format_reply_text(*reply, marker_));
}

// A reply from a configured peer that we cannot take is worth a warning, once per
// peer: usually a Go responder whose replies are not bound to the request.
void requester::warn_dropped(std::string_view wire, reply_drop why) {
  protocol::envelope_view env;
  const protocol::peer* peer = nullptr;
  if (protocol::decode(wire, env) == protocol::decode_error::ok) peer = cfg_.find_peer(env.sender);
  if (!peer || why == reply_drop::duplicate || !warned_.insert(peer->pub.bytes).second) {
    log::debug(std::string("dropped a reply: ") + to_string(why));
    return;
  }
  std::string text = std::string(to_string(why)) + " (from " + peer->destination + ")";
  if (why == reply_drop::unbound) text = "reply from " + peer->destination +
                                         " not bound to this request; set accept_unbound_replies: yes for Go responders";
  log::warn(text);
}

}  // namespace remaphore::core
