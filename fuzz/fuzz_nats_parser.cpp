// NATS protocol parser, fed the way the client feeds it: chunks are appended to the
// unconsumed tail and parsed until "need more". The result must equal parsing the
// whole stream at once (the parser keeps no partial state), including the error.
//
// Input: byte 0 = limits preset (bits 0-1) and count n of chunk sizes (bits 2-4);
// bytes 1..n = chunk sizes, (b & 63) + 1, used in turn; the rest is the stream.
// A leading '@' therefore means default limits and the stream in one piece.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "check.hpp"
#include "nats/proto/parser.hpp"

using namespace remaphore::nats;

namespace {

struct owned_event {
  op kind;
  std::string subject;
  std::uint64_t sid;
  std::string reply, headers, payload, text;
  bool operator==(const owned_event&) const = default;
};

parser_limits preset(unsigned n) {
  parser_limits l;
  switch (n) {
    case 1: l = {32, 16, 64}; break;
    case 2: l = {8, 0, 8}; break;
    case 3: l.max_payload = std::numeric_limits<std::size_t>::max(); break;
    default: break;
  }
  return l;
}

bool inside(std::string_view v, std::string_view frame) {
  return v.empty() || (v.data() >= frame.data() && v.data() + v.size() <= frame.data() + frame.size());
}

// Parses `data` until need-more or an error; returns the bytes consumed.
std::size_t drain(parser& p, std::string_view data, std::vector<owned_event>& out, std::error_code& ec) {
  std::size_t offset = 0;
  for (;;) {
    const std::string_view rest = data.substr(offset);
    event ev;
    const std::size_t n = p.parse(rest, ev, ec);
    FUZZ_CHECK(n <= rest.size());
    if (ec || n == 0) {
      FUZZ_CHECK(n == 0 && ev.kind == op::none);
      return offset;
    }
    FUZZ_CHECK(ev.kind != op::none);
    const std::string_view frame = rest.substr(0, n);
    for (std::string_view v : {ev.subject, ev.reply, ev.headers, ev.payload, ev.text}) FUZZ_CHECK(inside(v, frame));
    if (ev.kind == op::msg || ev.kind == op::hmsg) {
      FUZZ_CHECK(ev.headers.size() + ev.payload.size() <= p.limits().max_payload);
      FUZZ_CHECK(ev.kind == op::hmsg || ev.headers.empty());
    }
    header_view h;
    if (!ev.headers.empty() && parse_headers(ev.headers, h)) {
      FUZZ_CHECK(h.status >= 0 && h.status <= 999);
      FUZZ_CHECK(inside(h.description, ev.headers));
      FUZZ_CHECK(inside(h.get("Nats-Msg-Id"), ev.headers));
    }
    out.push_back({ev.kind, std::string(ev.subject), ev.sid, std::string(ev.reply), std::string(ev.headers),
                   std::string(ev.payload), std::string(ev.text)});
    offset += n;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const parser_limits limits = preset(data[0] & 3);
  const std::size_t n_sizes = std::min<std::size_t>((data[0] >> 2) & 7, size - 1);
  const std::uint8_t* sizes = data + 1;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1 + n_sizes, size - 1 - n_sizes);

  // Whole stream at once (libFuzzer's copy has the exact size, so ASan sees overreads).
  parser whole_parser(limits);
  std::vector<owned_event> whole;
  std::error_code whole_ec;
  const std::size_t whole_used = drain(whole_parser, stream, whole, whole_ec);

  // In chunks. Each parse sees an exact-size copy of tail + chunk, like a read buffer.
  parser p(limits);
  std::vector<owned_event> chunked;
  std::error_code ec;
  std::string tail;
  std::size_t pos = 0;
  for (std::size_t i = 0; pos < stream.size() && !ec; ++i) {
    const std::size_t want = n_sizes == 0 ? stream.size() : (sizes[i % n_sizes] & 63u) + 1;
    const std::size_t take = std::min(want, stream.size() - pos);
    const std::size_t len = tail.size() + take;
    auto buf = std::make_unique<char[]>(len);
    std::memcpy(buf.get(), tail.data(), tail.size());
    std::memcpy(buf.get() + tail.size(), stream.data() + pos, take);
    pos += take;
    const std::size_t used = drain(p, std::string_view(buf.get(), len), chunked, ec);
    tail.assign(buf.get() + used, len - used);
  }

  FUZZ_CHECK(chunked == whole);
  FUZZ_CHECK(ec == whole_ec);
  if (!ec) FUZZ_CHECK(tail == stream.substr(whole_used));
  return 0;
}
