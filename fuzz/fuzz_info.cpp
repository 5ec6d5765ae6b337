// The server's INFO line, the first thing a server (or anything at its address)
// sends. What it announces goes into CONNECT, which must stay one JSON object.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "check.hpp"
#include "nats/proto/handshake.hpp"

using namespace remaphore::nats;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  server_info info;
  if (!parse_info(json, info)) return 0;
  auth a;
  a.user = "user";
  a.password = "secret";
  const auto connect = nlohmann::json::parse(build_connect(connect_params{}, a, info), nullptr, false);
  FUZZ_CHECK(!connect.is_discarded() && connect.is_object());
  FUZZ_CHECK(connect.value("user", "") == "user");
  (void)is_auth_error(json);
  (void)is_soft_error(json);
  return 0;
}
