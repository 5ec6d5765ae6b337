#include <doctest/doctest.h>

#include "support/vectors.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "protocol/base58.hpp"
#include "protocol/keys.hpp"

using namespace remaphore::protocol;

TEST_CASE("keys: the Go vector key pair parses and matches") {
  const auto v = remaphore::test::load_go_vectors();
  const auto pub = parse_public_key(v["sender_public_key"].get<std::string>());
  const auto priv = parse_private_key(v["sender_private_key"].get<std::string>());
  REQUIRE(pub);
  REQUIRE(priv);
  CHECK(priv->public_part() == *pub);
  CHECK(pub->to_base58() == v["sender_public_key"].get<std::string>());
  CHECK(priv->to_base58() == v["sender_private_key"].get<std::string>());
}

TEST_CASE("keys: generate, sign, verify") {
  const auto kp = generate_key_pair();
  CHECK(kp.priv.public_part() == kp.pub);
  const auto parsed_pub = parse_public_key(kp.pub.to_base58());
  const auto parsed_priv = parse_private_key(kp.priv.to_base58());
  REQUIRE(parsed_pub);
  REQUIRE(parsed_priv);
  CHECK(*parsed_pub == kp.pub);
  CHECK(*parsed_priv == kp.priv);

  const auto sig = sign(kp.priv, "message");
  CHECK(verify(kp.pub, sig, "message"));
  CHECK_FALSE(verify(kp.pub, sig, "messagE"));
  CHECK_FALSE(verify(kp.pub, sig, ""));
  auto bad = sig;
  bad[10] ^= 1;
  CHECK_FALSE(verify(kp.pub, bad, "message"));
  const auto other = generate_key_pair();
  CHECK_FALSE(verify(other.pub, sig, "message"));
  // ed25519 is deterministic: the same key and message give the same signature.
  CHECK(sign(kp.priv, "message") == sig);
  CHECK(generate_key_pair().pub != kp.pub);
}

TEST_CASE("keys: parse rejects wrong sizes, bad text and mismatched halves") {
  const auto kp = generate_key_pair();
  CHECK_FALSE(parse_public_key(""));
  CHECK_FALSE(parse_public_key("0OIl"));
  CHECK_FALSE(parse_public_key(kp.priv.to_base58()));  // 64 bytes
  CHECK_FALSE(parse_private_key(kp.pub.to_base58()));  // 32 bytes
  std::vector<std::uint8_t> short_key(31, 7);
  CHECK_FALSE(parse_public_key(base58_encode(short_key)));
  CHECK_FALSE(parse_public_key(std::string(5000, 'z')));  // long input stays cheap

  // seed of one key with the public half of another
  auto mixed = kp.priv;
  const auto other = generate_key_pair();
  std::copy(other.pub.bytes.begin(), other.pub.bytes.end(), mixed.bytes.begin() + 32);
  CHECK_FALSE(parse_private_key(mixed.to_base58()));

  // An all-zero public key is 32 bytes and is still a syntactically valid key.
  public_key zero;
  CHECK(zero.to_base58() == std::string(32, '1'));
  CHECK(parse_public_key(zero.to_base58()) == zero);
}

TEST_CASE("keys: sha256 and hex") {
  CHECK(hex_encode(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex_encode(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::uint8_t raw[] = {0x00, 0x0f, 0xab, 0xff};
  CHECK(hex_encode(raw, 4) == "000fabff");
  CHECK(hex_encode(raw, 0).empty());
  std::array<std::uint8_t, 2> arr{0xde, 0xad};
  CHECK(hex_encode(arr) == "dead");
}

TEST_CASE("keys: random_bytes fills the buffer") {
  digest a{}, b{};
  random_bytes(a.data(), a.size());
  random_bytes(b.data(), b.size());
  CHECK(a != b);
  random_bytes(nullptr, 0);
}

TEST_CASE("keys: empty messages, including a null string_view") {
  const auto kp = generate_key_pair();
  const std::string_view null_view;
  const auto sig = sign(kp.priv, null_view);
  CHECK(verify(kp.pub, sig, null_view));
  CHECK(verify(kp.pub, sig, ""));
  CHECK(sha256(null_view) == sha256(""));
}
