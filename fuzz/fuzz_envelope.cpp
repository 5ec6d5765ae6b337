// Envelope decoder and signature check. A decoded envelope must be the one canonical
// spelling of its fields: rebuilding the wire from them gives the input back.
#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "check.hpp"
#include "protocol/base58.hpp"
#include "protocol/envelope.hpp"

using namespace remaphore::protocol;

namespace {

bool inside(std::string_view v, std::string_view whole) {
  return v.empty() || (v.data() >= whole.data() && v.data() + v.size() <= whole.data() + whole.size());
}

// Go's strconv.FormatInt(t, 16).
std::string hex_time(std::int64_t t) {
  const std::uint64_t magnitude = t < 0 ? 0 - static_cast<std::uint64_t>(t) : static_cast<std::uint64_t>(t);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%s%" PRIx64, t < 0 ? "-" : "", magnitude);
  return buf;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view wire(reinterpret_cast<const char*>(data), size);
  envelope_view env;
  const decode_error e = decode(wire, env);
  FUZZ_CHECK(to_string(e) != nullptr);
  if (e != decode_error::ok) return 0;

  // signed_part is the input's tail, and the fields lie inside it.
  FUZZ_CHECK(env.signed_part.data() + env.signed_part.size() == wire.data() + wire.size());
  for (std::string_view v : {env.destination, env.verb, env.payload}) FUZZ_CHECK(inside(v, env.signed_part));
  FUZZ_CHECK(!env.verb.empty() && env.uuid.size() <= uuid_size);

  std::string signed_part(env.destination);
  signed_part += ',' + hex_time(env.send_time_ns) + ',' + hex_encode(env.uuid.data(), env.uuid.size());
  signed_part += ',' + std::string(env.verb) + ',' + (env.request ? 'Q' : '_') + ',' + std::string(env.payload);
  FUZZ_CHECK(signed_part == env.signed_part);
  FUZZ_CHECK(env.sender.to_base58() + ',' + base58_encode(env.sig) + ',' + signed_part == wire);

  (void)verify_signature(env);
  return 0;
}
