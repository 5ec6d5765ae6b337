#include "core/responder.hpp"

#include <chrono>
#include <span>
#include <vector>

#include "core/reply.hpp"
#include "log/log.hpp"
#include "protocol/subjects.hpp"

namespace remaphore::core {
namespace asio = boost::asio;

namespace {

constexpr std::string_view truncated_to_fit = "\n[remaphore: output truncated to fit max_payload]";

std::string sha256_hex(std::string_view data) { return protocol::hex_encode(protocol::message_hash(data)); }

// What every audit record says of the message it is about.
struct message_facts {
  explicit message_facts(const accepted_message& m)
      : sender(m.sender.to_base58()),
        peer(m.peer ? m.peer->destination : std::string()),
        uuid(protocol::hex_encode(m.fields.uuid.data(), m.fields.uuid.size())),
        payload_hash(sha256_hex(m.fields.payload)) {}
  std::string sender, peer, uuid, payload_hash;
};

// What every audit record says of the message it is about.
std::vector<log::field> audit_fields(std::string_view event, const message_facts& f, const accepted_message& m) {
  return {{"event", event},
          {"sender", std::string_view(f.sender)},
          {"peer", std::string_view(f.peer)},
          {"verb", std::string_view(m.fields.verb)},
          {"uuid", std::string_view(f.uuid)},
          {"payload_bytes", static_cast<std::int64_t>(m.fields.payload.size())},
          {"payload_sha256", std::string_view(f.payload_hash)}};
}

// One structured record per command run: who asked, what ran, how it ended.
void audit_command(const accepted_message& m, const command_spec& spec, const command_result& r,
                   std::chrono::steady_clock::duration took) {
  message_facts f(m);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  auto fields = audit_fields("command", f, m);
  fields.push_back({"command", std::string_view(spec.argv.front())});
  fields.push_back({"exit_code", static_cast<std::int64_t>(r.exit_code)});
  fields.push_back({"duration_ms", static_cast<std::int64_t>(ms)});
  log::write(r.exit_code == 0 ? log::level::info : log::level::warn,
             "command " + spec.argv.front() + " exited with " + std::to_string(r.exit_code),
             std::span<const log::field>(fields));
}

// One structured record per reply sent: to whom, for which request, how large.
void audit_reply(const accepted_message& m, std::size_t reply_bytes) {
  message_facts f(m);
  auto fields = audit_fields("reply", f, m);
  fields.push_back({"reply_bytes", static_cast<std::int64_t>(reply_bytes)});
  log::write(log::level::info, "reply sent to " + (f.peer.empty() ? f.sender : f.peer),
             std::span<const log::field>(fields));
}

}  // namespace

command_spec command_for(const responder_options& o, const accepted_message& m) {
  command_spec spec;
  spec.argv = o.command;
  spec.argv.push_back(m.fields.verb);
  spec.argv.push_back(m.fields.payload);
  spec.max_output = o.max_reply_output;
  spec.echo = o.echo;
  spec.env = {{"REMAPHORE_SENDER", m.sender.to_base58()},
              {"REMAPHORE_VERB", m.fields.verb},
              {"REMAPHORE_TIME", std::to_string(m.fields.send_time_ns / 1'000'000'000)},
              {"REMAPHORE_UUID", protocol::hex_encode(m.fields.uuid.data(), m.fields.uuid.size())},
              {"REMAPHORE_MSG", m.fields.payload}};
  if (o.destmatch_env) spec.env.emplace_back("REMAPHORE_DESTMATCH", m.matched_destination);
  return spec;
}

std::string reply_payload(const command_result& r, std::size_t max_output) {
  std::string out = std::to_string(r.exit_code) + ",";
  out += r.started ? r.output : r.error;
  if (r.truncated) out += "\n[remaphore: output truncated at " + std::to_string(max_output) + " bytes]";
  return out;
}

std::string fit_reply(const protocol::identity& id, const std::array<std::uint8_t, 32>& request_hash,
                      std::string payload, std::size_t max_payload, std::int64_t now_ns) {
  std::string reply = make_reply(id, request_hash, payload, now_ns);
  if (reply.size() <= max_payload) return reply;
  // Room for the marker and for the signature's base58 length, which varies by a
  // byte or two between signings.
  std::size_t over = reply.size() - max_payload + truncated_to_fit.size() + 8;
  payload.resize(payload.size() > over ? payload.size() - over : 0);
  payload += truncated_to_fit;
  return make_reply(id, request_hash, payload, now_ns);
}

asio::awaitable<std::string> responder::run(const accepted_message& m) {
  if (opts_.fixed_output) co_return "0," + *opts_.fixed_output;
  if (opts_.command.empty()) co_return std::string(no_data);
  auto spec = command_for(opts_, m);
  log::debug("running " + spec.argv.front());
  auto started = std::chrono::steady_clock::now();
  auto r = co_await run_command(spec);
  if (!r.started) log::error(r.error);
  audit_command(m, spec, r, std::chrono::steady_clock::now() - started);
  co_return reply_payload(r, opts_.max_reply_output);
}

void responder::answer(const accepted_message& m, const std::string& payload) {
  if (!opts_.replier) {
    log::error("cannot reply: the config has no identity to sign with");
    return;
  }
  auto reply = fit_reply(*opts_.replier, m.hash, payload, client_.info().max_payload, protocol::now_unix_ns());
  if (auto ec = client_.publish(protocol::subjects::reply(opts_.subject_root, m.hash), reply)) {
    log::error("cannot send the reply: " + ec.message());
    return;
  }
  ++replies_sent_;
  audit_reply(m, reply.size());
  remembered_.remember(m.hash, std::move(reply), remembered_replies::clock::now());
}

bool responder::resend(const std::array<std::uint8_t, 32>& request_hash) {
  auto reply = remembered_.find(request_hash, remembered_replies::clock::now());
  if (!reply) return false;
  if (auto ec = client_.publish(protocol::subjects::reply(opts_.subject_root, request_hash), *reply)) {
    log::error("cannot send the reply again: " + ec.message());
    return false;
  }
  log::info("sent the reply to a request again (its requester asked again)");
  return true;
}

asio::awaitable<void> responder::handle(const accepted_message& m) {
  std::string payload = co_await run(m);
  if (m.fields.request) answer(m, payload);
}

}  // namespace remaphore::core
