// What the JetStream API answers, decoded without I/O: the JSON of an API reply and
// its error, a publish acknowledgement, a stream's description, a stored message,
// the stream sequence in a push consumer's reply subject, and the API's times.
// jetstream.cpp sends the requests; everything a server sends back is read here, so
// that the fuzz harness (fuzz/fuzz_js_reply.cpp) reaches all of it.
#pragma once
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace remaphore::nats::js {

struct stream_config {
  std::string name;
  std::vector<std::string> subjects;
  std::chrono::nanoseconds max_age{0};
  std::int64_t max_msgs_per_subject = 1;
  int replicas = 1;
};

// The JetStream API's error codes remaphore tells apart.
inline constexpr int err_no_message = 10037;
inline constexpr int err_delete_no_message = 10057;
inline constexpr int err_stream_not_found = 10059;
inline constexpr int err_wrong_last_sequence = 10071;

// An API reply: a JSON object, which may carry an "error" object.
struct api_reply {
  bool is_object = false;   // false: the payload is not a JSON object
  nlohmann::json body;      // the object
  bool refused = false;     // it carries an "error" object
  int err_code = 0;         // the error's err_code, 0 when none is given
  std::string description;  // the error's description
};
api_reply decode_api_reply(std::string_view payload);

// A publish acknowledgement: stored at `seq`, or refused with the API's words (the
// payload itself when it has none). With the wrong-last-sequence error, `last_seq` is
// the subject's actual last sequence.
struct publish_ack {
  bool stored = false;
  std::uint64_t seq = 0;
  std::string why;
  bool wrong_last_sequence = false;
  std::uint64_t last_seq = 0;
};
publish_ack decode_publish_ack(std::string_view payload);

// STREAM.INFO's answer: the configuration, the stored subjects it listed, the leader.
struct stream_description {
  stream_config config;
  std::vector<std::string> subjects;
  std::string leader;
};
stream_description decode_stream_info(const nlohmann::json& answer, const std::string& stream);

// STREAM.INFO's "config" object as the server sent it (an empty object when there is
// none), to be sent back changed in a STREAM.UPDATE: fields we do not know are kept.
nlohmann::json raw_stream_config(const nlohmann::json& answer);

// CONSUMER.CREATE's answer: the consumer's name ("" when it names none).
std::string consumer_name(const nlohmann::json& answer);

// STREAM.MSG.GET's answer. `data_ok` is false when its data is not base64.
struct message_record {
  std::uint64_t seq = 0;
  std::int64_t time_ns = 0;  // unix ns, 0 when the time is unreadable
  std::string data;
  bool data_ok = true;
};
message_record decode_stored_message(const nlohmann::json& answer);

// The stream sequence of a message a push consumer delivered, from its reply subject
// ($JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>..., or the longer form with
// domain and account); nullopt for anything else.
std::optional<std::uint64_t> stream_sequence(std::string_view reply_subject);

// RFC 3339 in UTC with nanoseconds, as the JetStream API writes times.
std::string rfc3339(std::chrono::system_clock::time_point t);
// The other way: unix ns, or nullopt when `text` is not such a time (or one that unix
// ns in 64 bits cannot hold).
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

}  // namespace remaphore::nats::js
