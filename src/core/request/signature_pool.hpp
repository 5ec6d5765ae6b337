// Checks many ed25519 signatures at once on every core. A requester with thousands
// of peers gets their replies in bursts, and one core verifies about 20,000 a second:
// the burst is split over the pool's threads while the calling thread goes on
// reading the connection, so the server never sees a slow consumer. A handful of
// signatures is checked inline, where handing them over would cost more.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "protocol/keys.hpp"

namespace remaphore::core {

// What a signature check needs from a message: the key it claims (already found
// among the peers), its base58 signature, and the bytes that were signed.
struct signed_text {
  const protocol::public_key* key = nullptr;
  std::string_view signature_b58;
  std::string_view signed_part;
};

bool signature_verifies(const signed_text& s);

class signature_pool {
 public:
  // 0 threads: one per core.
  explicit signature_pool(std::size_t threads = 0);
  ~signature_pool();
  signature_pool(const signature_pool&) = delete;
  signature_pool& operator=(const signature_pool&) = delete;

  // One entry per item, in its order: non-zero when its signature verifies. The
  // items' bytes must stay alive until this returns.
  boost::asio::awaitable<std::vector<char>> verify(std::span<const signed_text> items);

 private:
  std::size_t threads_;
  // Started at the first burst big enough for it: most requests never need it.
  std::optional<boost::asio::thread_pool> pool_;
};

}  // namespace remaphore::core
