#include "protocol/reply.hpp"

#include <cstdlib>

#include "protocol/envelope.hpp"

namespace remaphore::protocol {

std::vector<std::uint8_t> reply_binding(const digest& request_hash) {
  return {request_hash.begin(), request_hash.begin() + uuid_size};
}

std::string make_reply(const identity& id, const digest& request_hash, std::string_view payload, std::int64_t now_ns) {
  envelope_fields f;
  f.destination = "";
  f.send_time_ns = now_ns;
  f.uuid = reply_binding(request_hash);
  f.verb = "reply";
  f.request = false;
  f.payload = std::string(payload);
  return encode(id.priv, f);
}

std::string reply_payload(int exit_code, std::string_view output) {
  std::string out = std::to_string(exit_code) + ",";
  out += output;
  return out;
}

reply_status status_of(std::string_view payload) {
  reply_status s;
  if (payload == no_data) {
    s.no_data = true;
    return s;
  }
  s.code_text = std::string(payload.substr(0, payload.find(',')));
  char* end = nullptr;
  long v = std::strtol(s.code_text.c_str(), &end, 10);
  if (!s.code_text.empty() && *end == '\0') s.exit_code = v;
  return s;
}

std::string_view reply_output(std::string_view payload) {
  auto comma = payload.find(',');
  return comma == std::string_view::npos ? std::string_view() : payload.substr(comma + 1);
}

}  // namespace remaphore::protocol
