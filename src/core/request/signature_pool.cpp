#include "core/request/signature_pool.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <thread>

#include "protocol/envelope.hpp"

namespace remaphore::core {
namespace asio = boost::asio;

namespace {

// Below this many, the hand-over to the pool and back costs more than it saves.
constexpr std::size_t inline_below = 16;

std::size_t threads_or_cores(std::size_t threads) {
  if (threads > 0) return threads;
  return std::max<std::size_t>(1, std::thread::hardware_concurrency());
}

void verify_range(std::span<const signed_text> items, char* ok) {
  for (std::size_t i = 0; i < items.size(); ++i) ok[i] = signature_verifies(items[i]) ? 1 : 0;
}

// A coroutine of its own (not a lambda) so that its arguments live in its frame.
asio::awaitable<void> verify_chunk(std::span<const signed_text> items, char* ok) {
  verify_range(items, ok);
  co_return;
}

}  // namespace

bool signature_verifies(const signed_text& s) {
  auto sig = protocol::decode_signature(s.signature_b58);
  return sig && protocol::verify(*s.key, *sig, s.signed_part);
}

signature_pool::signature_pool(std::size_t threads) : threads_(threads_or_cores(threads)) {}

signature_pool::~signature_pool() {
  if (pool_) pool_->join();
}

asio::awaitable<std::vector<char>> signature_pool::verify(std::span<const signed_text> items) {
  std::vector<char> ok(items.size(), 0);
  if (items.size() < inline_below) {
    verify_range(items, ok.data());
    co_return ok;
  }
  if (!pool_) pool_.emplace(threads_);
  const std::size_t chunk = (items.size() + threads_ - 1) / threads_;
  using chunk_op = decltype(asio::co_spawn(*pool_, verify_chunk(items, ok.data()), asio::deferred));
  std::vector<chunk_op> ops;
  for (std::size_t from = 0; from < items.size(); from += chunk) {
    const auto n = std::min(chunk, items.size() - from);
    ops.push_back(asio::co_spawn(*pool_, verify_chunk(items.subspan(from, n), ok.data() + from), asio::deferred));
  }
  // Every chunk runs to its end even when the caller is cancelled: the items stay
  // borrowed until then.
  auto group = asio::experimental::make_parallel_group(std::move(ops));
  co_await group.async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  co_return ok;
}

}  // namespace remaphore::core
