// What a JetStream API answers (or anything that answers in its place): API replies,
// publish acknowledgements, stream descriptions, stored messages, reply subjects and
// times. Nothing a server sends may throw or overflow.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check.hpp"
#include "nats/proto/js_reply.hpp"

using namespace remaphore::nats::js;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  const api_reply reply = decode_api_reply(payload);
  FUZZ_CHECK(reply.is_object || !reply.refused);
  if (reply.refused) FUZZ_CHECK(!reply.description.empty());
  const auto described = decode_stream_info(reply.body, "STREAM");
  // An answer that is no object describes nothing: the stream keeps the asked name.
  FUZZ_CHECK(reply.is_object || (described.config.name == "STREAM" && described.subjects.empty()));
  FUZZ_CHECK(raw_stream_config(reply.body).is_object());
  (void)consumer_name(reply.body);
  const auto record = decode_stored_message(reply.body);
  FUZZ_CHECK(record.data_ok || record.data.empty());

  const publish_ack ack = decode_publish_ack(payload);
  FUZZ_CHECK(ack.stored ? ack.why.empty() && !ack.wrong_last_sequence : ack.seq == 0);

  (void)stream_sequence(payload);
  if (auto ns = parse_rfc3339(payload)) {
    // Any time it reads is one it can write, and reads back as the same instant.
    const auto t = std::chrono::system_clock::time_point(std::chrono::nanoseconds(*ns));
    FUZZ_CHECK(parse_rfc3339(rfc3339(t)) == ns);
  }
  return 0;
}
