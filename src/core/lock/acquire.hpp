// Waiting for a slot of a lock: see the top of acquire.cpp for why this is safe on
// nats-server 2.9.10 clustered, and fair.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/lock/lease.hpp"
#include "core/lock/listing.hpp"
#include "core/lock/store.hpp"
#include "core/lock/types.hpp"
#include "nats/client.hpp"

namespace remaphore::core::lock {

// A slot taken: its record's stream sequence (the fencing token) and when the write
// that took it was sent (where the lease is counted from).
struct grant {
  unsigned slot = 0;
  std::uint64_t seq = 0;
  steady::time_point sent;
  std::int64_t since_ns = 0;
};

struct acquired {
  std::optional<grant> granted;
  lock_result failure;         // when not granted
  std::string ticket_subject;  // our ticket, if one was written: to be removed
};

class acquirer {
 public:
  acquirer(nats::client& c, store& s, const protocol::config& cfg, const lock_request& req, stop_signal& stop,
           std::vector<std::uint8_t> holder);
  boost::asio::awaitable<acquired> run();

 private:
  using maybe_grant = std::optional<grant>;
  boost::asio::awaitable<bool> refresh();  // lists; false when the run must end (failure_ set)
  boost::asio::awaitable<std::optional<std::string>> disagreement(const listing& l, std::optional<unsigned> own);
  boost::asio::awaitable<maybe_grant> try_slot(unsigned slot);
  boost::asio::awaitable<maybe_grant> resolve(unsigned slot, steady::time_point sent);
  boost::asio::awaitable<maybe_grant> confirm(grant g);
  boost::asio::awaitable<void> join();
  boost::asio::awaitable<maybe_grant> wait_turn();
  boost::asio::awaitable<maybe_grant> on_note(const nats::message& m);
  boost::asio::awaitable<void> pause(std::chrono::nanoseconds d);
  bool should_end();
  bool skipped(const std::string& id) const;
  std::chrono::nanoseconds poll_period();
  std::string record(const std::string& kind, unsigned slot) const;

  nats::client& c_;
  store& store_;
  const protocol::config& cfg_;
  const lock_request& req_;
  stop_signal& stop_;
  std::vector<std::uint8_t> holder_;
  std::string id_;  // holder_ in hex
  lease_times times_;
  nats::subscription_ptr notes_;
  listing latest_;
  std::size_t waiting_seen_ = 0;
  std::map<std::string, steady::time_point> named_;  // waiters told to go, and when
  std::string ticket_;
  steady::time_point ticket_due_;
  lock_result failure_;
  bool ended_ = false;
};

}  // namespace remaphore::core::lock
