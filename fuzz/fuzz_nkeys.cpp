// nkey seeds and creds files, as read from a file an admin names. A seed that
// decodes is one: its own spelling decodes to the same key, and it signs.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <system_error>

#include "check.hpp"
#include "nats/proto/auth.hpp"
#include "nats/proto/nkeys.hpp"

using namespace remaphore::nats;

namespace {

void check_seed(std::string_view text) {
  std::error_code ec;
  const nkey key = decode_seed(text, ec);
  if (ec) return;
  std::error_code again;
  const nkey same = decode_seed(key.seed_string(), again);
  FUZZ_CHECK(!again && same.type == key.type && same.seed == key.seed && same.pub == key.pub);
  FUZZ_CHECK(key.public_key().size() == 56 && key.public_key()[0] == key.type);
}

void check_material(const auth_material& m) {
  FUZZ_CHECK(m.error ? !m.reason.empty() : m.reason.empty());
  if (m.error) return;
  FUZZ_CHECK(static_cast<bool>(m.credentials.sign_nonce));
  FUZZ_CHECK(!m.credentials.sign_nonce("nonce").empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_seed(text);
  std::error_code ec;
  const creds parsed = parse_creds(text, ec);
  if (!ec) {
    FUZZ_CHECK(!parsed.jwt.empty() && !parsed.seed.empty());
    check_seed(parsed.seed);
  }
  check_material(auth_from_creds_text(text, "fuzz.creds"));
  check_material(auth_from_seed_text(text, "fuzz.nk"));
  return 0;
}
