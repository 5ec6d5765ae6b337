// <ostream> before doctest: its own forward declarations otherwise hide the
// standard operator<< that printing std::error_code needs.
#include <ostream>

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "nats/error.hpp"
#include "nats/proto/nkeys.hpp"

using namespace remaphore::nats;

namespace {

// From the NATS documentation's creds example (signature checked with an
// independent ed25519 implementation).
constexpr std::string_view vector_seed = "SUAOY5JZ2WJKVR4UO2KJ2P3SW6FZFNWEOIMAXF4WZEUNVQXXUOKGM55CYE";
constexpr std::string_view vector_public = "UDXB2VMLXPASAJ7ZDTKYNQ7QOCFWSGB4FOMYQQ25HQWSAF7ZQJEBSQSW";
constexpr std::string_view vector_nonce = "PXoWU7zWAMt75FY";
constexpr std::string_view vector_sig =
    "ieHk-RKH9aTER1rsdEy0WufyK1Y7uhH9pTxQAYxKlpHwwQfhjYoqkJMKFIClzXjrR6bHAGaRnTocsm0Jm8h2AQ";

// An independent, naive base32 encoder, so crafted seeds do not depend on the
// code under test.
std::string base32(const std::vector<std::uint8_t>& raw) {
  constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string bits;
  for (std::uint8_t b : raw) {
    for (int i = 7; i >= 0; --i) bits.push_back(((b >> i) & 1) ? '1' : '0');
  }
  while (bits.size() % 5 != 0) bits.push_back('0');
  std::string out;
  for (std::size_t i = 0; i < bits.size(); i += 5) {
    out.push_back(alphabet[std::stoi(bits.substr(i, 5), nullptr, 2)]);
  }
  return out;
}

// Seed bytes with a chosen first two bytes and a correct CRC.
std::string craft_seed(std::uint8_t b0, std::uint8_t b1, std::uint8_t fill = 7) {
  std::vector<std::uint8_t> raw(34, fill);
  raw[0] = b0;
  raw[1] = b1;
  const std::uint16_t crc = crc16(raw.data(), raw.size());
  raw.push_back(static_cast<std::uint8_t>(crc & 0xFF));
  raw.push_back(static_cast<std::uint8_t>(crc >> 8));
  return base32(raw);
}

std::error_code seed_decode_error(std::string_view seed) {
  std::error_code ec;
  const nkey k = decode_seed(seed, ec);
  CHECK(k.type == 0);
  return ec;
}

}  // namespace

TEST_CASE("nkeys: crc16 check value") {
  const std::string s = "123456789";
  CHECK(crc16(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()) == 0x31C3);
  CHECK(crc16(nullptr, 0) == 0);
}

TEST_CASE("nkeys: test vector seed, public key and nonce signature") {
  std::error_code ec;
  const nkey k = decode_seed(vector_seed, ec);
  REQUIRE_FALSE(ec);
  CHECK(k.type == 'U');
  CHECK(k.public_key() == vector_public);
  CHECK(encode_public_key('U', k.pub) == vector_public);
  CHECK(k.seed_string() == vector_seed);
  CHECK(k.sign_nonce(vector_nonce) == vector_sig);
  CHECK(k.sign_nonce(vector_nonce).size() == 86);

  const auto raw_sig = k.sign(vector_nonce);
  CHECK(base64url_nopad(raw_sig.data(), raw_sig.size()) == vector_sig);
}

TEST_CASE("nkeys: decode_seed ignores surrounding whitespace") {
  std::error_code ec;
  const nkey k = decode_seed("  " + std::string(vector_seed) + "\r\n", ec);
  REQUIRE_FALSE(ec);
  CHECK(k.public_key() == vector_public);
}

TEST_CASE("nkeys: bad seeds") {
  std::string wrong_crc(vector_seed);
  wrong_crc[20] = wrong_crc[20] == 'A' ? 'B' : 'A';
  CHECK(seed_decode_error(wrong_crc) == errc::bad_seed);

  CHECK(seed_decode_error("") == errc::bad_seed);
  CHECK(seed_decode_error(vector_seed.substr(0, 57)) == errc::bad_seed);
  CHECK(seed_decode_error(std::string(vector_seed) + "A") == errc::bad_seed);
  CHECK(seed_decode_error(std::string(vector_seed) + "AAAAAAAA") == errc::bad_seed);
  CHECK(seed_decode_error(vector_public) == errc::bad_seed);

  for (char bad : {'1', '8', '0', '=', 'a', ' '}) {
    CAPTURE(bad);
    std::string s(vector_seed);
    s[10] = bad;
    CHECK(seed_decode_error(s) == errc::bad_seed);
  }
  // Lower case is not the RFC 4648 alphabet NATS prints.
  std::string lower(vector_seed);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  CHECK(seed_decode_error(lower) == errc::bad_seed);

  // The crafted encoder agrees with ours on a valid user seed.
  const std::string crafted_user = craft_seed(0x90 | (0xA0 >> 5), (0xA0 & 31) << 3);
  std::error_code ec;
  CHECK(decode_seed(crafted_user, ec).type == 'U');
  CHECK_FALSE(ec);

  // Valid CRC, wrong prefixes.
  CHECK(seed_decode_error(craft_seed(0xA0, 0x00)) == errc::bad_seed);  // a public key prefix, not 'S'
  CHECK(seed_decode_error(craft_seed(0x00, 0x00)) == errc::bad_seed);
  CHECK(seed_decode_error(craft_seed(0x90 | (0xB8 >> 5), (0xB8 & 31) << 3)) == errc::bad_seed);  // 'X' curve
  CHECK(seed_decode_error(craft_seed(0x90 | (0x08 >> 5), (0x08 & 31) << 3)) == errc::bad_seed);  // 'B'
  CHECK(seed_decode_error(craft_seed(0x95, 0x01)) == errc::bad_seed);  // stray low bits in the type byte

  // Non-zero unused bits in the last character: not a canonical encoding.
  std::string noncanonical(vector_seed);
  CHECK(noncanonical.back() == 'E');  // value 4: low two bits zero
  noncanonical.back() = 'F';
  CHECK(seed_decode_error(noncanonical) == errc::bad_seed);
}

TEST_CASE("nkeys: other key types decode with their letter") {
  const std::array<std::pair<char, std::uint8_t>, 5> types{
      {{'U', 20 << 3}, {'A', 0}, {'O', 14 << 3}, {'N', 13 << 3}, {'C', 2 << 3}}};
  for (const auto& type : types) {
    // Plain names, not a structured binding: clang 14 cannot capture bindings in CAPTURE.
    const char letter = type.first;
    const std::uint8_t prefix = type.second;
    CAPTURE(letter);
    const std::string s =
        craft_seed(static_cast<std::uint8_t>(0x90 | (prefix >> 5)), static_cast<std::uint8_t>((prefix & 31) << 3));
    CHECK(s[0] == 'S');
    CHECK(s[1] == letter);
    std::error_code ec;
    const nkey k = decode_seed(s, ec);
    REQUIRE_FALSE(ec);
    CHECK(k.type == letter);
    CHECK(k.seed_string() == s);
    CHECK(k.public_key()[0] == letter);
  }
}

TEST_CASE("nkeys: generate, encode, decode round trip") {
  for (char type : {'U', 'A', 'O'}) {
    CAPTURE(type);
    const nkey k = generate_nkey(type);
    CHECK(k.type == type);
    const std::string seed = k.seed_string();
    CHECK(seed.size() == 58);
    CHECK(seed[0] == 'S');
    CHECK(seed[1] == type);
    const std::string pub = k.public_key();
    CHECK(pub.size() == 56);
    CHECK(pub[0] == type);

    std::error_code ec;
    const nkey back = decode_seed(seed, ec);
    REQUIRE_FALSE(ec);
    CHECK(back.type == type);
    CHECK(back.seed == k.seed);
    CHECK(back.pub == k.pub);
    CHECK(back.public_key() == pub);
    CHECK(back.sign_nonce("nonce") == k.sign_nonce("nonce"));
  }
  // Fresh randomness each time.
  CHECK(generate_nkey('U').seed != generate_nkey('U').seed);
}

TEST_CASE("nkeys: base64url without padding") {
  const std::uint8_t bytes[] = {0xFB, 0xFF, 0xBF};
  CHECK(base64url_nopad(bytes, 3) == "-_-_");
  CHECK(base64url_nopad(bytes, 1) == "-w");
  CHECK(base64url_nopad(bytes, 2) == "-_8");
  CHECK(base64url_nopad(bytes, 0).empty());
}

namespace {

const std::string example_jwt =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJBQkMiLCJzdWIiOiJVRFhCMlZNTFhQQVNBSjda"
    "RFRLWU5RN1FPQ0ZXU0dCNEZPTVlRUTI1SFFXU0FGN1pRSkVCU1FTVyJ9.c2lnbmF0dXJl-_w";

std::string creds_text(const std::string& eol) {
  return "-----BEGIN NATS USER JWT-----" + eol + example_jwt + eol + "------END NATS USER JWT------" + eol + eol +
         "************************* IMPORTANT *************************" + eol +
         "NKEY Seed printed below can be used to sign and prove identity." + eol +
         "NKEYs are sensitive and should be treated as secrets." + eol + eol + "-----BEGIN USER NKEY SEED-----" + eol +
         std::string(vector_seed) + eol + "------END USER NKEY SEED------" + eol + eol +
         "*************************************************************" + eol;
}

}  // namespace

TEST_CASE("nkeys: parse_creds with LF and CRLF") {
  for (const std::string eol : {"\n", "\r\n"}) {
    CAPTURE(eol.size());
    std::error_code ec;
    const creds c = parse_creds(creds_text(eol), ec);
    REQUIRE_FALSE(ec);
    CHECK(c.jwt == example_jwt);
    CHECK(c.seed == vector_seed);

    const nkey k = decode_seed(c.seed, ec);
    REQUIRE_FALSE(ec);
    CHECK(k.public_key() == vector_public);
  }
}

TEST_CASE("nkeys: parse_creds tolerates indentation and blank lines inside blocks") {
  const std::string text = "  -----BEGIN NATS USER JWT-----\n\n  " + example_jwt +
                           "  \n------END NATS USER JWT------\n-----BEGIN USER NKEY SEED-----\n" +
                           std::string(vector_seed) + "\n------END USER NKEY SEED------";
  std::error_code ec;
  const creds c = parse_creds(text, ec);
  REQUIRE_FALSE(ec);
  CHECK(c.jwt == example_jwt);
  CHECK(c.seed == vector_seed);
}

TEST_CASE("nkeys: parse_creds missing blocks") {
  std::error_code ec;
  creds c = parse_creds("", ec);
  CHECK(ec == errc::bad_creds);

  // Only the JWT block.
  c = parse_creds("-----BEGIN NATS USER JWT-----\n" + example_jwt + "\n------END NATS USER JWT------\n", ec);
  CHECK(ec == errc::bad_creds);
  CHECK(c.jwt.empty());

  // Seed block not closed.
  c = parse_creds("-----BEGIN NATS USER JWT-----\n" + example_jwt +
                      "\n------END NATS USER JWT------\n-----BEGIN USER NKEY SEED-----\n" + std::string(vector_seed) +
                      "\n",
                  ec);
  CHECK(ec == errc::bad_creds);

  // A bare seed or JWT is not a creds file.
  parse_creds(vector_seed, ec);
  CHECK(ec == errc::bad_creds);

  // Content with characters a JWT cannot hold.
  parse_creds("-----A-----\nnot a jwt\n-----B-----\n-----C-----\nSEED\n-----D-----\n", ec);
  CHECK(ec == errc::bad_creds);

  // A successful parse clears a previous error.
  c = parse_creds(creds_text("\n"), ec);
  CHECK_FALSE(ec);
}
