// The audit trail of a responder: one structured record per command run (who asked,
// what ran, how it ended) and per reply sent (to whom, for which request, how large).
#pragma once
#include <chrono>
#include <cstddef>
#include <string>

#include "core/accepted_message.hpp"
#include "core/respond/runner.hpp"

namespace remaphore::core {

// The message a record is about, with the SHA-256 of its payload, computed once for
// all the records of one message.
struct audited_message {
  explicit audited_message(const accepted_message& message);
  const accepted_message& m;
  std::string payload_sha256;
};

void audit_command(const audited_message& a, const command_spec& spec, const command_result& r,
                   std::chrono::steady_clock::duration took);
// A command still running when the receiver stopped, ended with its process group.
void audit_command_ended(const audited_message& a, const command_spec& spec, std::chrono::steady_clock::duration took);
// An accepted message whose command never ran (the receiver stopped first).
void audit_not_run(const audited_message& a, std::string_view why);
void audit_reply(const audited_message& a, std::size_t reply_bytes);

}  // namespace remaphore::core
