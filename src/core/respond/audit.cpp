#include "core/respond/audit.hpp"

#include <span>
#include <string>
#include <vector>

#include "log/log.hpp"
#include "protocol/keys.hpp"

namespace remaphore::core {

namespace {

// What every audit record says of the message it is about.
std::vector<log::field> audit_fields(std::string_view event, const audited_message& a) {
  const auto& m = a.m;
  return {{"event", event},
          {"sender", std::string_view(m.sender_b58)},
          {"peer", std::string_view(m.peer ? m.peer->destination : std::string_view())},
          {"verb", std::string_view(m.fields.verb)},
          {"uuid", std::string_view(m.uuid_hex)},
          {"payload_bytes", static_cast<std::int64_t>(m.fields.payload.size())},
          {"payload_sha256", std::string_view(a.payload_sha256)}};
}

}  // namespace

audited_message::audited_message(const accepted_message& message)
    : m(message), payload_sha256(protocol::hex_encode(protocol::sha256(message.fields.payload))) {}

void audit_command(const audited_message& a, const command_spec& spec, const command_result& r,
                   std::chrono::steady_clock::duration took) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  auto fields = audit_fields("command", a);
  fields.push_back({"command", std::string_view(spec.argv.front())});
  fields.push_back({"exit_code", static_cast<std::int64_t>(r.exit_code)});
  fields.push_back({"duration_ms", static_cast<std::int64_t>(ms)});
  log::write(r.exit_code == 0 ? log::level::info : log::level::warn,
             "command " + spec.argv.front() + " exited with " + std::to_string(r.exit_code),
             std::span<const log::field>(fields));
}

void audit_command_ended(const audited_message& a, const command_spec& spec, std::chrono::steady_clock::duration took) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  auto fields = audit_fields("command_ended", a);
  fields.push_back({"command", std::string_view(spec.argv.front())});
  fields.push_back({"duration_ms", static_cast<std::int64_t>(ms)});
  log::write(
      log::level::warn,
      "command " + spec.argv.front() + " was ended (its process group: SIGTERM, then SIGKILL): the receiver stopped",
      std::span<const log::field>(fields));
}

void audit_not_run(const audited_message& a, std::string_view why) {
  auto fields = audit_fields("not_run", a);
  fields.push_back({"reason", why});
  log::write(log::level::warn, "accepted message not run: " + std::string(why), std::span<const log::field>(fields));
}

void audit_reply(const audited_message& a, std::size_t reply_bytes) {
  auto fields = audit_fields("reply", a);
  fields.push_back({"reply_bytes", static_cast<std::int64_t>(reply_bytes)});
  const std::string to = a.m.peer ? a.m.peer->destination : a.m.sender_b58;
  log::write(log::level::info, "reply sent to " + to, std::span<const log::field>(fields));
}

}  // namespace remaphore::core
