#include "app/modes.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <cstdio>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unistd.h>

#include "app/connect.hpp"
#include "log/log.hpp"
#include "core/pipeline.hpp"
#include "core/reply.hpp"
#include "core/runner.hpp"
#include "nats/client.hpp"
#include "nats/error.hpp"
#include "nats/jetstream.hpp"
#include "protocol/duration.hpp"
#include "protocol/envelope.hpp"
#include "protocol/pattern.hpp"
#include "protocol/subjects.hpp"

namespace remaphore::app {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;

namespace {

constexpr auto flush_timeout = 5s;
constexpr auto default_request_timeout = 10s;
constexpr std::size_t max_reply_output = 64 * 1024;  // command output carried in a reply
constexpr std::size_t max_queued_commands = 64;

std::string subject_of(const cli_options& cli, const protocol::config& cfg) {
  return protocol::subjects::live(cfg.subject, cli.subject);
}

awaitable<int> wait_signal() {
  asio::signal_set signals(co_await asio::this_coro::executor, SIGINT, SIGTERM);
  int sig = co_await signals.async_wait(use_awaitable);
  log::info(sig == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)");
  co_return 128 + sig;
}

// The identity that signs: -p if given, else the default identity if it may use
// the verb, else the first identity that may.
const protocol::identity* choose_identity(const cli_options& cli, const protocol::config& cfg,
                                          const std::string& verb) {
  if (cli.pubkey) {
    auto key = protocol::parse_public_key(*cli.pubkey);
    if (!key) {
      log::error("-p: '" + *cli.pubkey + "' is not a base58 public key");
      return nullptr;
    }
    auto* id = cfg.find_identity(*key);
    if (!id) {
      log::error("-p: no identity " + *cli.pubkey + " in " + cli.config_path);
      return nullptr;
    }
    if (!id->allows(verb)) {
      log::error("-p: identity " + *cli.pubkey + " may not use verb '" + verb + "'");
      return nullptr;
    }
    return id;
  }
  if (auto* id = cfg.effective_default_identity(); id && id->allows(verb)) return id;
  for (const auto& id : cfg.identities)
    if (id.allows(verb)) return &id;
  log::error("no identity in " + cli.config_path + " may use verb '" + verb + "'");
  return nullptr;
}

std::string join(const std::vector<std::string>& words, const std::string& fallback) {
  if (words.empty()) return fallback;
  std::string s;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i) s += ' ';
    s += words[i];
  }
  return s;
}

// Builds the signed message of a send or request; empty on a usage error (logged).
std::string build_message(const cli_options& cli, const protocol::config& cfg, bool request) {
  std::string verb = cli.verbs.empty() ? "ping" : cli.verbs.front();
  std::string dest = cli.dest.value_or("**");
  if (verb.find(',') != std::string::npos || dest.find(',') != std::string::npos) {
    log::error("the verb and the destination cannot contain ','");
    return {};
  }
  auto* id = choose_identity(cli, cfg, verb);
  if (!id) return {};
  protocol::envelope_fields f;
  f.destination = dest;
  f.send_time_ns = protocol::now_unix_ns();
  f.uuid = protocol::uuid_from(cli.uuid.value_or(""));
  f.verb = verb;
  f.request = request;
  f.payload = join(cli.rest, "ping");
  return protocol::encode(id->priv, f);
}

std::string random_marker() {
  std::uint8_t b[8];
  protocol::random_bytes(b, sizeof b);
  return protocol::hex_encode(b, sizeof b);
}

void write_stdout(const std::string& text) {
  // One write per entry: entries never interleave, even with other writers.
  std::size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(1, text.data() + off, text.size() - off);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// Send

awaitable<int> run_send(const cli_options& cli, const protocol::config& cfg) {
  std::string wire = build_message(cli, cfg, false);
  if (wire.empty()) co_return exit_usage;
  nats::client c(co_await asio::this_coro::executor, nats_options(cli, cfg));
  auto work = [&]() -> awaitable<int> {
    if (!co_await connect_or_log(c, cfg)) co_return exit_runtime;
    if (cli.retain) {
      // Stored first: if JetStream cannot keep it, nothing was sent and we say so.
      protocol::envelope_view env;
      protocol::decode(wire, env);
      std::string why;
      nats::js::stream_config sc{protocol::subjects::stream_name(cfg.subject), {protocol::subjects::retained_all(cfg.subject)}, cfg.retain_max_age, 1};
      auto ec = co_await nats::js::ensure_stream(c, sc, why, flush_timeout);
      if (!ec)
        ec = co_await nats::js::publish(
            c, protocol::subjects::retained(cfg.subject, cli.subject, protocol::hex_encode(env.uuid.data(), env.uuid.size()),
                                         env.sender.to_base58()),
            wire, why, flush_timeout);
      if (ec) {
        log::error("cannot retain the signal: " + why);
        co_return exit_runtime;
      }
    }
    if (auto ec = c.publish(subject_of(cli, cfg), wire)) {
      log::error("cannot publish: " + ec.message());
      co_return exit_runtime;
    }
    auto bound = cli.timeout ? std::chrono::duration_cast<std::chrono::nanoseconds>(*cli.timeout)
                             : std::chrono::nanoseconds(flush_timeout);
    if (auto ec = co_await c.flush(bound)) {
      log::error("the server did not confirm the message: " + ec.message());
      co_return exit_runtime;
    }
    co_return exit_ok;
  };
  auto r = co_await (work() || wait_signal());
  co_await c.close();
  co_return std::visit([](int v) { return v; }, r);
}

// ---------------------------------------------------------------------------
// Request

awaitable<int> run_request(const cli_options& cli, const protocol::config& cfg) {
  std::string pattern = cli.dest.value_or("**");
  std::vector<const protocol::peer*> suspected;
  for (const auto& p : cfg.peers)
    if (protocol::destination_matches(pattern, p.destination)) suspected.push_back(&p);
  if (suspected.empty()) {
    log::error("no peer in " + cli.config_path + " has a destination matching '" + pattern + "'");
    co_return exit_usage;
  }
  std::string wire = build_message(cli, cfg, true);
  if (wire.empty()) co_return exit_usage;
  auto hash = protocol::message_hash(wire);

  nats::client c(co_await asio::this_coro::executor, nats_options(cli, cfg));
  std::set<std::array<std::uint8_t, 32>> answered;
  auto timeout = cli.timeout ? *cli.timeout : std::chrono::nanoseconds(default_request_timeout);

  auto work = [&]() -> awaitable<int> {
    if (!co_await connect_or_log(c, cfg)) co_return exit_runtime;
    // Subscribe to the reply subject before the request goes out, so no fast
    // reply can be missed.
    auto sub = c.subscribe(protocol::subjects::reply(cfg.subject, hash));
    if (auto ec = c.publish(subject_of(cli, cfg), wire)) {
      log::error("cannot publish: " + ec.message());
      co_return exit_runtime;
    }
    if (auto ec = co_await c.flush(flush_timeout)) {
      log::error("the server did not confirm the request: " + ec.message());
      co_return exit_runtime;
    }
    core::reply_collector collector(cfg, hash);
    std::string marker = random_marker();
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (answered.size() < suspected.size()) {
      auto left = deadline - std::chrono::steady_clock::now();
      if (left <= 0s) break;
      nats::message m;
      auto ec = co_await c.next_msg(sub, m, left);
      if (ec == nats::errc::timeout) break;
      if (ec) {
        log::error("lost the connection while waiting for replies: " + ec.message());
        co_return exit_runtime;
      }
      core::reply_drop why;
      auto reply = collector.process(m.payload, protocol::now_unix_ns(), why);
      if (!reply) {
        log::debug(std::string("dropped a reply: ") + core::to_string(why));
        continue;
      }
      answered.insert(reply->peer->pub.bytes);
      std::string out;
      if (cli.json) {
        nlohmann::json j;
        j["destination"] = reply->peer->destination;
        j["sender"] = reply->peer->pub.to_base58();
        if (reply->payload == core::no_data) {
          j["exit_code"] = nullptr;
          j["output"] = nullptr;
        } else {
          auto comma = reply->payload.find(',');
          std::string code = reply->payload.substr(0, comma);
          char* end = nullptr;
          long v = std::strtol(code.c_str(), &end, 10);
          j["exit_code"] = (!code.empty() && *end == '\0') ? nlohmann::json(v) : nlohmann::json(code);
          j["output"] = comma == std::string::npos ? "" : reply->payload.substr(comma + 1);
        }
        out = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      } else {
        std::string line = reply->peer->destination + "," + reply->payload;
        if (line.ends_with('\n')) line.pop_back();  // the usual final newline of command output
        if (line.find('\n') != std::string::npos)
          out = "--> " + marker + "\n" + line + "\n--< " + marker + "\n";
        else
          out = line + "\n";
      }
      write_stdout(out);
    }
    for (auto* p : suspected)
      if (!answered.contains(p->pub.bytes)) log::warn("no reply from " + p->destination + " (" + p->pub.to_base58() + ")");
    co_return answered.empty() ? exit_timeout : exit_ok;
  };
  auto r = co_await (work() || wait_signal());
  co_await c.close();
  co_return std::visit([](int v) { return v; }, r);
}

// ---------------------------------------------------------------------------
// Receive

namespace {

// Warns when drops come in bursts (a misconfigured sender, an attack), at most
// once per window; every single drop is a debug line.
class drop_reporter {
 public:
  void report(const core::verdict& v) {
    std::string why = core::to_string(v.reason);
    if (v.reason == core::drop_reason::malformed) why += std::string(" (") + protocol::to_string(v.decode) + ")";
    log::debug("dropped a message: " + why);
    auto now = std::chrono::steady_clock::now();
    if (now - window_start_ > window_) {
      window_start_ = now;
      in_window_ = 0;
      warned_ = false;
    }
    ++in_window_;
    ++by_reason_[why];
    if (in_window_ >= threshold_ && !warned_) {
      warned_ = true;
      std::string reasons;
      for (auto& [r, n] : by_reason_) reasons += (reasons.empty() ? "" : ", ") + r + ": " + std::to_string(n);
      log::warn(std::to_string(in_window_) + " messages dropped in the last 10s (" + reasons + ")");
      by_reason_.clear();
    }
  }

 private:
  std::chrono::steady_clock::duration window_ = 10s;
  std::chrono::steady_clock::time_point window_start_ = std::chrono::steady_clock::now();
  std::size_t in_window_ = 0;
  std::size_t threshold_ = 20;
  bool warned_ = false;
  std::map<std::string, std::size_t> by_reason_;
};

// Text from a message goes into logs clipped: a log line stays a line, whatever
// a peer puts in its verb.
std::string clip(const std::string& text, std::size_t max = 64) {
  return text.size() <= max ? text : text.substr(0, max) + "...(" + std::to_string(text.size()) + " bytes)";
}

std::string describe(const core::accepted_message& m) {
  // Appended piece by piece: g++ 12 at -O3 sees a false -Wrestrict in
  // `"literal" + std::string&&`.
  std::string out = "'";
  out += clip(m.verb);
  out += "' from ";
  out += m.peer ? m.peer->destination : std::string("?");
  out += " (";
  out += m.sender.to_base58();
  out += ")";
  return out;
}

}  // namespace

awaitable<int> run_receive(const cli_options& cli, const protocol::config& cfg) {
  core::filters f;
  f.exact_destination = cli.dest;
  f.no_destination = cli.no_dest_filter;
  if (cli.uuid) f.uuid = protocol::uuid_from(*cli.uuid);
  f.verbs = cli.verbs;
  if (cli.pubkey) {
    f.sender = protocol::parse_public_key(*cli.pubkey);
    if (!f.sender) {
      log::error("-p: '" + *cli.pubkey + "' is not a base58 public key");
      co_return exit_usage;
    }
  }
  if (!f.exact_destination && !f.no_destination && cfg.destination.empty()) {
    log::error(cli.config_path + " has no 'destination:': set one, or use -D DEST or -d");
    co_return exit_usage;
  }
  const bool once = cli.count == 0 && (cli.once || cli.uuid.has_value());
  const protocol::identity* replier = cfg.effective_default_identity();

  auto ex = co_await asio::this_coro::executor;
  nats::client c(ex, nats_options(cli, cfg));
  core::pipeline pipe(cfg, f);
  std::size_t received = 0;
  std::set<std::array<std::uint8_t, 32>> senders;  // for -n

  // Runs the command for one message (if there is one) and answers a request.
  auto handle = [&](const core::accepted_message& m) -> awaitable<void> {
    std::string reply_payload(core::no_data);
    if (!cli.rest.empty()) {
      core::command_spec spec;
      spec.argv = cli.rest;
      spec.argv.push_back(m.verb);
      spec.argv.push_back(m.payload);
      spec.max_output = max_reply_output;
      spec.env = {{"REMAPHORE_SENDER", m.sender.to_base58()},
                  {"REMAPHORE_VERB", m.verb},
                  {"REMAPHORE_TIME", std::to_string(m.send_time_ns / 1'000'000'000)},
                  {"REMAPHORE_UUID", protocol::hex_encode(m.uuid.data(), m.uuid.size())},
                  {"REMAPHORE_MSG", m.payload}};
      if (!f.no_destination) spec.env.emplace_back("REMAPHORE_DESTMATCH", m.matched_destination);
      log::debug("running " + cli.rest.front());
      auto r = co_await core::run_command(std::move(spec));
      if (!r.started) {
        log::error(r.error);
        r.exit_code = 127;
        r.output = r.error;
      } else if (r.exit_code != 0) {
        log::warn(cli.rest.front() + " exited with " + std::to_string(r.exit_code));
      } else {
        log::debug(cli.rest.front() + " exited with 0");
      }
      // The command's output also goes to our stdout: whoever runs the receiver sees it.
      write_stdout(r.output);
      if (r.truncated) r.output += "\n[remaphore: output truncated at " + std::to_string(max_reply_output) + " bytes]";
      reply_payload = std::to_string(r.exit_code) + "," + r.output;
    }
    if (!m.request) co_return;
    if (!replier) {
      log::error("cannot reply: no identity in " + cli.config_path);
      co_return;
    }
    std::string reply = core::make_reply(*replier, m.hash, reply_payload, protocol::now_unix_ns());
    if (reply.size() > c.info().max_payload) {
      // Keep the reply under the server's limit rather than lose it entirely.
      std::size_t over = reply.size() - c.info().max_payload + 64;
      reply_payload.resize(reply_payload.size() > over ? reply_payload.size() - over : 0);
      reply_payload += "\n[remaphore: output truncated to fit max_payload]";
      reply = core::make_reply(*replier, m.hash, reply_payload, protocol::now_unix_ns());
    }
    if (auto ec = c.publish(protocol::subjects::reply(cfg.subject, m.hash), reply)) {
      log::error("cannot send the reply: " + ec.message());
      co_return;
    }
    if (auto ec = co_await c.flush(flush_timeout)) log::warn("the server did not confirm the reply: " + ec.message());
  };

  // Commands run one at a time, in arrival order, while receiving goes on.
  std::deque<core::accepted_message> queue;
  asio::steady_timer queue_wake(ex);
  auto dispatcher = [&]() -> awaitable<int> {
    for (;;) {
      while (queue.empty()) {
        queue_wake.expires_at(asio::steady_timer::time_point::max());
        boost::system::error_code ec;
        co_await queue_wake.async_wait(asio::redirect_error(use_awaitable, ec));
        auto cs = co_await asio::this_coro::cancellation_state;
        if (cs.cancelled() != asio::cancellation_type::none) co_return exit_ok;
      }
      auto m = std::move(queue.front());
      queue.pop_front();
      co_await handle(m);
    }
  };

  // One message through the pipeline; returns an exit code when receiving is done.
  drop_reporter drops;
  bool finished = false;
  auto on_message = [&](const nats::message& m, std::chrono::nanoseconds retained_for)
      -> awaitable<std::optional<int>> {
    if (finished) co_return std::nullopt;
    auto v = pipe.process(m.payload, protocol::now_unix_ns(), core::replay_cache::clock::now(), retained_for);
    if (!v.message) {
      drops.report(v);
      co_return std::nullopt;
    }
    auto& msg = *v.message;
    ++received;
    log::info("accepted " + describe(msg) + (retained_for.count() ? " (retained)" : ""));
    if (cli.count) {
      senders.insert(msg.sender.bytes);
      if (senders.size() < cli.count) {
        log::info(std::to_string(senders.size()) + " of " + std::to_string(cli.count) + " peers so far");
        if (msg.request && cli.rest.empty()) co_await handle(msg);
        co_return std::nullopt;
      }
      finished = true;
      co_await handle(msg);
      co_return exit_ok;
    }
    if (once) {
      finished = true;
      co_await handle(msg);
      co_return exit_ok;
    }
    if (queue.size() >= max_queued_commands) {
      log::warn("command queue full (" + std::to_string(max_queued_commands) + "): dropped " + describe(msg));
      co_return std::nullopt;
    }
    queue.push_back(std::move(msg));
    queue_wake.cancel();
    co_return std::nullopt;
  };

  // Reads one subscription until a message ends the run or the connection is gone.
  auto read_loop = [&](nats::subscription_ptr sub, std::chrono::nanoseconds retained_for) -> awaitable<int> {
    for (;;) {
      nats::message m;
      auto ec = co_await c.next_msg(sub, m, 1h);
      if (ec == nats::errc::timeout) continue;
      if (ec) {
        log::error("stopped receiving: " + ec.message() + (c.error_text().empty() ? "" : " (" + c.error_text() + ")"));
        co_return exit_runtime;
      }
      if (auto code = co_await on_message(m, retained_for)) co_return *code;
    }
  };

  auto live_sub = c.subscribe(subject_of(cli, cfg));
  nats::subscription_ptr retained_sub;
  auto receive_live = [&]() -> awaitable<int> { co_return co_await read_loop(live_sub, std::chrono::nanoseconds(0)); };
  auto receive_retained = [&]() -> awaitable<int> {
    if (!retained_sub) {
      asio::steady_timer forever(ex, asio::steady_timer::time_point::max());
      co_await forever.async_wait(use_awaitable);
    }
    co_return co_await read_loop(retained_sub, *cli.since);
  };

  // Subscribes (live first, so nothing falls between the two), then asks JetStream
  // for what was retained within --since.
  auto subscribe_all = [&]() -> awaitable<int> {
    if (auto ec = co_await c.flush(flush_timeout)) {
      log::error("cannot subscribe: " + ec.message());
      co_return exit_runtime;
    }
    if (cli.since) {
      retained_sub = c.subscribe(c.new_inbox());
      std::optional<std::string> uuid_hex;
      if (f.uuid) uuid_hex = protocol::hex_encode(f.uuid->data(), f.uuid->size());
      std::string filter = protocol::subjects::retained_filter(cfg.subject, cli.subject, uuid_hex);
      auto start = std::chrono::system_clock::now() -
                   std::chrono::duration_cast<std::chrono::system_clock::duration>(*cli.since + cfg.allow_skew);
      std::string why;
      auto ec = co_await nats::js::create_push_consumer(c, protocol::subjects::stream_name(cfg.subject), filter, retained_sub->subject(), start,
                                                        why, flush_timeout);
      if (ec == nats::errc::server_error && why.find("stream not found") != std::string::npos) {
        log::info("no signal has been retained yet (no stream " + protocol::subjects::stream_name(cfg.subject) + ")");
        c.unsubscribe(retained_sub);
        retained_sub = nullptr;
      } else if (ec) {
        log::error("cannot read retained signals: " + why);
        co_return exit_runtime;
      }
    }
    std::string dest_text = f.no_destination ? std::string("any destination")
                            : f.exact_destination ? "destination " + *f.exact_destination
                                                  : "destination " + cfg.destination;
    log::info("ready: listening on " + live_sub->subject() + " at " + c.current_server() + " for " + dest_text +
             (cli.since ? " (and signals retained in the last " + protocol::format_duration(*cli.since) + ")" : ""));
    co_return exit_ok;
  };

  // remaphore's own timeout (-t) ends everything, a running command included.
  auto deadline = [&]() -> awaitable<int> {
    asio::steady_timer t(ex, asio::steady_timer::time_point::max());
    if (cli.timeout) t.expires_after(*cli.timeout);
    co_await t.async_wait(use_awaitable);
    if (cli.count) {
      log::info("timed out with " + std::to_string(senders.size()) + " of " + std::to_string(cli.count) + " peers");
      co_return exit_timeout;
    }
    if (received == 0) log::info("timed out: no message accepted");
    co_return received > 0 ? exit_ok : exit_timeout;
  };

  int code = exit_runtime;
  if (co_await connect_or_log(c, cfg)) {
    code = co_await subscribe_all();
    if (code == exit_ok) {
      auto r = co_await (receive_live() || receive_retained() || dispatcher() || wait_signal() || deadline());
      code = std::visit([](int v) { return v; }, r);
    }
  }
  co_await c.close();
  co_return code;
}

}  // namespace remaphore::app
