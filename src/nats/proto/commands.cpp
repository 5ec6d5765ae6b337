#include "nats/proto/commands.hpp"

#include <charconv>

namespace remaphore::nats {
namespace {

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

std::size_t digits(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

}  // namespace

void append_publish(std::string& out, std::string_view subject, std::string_view reply, std::string_view headers,
                    std::string_view payload) {
  out += headers.empty() ? "PUB " : "HPUB ";
  out += subject;
  out += ' ';
  if (!reply.empty()) {
    out += reply;
    out += ' ';
  }
  if (!headers.empty()) {
    append_number(out, headers.size());
    out += ' ';
  }
  append_number(out, headers.size() + payload.size());
  out += "\r\n";
  out += headers;
  out += payload;
  out += "\r\n";
}

std::size_t publish_size(std::string_view subject, std::string_view reply, std::string_view headers,
                         std::string_view payload) {
  std::size_t n = (headers.empty() ? 4 : 5) + subject.size() + 1;
  if (!reply.empty()) n += reply.size() + 1;
  if (!headers.empty()) n += digits(headers.size()) + 1;
  n += digits(headers.size() + payload.size()) + 2;
  return n + headers.size() + payload.size() + 2;
}

void append_subscribe(std::string& out, std::string_view subject, std::uint64_t sid) {
  out += "SUB ";
  out += subject;
  out += ' ';
  append_number(out, sid);
  out += "\r\n";
}

void append_unsubscribe(std::string& out, std::uint64_t sid, std::uint64_t max) {
  out += "UNSUB ";
  append_number(out, sid);
  if (max > 0) {
    out += ' ';
    append_number(out, max);
  }
  out += "\r\n";
}

std::string connect_command(const connect_params& p, const auth& a, const server_info& info, std::string_view with) {
  std::string out = "CONNECT ";
  out += build_connect(p, a, info);
  out += "\r\n";
  out += with;
  out += ping_command;
  return out;
}

}  // namespace remaphore::nats
