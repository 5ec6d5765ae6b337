// Signatures checked side by side: every verdict lands at its own item, forged ones
// fail wherever they sit in a burst, and a burst too small for the pool is checked
// inline with the same verdicts.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

#include "core/request/signature_pool.hpp"
#include "protocol/envelope.hpp"
#include "support/coro.hpp"

using namespace remaphore;
namespace asio = boost::asio;

namespace {

struct signed_message {
  std::string wire;
  protocol::envelope_text text;
};

// n messages signed by `key`; every `forge_every`-th has a changed payload.
std::vector<signed_message> burst(const protocol::key_pair& key, std::size_t n, std::size_t forge_every) {
  std::vector<signed_message> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    protocol::envelope_fields f;
    f.destination = "fleet.n" + std::to_string(i);
    f.send_time_ns = protocol::now_unix_ns();
    f.verb = "reply";
    f.payload = "0,ok " + std::to_string(i);
    out[i].wire = protocol::encode(key.priv, f);
    if (i % forge_every == forge_every - 1) out[i].wire.back() = out[i].wire.back() == 'x' ? 'y' : 'x';
  }
  for (auto& m : out) REQUIRE(protocol::split(m.wire, m.text) == protocol::decode_error::ok);
  return out;
}

std::vector<char> verify_all(core::signature_pool& pool, const std::vector<signed_message>& msgs,
                             const protocol::public_key& key) {
  std::vector<core::signed_text> items;
  for (const auto& m : msgs) items.push_back({&key, m.text.signature, m.text.signed_part});
  std::vector<char> ok;
  test::run_coro([&](asio::io_context&) -> asio::awaitable<void> { ok = co_await pool.verify(items); });
  return ok;
}

}  // namespace

TEST_CASE("signature pool: each verdict at its own item, in bursts large and small") {
  protocol::crypto_init();
  const auto key = protocol::generate_key_pair();
  core::signature_pool pool(3);
  for (std::size_t n : {0u, 1u, 7u, 15u, 16u, 17u, 1000u}) {
    CAPTURE(n);
    const auto msgs = burst(key, n, 7);
    const auto ok = verify_all(pool, msgs, key.pub);
    REQUIRE(ok.size() == n);
    for (std::size_t i = 0; i < n; ++i) {
      CAPTURE(i);
      CHECK((ok[i] != 0) == (i % 7 != 6));
    }
  }
}

TEST_CASE("signature pool: a key that did not sign fails every item") {
  protocol::crypto_init();
  const auto key = protocol::generate_key_pair();
  const auto other = protocol::generate_key_pair();
  core::signature_pool pool;
  const auto ok = verify_all(pool, burst(key, 100, 1000), other.pub);
  REQUIRE(ok.size() == 100);
  for (char v : ok) CHECK(v == 0);
}
