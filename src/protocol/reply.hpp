// The reply to a request, as it travels: an envelope with an empty destination, verb
// "reply" and flag "_", signed by the responder, whose payload is "<exit code>,<output>"
// or NO_DATA (the responder runs no command). Ours is bound to its request: the uuid
// carries the first 12 bytes of the request's hash (Go responders send a random one).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/config.hpp"
#include "protocol/keys.hpp"

namespace remaphore::protocol {

inline constexpr std::string_view no_data = "NO_DATA";

// The uuid a bound reply carries: the first 12 bytes of the request's hash.
std::vector<std::uint8_t> reply_binding(const digest& request_hash);

// A signed reply envelope to the request whose hash is given.
std::string make_reply(const identity& id, const digest& request_hash, std::string_view payload, std::int64_t now_ns);

// "<exit code>,<output>".
std::string reply_payload(int exit_code, std::string_view output);

// What a reply payload says about the command. An exit code that is not a number (an
// odd responder) is kept as written and counts as a failure: it is not a 0.
struct reply_status {
  bool no_data = false;
  std::optional<long> exit_code;  // the number, when the code is one
  std::string code_text;          // the code as written ("" for NO_DATA)
  bool failed() const { return !no_data && exit_code != 0; }
};
reply_status status_of(std::string_view payload);

// The output part of "<exit code>,<output>" ("" when there is no comma).
std::string_view reply_output(std::string_view payload);

}  // namespace remaphore::protocol
