#include "core/respond/responder.hpp"

#include <chrono>

#include "core/respond/audit.hpp"
#include "log/log.hpp"
#include "protocol/reply.hpp"
#include "protocol/subjects.hpp"

namespace remaphore::core {
namespace asio = boost::asio;

namespace {

constexpr std::string_view truncated_to_fit = "\n[remaphore: output truncated to fit max_payload]";

}  // namespace

command_spec command_for(const responder_options& o, const accepted_message& m) {
  command_spec spec;
  spec.argv = o.command;
  spec.argv.push_back(m.fields.verb);
  spec.argv.push_back(m.fields.payload);
  spec.max_output = o.max_reply_output;
  spec.echo = o.echo;
  spec.env = {{"REMAPHORE_SENDER", m.sender_b58},
              {"REMAPHORE_VERB", m.fields.verb},
              {"REMAPHORE_TIME", std::to_string(m.fields.send_time_ns / 1'000'000'000)},
              {"REMAPHORE_UUID", m.uuid_hex},
              {"REMAPHORE_MSG", m.fields.payload}};
  if (o.destmatch_env) spec.env.emplace_back("REMAPHORE_DESTMATCH", m.matched_destination);
  return spec;
}

std::string reply_payload(const command_result& r, std::size_t max_output) {
  std::string out = protocol::reply_payload(r.exit_code, r.error.empty() ? r.output : r.error);
  if (r.truncated) out += "\n[remaphore: output truncated at " + std::to_string(max_output) + " bytes]";
  return out;
}

std::string fit_reply(const protocol::identity& id, const protocol::digest& request_hash, std::string payload,
                      std::size_t max_payload, std::int64_t now_ns) {
  std::string reply = protocol::make_reply(id, request_hash, payload, now_ns);
  if (reply.size() <= max_payload) return reply;
  // Room for the marker and for the signature's base58 length, which varies by a
  // byte or two between signings.
  std::size_t over = reply.size() - max_payload + truncated_to_fit.size() + 8;
  payload.resize(payload.size() > over ? payload.size() - over : 0);
  payload += truncated_to_fit;
  return protocol::make_reply(id, request_hash, payload, now_ns);
}

asio::awaitable<void> responder::handle(const accepted_message& m, handling how) {
  const audited_message audited(m);
  std::string payload(protocol::no_data);
  if (how.run_command && opts_.fixed_output) {
    payload = protocol::reply_payload(0, *opts_.fixed_output);
  } else if (how.run_command) {
    auto spec = command_for(opts_, m);
    log::debug("running " + spec.argv.front());
    const auto started = std::chrono::steady_clock::now();
    command_result r;
    try {
      r = co_await run_command(spec);
    } catch (const boost::system::system_error& e) {
      // The run is ending (-t, a signal): the runner has ended the command's group.
      if (e.code() == asio::error::operation_aborted)
        audit_command_ended(audited, spec, std::chrono::steady_clock::now() - started);
      throw;
    }
    if (!r.error.empty()) log::error(r.error);
    const auto took = std::chrono::steady_clock::now() - started;
    audit_command(audited, spec, r, took);
    if (opts_.metrics) opts_.metrics->command_ran(r.exit_code, took);
    payload = reply_payload(r, opts_.max_reply_output);
  }
  if (how.reply) answer(audited, payload);
}

void responder::answer(const audited_message& a, const std::string& payload) {
  if (!opts_.replier) {
    log::error("cannot reply: the config has no identity to sign with");
    return;
  }
  const auto& m = a.m;
  auto reply = fit_reply(*opts_.replier, m.hash, payload, client_.info().max_payload, protocol::now_unix_ns());
  if (auto ec = client_.publish(protocol::subjects::reply(opts_.subject_root, m.hash), reply)) {
    log::error("cannot send the reply: " + ec.message());
    return;
  }
  ++replies_sent_;
  audit_reply(a, reply.size());
  remembered_.remember(m.hash, std::move(reply), remembered_replies::clock::now());
}

void responder::not_handled(const accepted_message& m, std::string_view why) { audit_not_run(audited_message(m), why); }

void responder::answer_again(const protocol::digest& request_hash) {
  auto reply = remembered_.find(request_hash, remembered_replies::clock::now());
  if (!reply) return;
  if (auto ec = client_.publish(protocol::subjects::reply(opts_.subject_root, request_hash), *reply)) {
    log::error("cannot send the reply again: " + ec.message());
    return;
  }
  log::info("sent the reply to a request again (its requester asked again)");
}

}  // namespace remaphore::core
