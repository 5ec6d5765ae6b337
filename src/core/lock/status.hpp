// --lock-status: who holds a lock's slots and how many wait, from the stream.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "nats/client.hpp"
#include "protocol/config.hpp"

namespace remaphore::core::lock {

struct holder_status {
  unsigned slot = 0;
  std::string destination;  // as the holder wrote it (data from another host)
  std::string key;          // base58
  bool foreign = false;     // not verified as a configured peer allowed to lock
  std::string why_foreign;
  std::int64_t since_ns = 0;    // taken (the holder's clock)
  std::int64_t renewed_ns = 0;  // the record stored (the server's clock)
  std::int64_t expires_ns = 0;  // renewed + lease
  std::uint64_t token = 0;
  unsigned slots = 0;  // the slot count the holder asked for
};

struct lock_status {
  bool ok = false;
  std::string why;  // when not ok
  bool stream_exists = false;
  std::chrono::nanoseconds lease{0};
  std::vector<holder_status> holders;
  std::size_t waiting = 0;
};

boost::asio::awaitable<lock_status> read_status(nats::client& c, const protocol::config& cfg, const std::string& lock);

}  // namespace remaphore::core::lock
