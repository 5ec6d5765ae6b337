#include <doctest/doctest.h>

#include "support/vectors.hpp"

#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

#include "protocol/base58.hpp"
#include "protocol/config.hpp"
#include "protocol/envelope.hpp"
#include "support/bytes_of.hpp"

using namespace remaphore::protocol;

using remaphore::test::bytes_of;

namespace {

config vector_config(const nlohmann::json& v) {
  config c;
  config_error err;
  const bool ok = parse_config(v["config"].get<std::string>(), "vectors.conf", c, err);
  INFO(err.message);
  REQUIRE(ok);
  return c;
}

// A freshly signed, valid message used as the base of negative cases.
struct sample {
  key_pair kp = generate_key_pair();
  envelope_fields fields{"com.example.*", 0x18eb1455bb761109, bytes_of("abc"), "ping", true, "a,b"};
  std::string wire = encode(kp.priv, fields);
};

// Replaces the n-th comma-separated field (0-based) of a wire string.
std::string replace_field(const std::string& wire, int n, std::string_view value) {
  std::size_t start = 0;
  for (int i = 0; i < n; ++i) start = wire.find(',', start) + 1;
  const auto end = wire.find(',', start);
  return wire.substr(0, start) + std::string(value) + wire.substr(end);
}

}  // namespace

TEST_CASE("envelope: every Go vector decodes, verifies and re-encodes identically") {
  const auto v = remaphore::test::load_go_vectors();
  const auto cfg = vector_config(v);
  const auto* id = cfg.effective_default_identity();
  REQUIRE(id != nullptr);
  REQUIRE(!v["vectors"].empty());

  for (const auto& vec : v["vectors"]) {
    const auto name = vec["name"].get<std::string>();
    CAPTURE(name);
    const auto wire = vec["wire"].get<std::string>();

    envelope_view env;
    REQUIRE(decode(wire, env) == decode_error::ok);
    CHECK(verify_signature(env));
    CHECK(env.sender.to_base58() == vec["sender_public_key"].get<std::string>());
    CHECK(env.sender == id->pub);
    const auto* p = cfg.find_peer(env.sender);
    REQUIRE(p != nullptr);
    CHECK(p->allows(env.verb));

    CHECK(env.destination == vec["destination"].get<std::string>());
    CHECK(env.send_time_ns == vec["send_time_ns"].get<std::int64_t>());
    CHECK(hex_encode(env.uuid.data(), env.uuid.size()) == vec["uuid_hex"].get<std::string>());
    CHECK(env.verb == vec["verb"].get<std::string>());
    CHECK(env.request == vec["request"].get<bool>());
    CHECK(env.payload == vec["payload"].get<std::string>());
    CHECK(env.signed_part == vec["signed_part"].get<std::string>());
    CHECK(hex_encode(message_hash(wire)) == vec["hash_hex"].get<std::string>());

    // The uuid transform reproduces what the Go sender did with its -u value.
    const auto given = vec["uuid_given"].get<std::string>();
    if (!given.empty()) {
      const auto u = uuid_from(given);
      CHECK(hex_encode(u.data(), u.size()) == vec["uuid_hex"].get<std::string>());
    }

    envelope_fields f{std::string(env.destination), env.send_time_ns, env.uuid,
                      std::string(env.verb),        env.request,      std::string(env.payload)};
    const auto again = encode(id->priv, f);
    CHECK(again == wire);
    envelope_view env2;
    REQUIRE(decode(again, env2) == decode_error::ok);
    CHECK(env2.signed_part == vec["signed_part"].get<std::string>());
  }
}

TEST_CASE("envelope: uuid transform") {
  CHECK(uuid_from("upload_done") == bytes_of("upload_done"));
  CHECK(uuid_from("123456789012") == bytes_of("123456789012"));  // exactly 12 kept
  const auto hashed = uuid_from("this-uuid-is-longer-than-twelve-bytes");
  CHECK(hex_encode(hashed.data(), hashed.size()) == "9dbe93d79e1bb00280e31d14");
  const auto digest = sha256("1234567890123");
  CHECK(uuid_from("1234567890123") == std::vector<std::uint8_t>(digest.begin(), digest.begin() + 12));
  const auto r1 = uuid_from("");
  const auto r2 = uuid_from("");
  CHECK(r1.size() == uuid_size);
  CHECK(r1 != r2);
}

TEST_CASE("envelope: the clock") {
  const auto now = now_unix_ns();
  CHECK(now > 1'700'000'000'000'000'000);  // after 2023
}

TEST_CASE("envelope: decode errors") {
  sample s;
  REQUIRE(!s.wire.empty());
  envelope_view env;
  REQUIRE(decode(s.wire, env) == decode_error::ok);
  REQUIRE(verify_signature(env));
  CHECK(env.payload == "a,b");
  CHECK(env.request);

  const std::string pub = s.kp.pub.to_base58();
  const std::string sig = base58_encode(sign(s.kp.priv, "x"));
  // A 33-byte key. (Appending a base58 digit to pub is not enough: it multiplies
  // the value by 58, which still fits in 32 bytes when pub's top byte is small.)
  const std::string key33 = base58_encode(std::vector<std::uint8_t>(33, 0x42));
  struct row {
    std::string wire;
    decode_error expected;
  };
  const row rows[] = {
      {"", decode_error::too_few_fields},
      {",", decode_error::too_few_fields},
      {",,", decode_error::too_few_fields},
      {",,,,,,", decode_error::too_few_fields},
      {pub + "," + sig + ",d,1,61,ping,_", decode_error::too_few_fields},  // no payload comma
      {pub + "," + sig + ",d,1,61,ping", decode_error::too_few_fields},
      {",,,,,,,", decode_error::bad_sender_key},
      {"0" + pub + "," + sig + ",d,1,61,ping,_,", decode_error::bad_sender_key},
      {key33 + "," + sig + ",d,1,61,ping,_,", decode_error::bad_sender_key},
      {sig + "," + sig + ",d,1,61,ping,_,", decode_error::bad_sender_key},
      {pub + "," + pub + ",d,1,61,ping,_,", decode_error::bad_signature},
      {pub + ",,d,1,61,ping,_,", decode_error::bad_signature},
      {pub + "," + sig + "I,d,1,61,ping,_,", decode_error::bad_signature},
      {pub + "," + std::string(10000, 'z') + ",d,1,61,ping,_,", decode_error::bad_signature},
      {pub + "," + sig + ",d,,61,ping,_,", decode_error::bad_time},
      {pub + "," + sig + ",d,-,61,ping,_,", decode_error::bad_time},
      {pub + "," + sig + ",d,g,61,ping,_,", decode_error::bad_time},
      {pub + "," + sig + ",d,8000000000000000,61,ping,_,", decode_error::bad_time},  // > INT64_MAX
      {pub + "," + sig + ",d,-8000000000000001,61,ping,_,", decode_error::bad_time},
      {pub + "," + sig + ",d,10000000000000000,61,ping,_,", decode_error::bad_time},  // 17 digits
      {pub + "," + sig + ",d,1,6,ping,_,", decode_error::bad_uuid},                   // odd length
      {pub + "," + sig + ",d,1,zz,ping,_,", decode_error::bad_uuid},
      {pub + "," + sig + ",d,1," + std::string(26, 'a') + ",ping,_,", decode_error::bad_uuid},  // 13 bytes
      {pub + "," + sig + ",d,1,61,,_,", decode_error::empty_verb},
      {pub + "," + sig + ",d,1,61,ping,,", decode_error::bad_flag},
      {pub + "," + sig + ",d,1,61,ping,QQ,", decode_error::bad_flag},
      {pub + "," + sig + ",d,1,61,ping,q,", decode_error::bad_flag},
      {pub + "," + sig + ",d,1,61,ping,_ ,", decode_error::bad_flag},
  };
  for (const auto& r : rows) {
    CAPTURE(r.wire);
    envelope_view e;
    CHECK(decode(r.wire, e) == r.expected);
  }
  // Syntactically fine fields decode even with a signature that does not verify.
  envelope_view e;
  REQUIRE(decode(pub + "," + sig + ",,0,,v,_,", e) == decode_error::ok);
  CHECK(e.uuid.empty());
  CHECK(e.send_time_ns == 0);
  CHECK(e.destination.empty());
  CHECK_FALSE(verify_signature(e));

  for (auto err :
       {decode_error::ok, decode_error::too_few_fields, decode_error::bad_sender_key, decode_error::bad_signature,
        decode_error::bad_time, decode_error::bad_uuid, decode_error::empty_verb, decode_error::bad_flag})
    CHECK(std::string(to_string(err)).size() > 1);
}

TEST_CASE("envelope: non-canonical spellings of a valid message are rejected") {
  sample s;
  // field index: 0 key, 1 sig, 2 destination, 3 time, 4 uuid, 5 verb, 6 flag
  const std::string time_hex = "18eb1455bb761109";
  const std::pair<int, std::string> variants[] = {
      {6, "X"},
      {6, "q"},
      {4, "ABC"},     // odd and upper
      {4, "616263"},  // sanity: canonical, handled below
      {4, "61626"},   // odd
      {4,
       "61626"
       "3"
       "00"},  // extra byte changes the uuid (not a respelling, but must not verify)
      {3, "+" + time_hex},
      {3, "0" + time_hex},
      {3, "00" + time_hex},
      {3, "18EB1455BB761109"},
      {3, " " + time_hex},
      {3, time_hex + " "},
  };
  for (const auto& [field, value] : variants) {
    const auto wire = replace_field(s.wire, field, value);
    CAPTURE(wire);
    envelope_view env;
    const auto err = decode(wire, env);
    if (wire == s.wire) {
      CHECK(err == decode_error::ok);
      CHECK(verify_signature(env));
    } else {
      CHECK((err != decode_error::ok || !verify_signature(env)));
    }
  }
  // Upper-case uuid hex: even length, so only the case makes it non-canonical.
  {
    envelope_fields f = s.fields;
    f.uuid = {0xab, 0xcd};
    const auto wire = encode(s.kp.priv, f);
    envelope_view env;
    REQUIRE(decode(wire, env) == decode_error::ok);
    CHECK(decode(replace_field(wire, 4, "ABCD"), env) == decode_error::bad_uuid);
    CHECK(decode(replace_field(wire, 4, "abCD"), env) == decode_error::bad_uuid);
  }
  // Zero time: "0" only, never "00", "-0" or "+0".
  {
    envelope_fields f = s.fields;
    f.send_time_ns = 0;
    const auto wire = encode(s.kp.priv, f);
    envelope_view env;
    REQUIRE(decode(wire, env) == decode_error::ok);
    CHECK(verify_signature(env));
    CHECK(env.signed_part.substr(0, f.destination.size() + 3) == f.destination + ",0,");
    for (const char* t : {"00", "-0", "+0", "-00"})
      CHECK(decode(replace_field(wire, 3, t), env) == decode_error::bad_time);
  }
}

TEST_CASE("envelope: negative and extreme times use Go's FormatInt form") {
  const auto kp = generate_key_pair();
  struct row {
    std::int64_t t;
    const char* hex;
  };
  const row rows[] = {
      {0, "0"},
      {1, "1"},
      {-1, "-1"},
      {255, "ff"},
      {-256, "-100"},
      {std::numeric_limits<std::int64_t>::max(), "7fffffffffffffff"},
      {std::numeric_limits<std::int64_t>::min(), "-8000000000000000"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.hex);
    envelope_fields f{"d", r.t, {}, "v", false, ""};
    const auto wire = encode(kp.priv, f);
    envelope_view env;
    REQUIRE(decode(wire, env) == decode_error::ok);
    CHECK(env.send_time_ns == r.t);
    CHECK(verify_signature(env));
    CHECK(env.signed_part == std::string("d,") + r.hex + ",,v,_,");
  }
}

TEST_CASE("envelope: encode refuses fields that cannot be decoded") {
  const auto kp = generate_key_pair();
  CHECK(encode(kp.priv, {"a,b", 1, {}, "ping", false, ""}).empty());
  CHECK(encode(kp.priv, {"a", 1, {}, "pi,ng", false, ""}).empty());
  CHECK(encode(kp.priv, {"a", 1, {}, "", false, ""}).empty());
  CHECK(encode(kp.priv, {"a", 1, std::vector<std::uint8_t>(13, 1), "ping", false, ""}).empty());
  CHECK_FALSE(encode(kp.priv, {"a", 1, std::vector<std::uint8_t>(12, 1), "ping", false, ""}).empty());
}

TEST_CASE("envelope: randomized round trips") {
  std::mt19937_64 rng(20240601);
  const key_pair keys[] = {generate_key_pair(), generate_key_pair(), generate_key_pair()};
  const auto random_text = [&](std::size_t max_len, bool allow_comma) {
    std::string s(rng() % (max_len + 1), '\0');
    for (auto& c : s) {
      c = static_cast<char>(rng() % 256);
      if (!allow_comma && c == ',') c = '.';
    }
    return s;
  };
  for (int i = 0; i < 3000; ++i) {
    const auto& kp = keys[i % 3];
    envelope_fields f;
    f.destination = random_text(40, false);
    f.send_time_ns = static_cast<std::int64_t>(rng());
    if (i % 7 == 0) f.send_time_ns = static_cast<std::int64_t>(rng() % 100) - 50;
    f.uuid.resize(rng() % (uuid_size + 1));
    for (auto& b : f.uuid) b = static_cast<std::uint8_t>(rng());
    f.verb = random_text(12, false);
    if (f.verb.empty()) f.verb = "v";
    f.request = rng() % 2 == 0;
    f.payload = random_text(i % 50 == 0 ? 5000 : 200, true);

    const auto wire = encode(kp.priv, f);
    REQUIRE(!wire.empty());
    envelope_view env;
    REQUIRE(decode(wire, env) == decode_error::ok);
    CHECK(verify_signature(env));
    CHECK(env.sender == kp.pub);
    CHECK(env.destination == f.destination);
    CHECK(env.send_time_ns == f.send_time_ns);
    CHECK(env.uuid == f.uuid);
    CHECK(env.verb == f.verb);
    CHECK(env.request == f.request);
    CHECK(env.payload == f.payload);
    CHECK(env.signed_part.data() + env.signed_part.size() == wire.data() + wire.size());
  }
}

TEST_CASE("envelope: mutated wire bytes are never accepted") {
  std::mt19937 rng(77);
  const auto kp = generate_key_pair();
  const envelope_fields base{"com.example.host",   0x18eb1455bb761109, bytes_of("job-7"), "deploy", true,
                             "line one\nline, two"};
  const auto wire = encode(kp.priv, base);
  int accepted = 0, decoded = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string m = wire;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int j = 0; j < flips; ++j) {
      const auto pos = rng() % m.size();
      const auto old = m[pos];
      do m[pos] = static_cast<char>(rng() % 256);
      while (m[pos] == old);
    }
    if (i % 10 == 0) m.resize(rng() % m.size());  // truncation
    if (m == wire) continue;                      // two flips at one position can restore the original byte
    envelope_view env;
    if (decode(m, env) != decode_error::ok) continue;
    ++decoded;
    if (verify_signature(env)) ++accepted;
  }
  CHECK(accepted == 0);
  MESSAGE("mutations that still decoded: " << decoded);
}

TEST_CASE("envelope: split agrees with decode, without decoding the key or the signature") {
  std::mt19937 rng(78);
  const auto kp = generate_key_pair();
  const envelope_fields base{"com.example.host",   0x18eb1455bb761109, bytes_of("job-7"), "deploy", true,
                             "line one\nline, two"};
  const auto wire = encode(kp.priv, base);
  envelope_text t;
  REQUIRE(split(wire, t) == decode_error::ok);
  CHECK(t.sender == kp.pub.to_base58());
  CHECK(t.destination == "com.example.host");
  CHECK(t.send_time_ns == 0x18eb1455bb761109);
  CHECK(decode_uuid_hex(t.uuid_hex) == bytes_of("job-7"));
  CHECK(t.verb == "deploy");
  CHECK(t.request);
  CHECK(t.payload == "line one\nline, two");
  auto sig = decode_signature(t.signature);
  REQUIRE(sig.has_value());
  CHECK(verify(kp.pub, *sig, t.signed_part));
  // Whatever decode() accepts, split() accepts; what split() refuses, decode() refuses
  // for the same reason.
  for (int i = 0; i < 4000; ++i) {
    std::string m = wire;
    m[rng() % m.size()] = static_cast<char>(rng() % 256);
    envelope_view env;
    auto full = decode(m, env);
    auto cheap = split(m, t);
    if (full == decode_error::ok) CHECK(cheap == decode_error::ok);
    if (cheap != decode_error::ok) CHECK(full == cheap);
  }
  CHECK(split("0OIl," + wire.substr(wire.find(',') + 1), t) == decode_error::bad_sender_key);
}
