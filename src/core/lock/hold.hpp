// Holding a slot: the command runs in its own process group while the holder renews
// its record; the group is ended before the lease could pass to another host, and the
// slot is released (and the waiters told) when the command is done.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/lock/acquire.hpp"
#include "core/lock/command_group.hpp"
#include "core/lock/lease.hpp"
#include "core/lock/store.hpp"
#include "core/lock/types.hpp"

namespace remaphore::core::lock {

// The exit code of a run whose lease was lost and whose command was ended for it.
inline constexpr int exit_lease_lost = 4;

class holder {
 public:
  holder(nats::client& c, store& s, const protocol::config& cfg, const lock_request& req, stop_signal& stop,
         std::vector<std::uint8_t> id, grant g);
  boost::asio::awaitable<lock_result> run(const std::string& ticket_subject);

 private:
  boost::asio::awaitable<void> renew_once();
  boost::asio::awaitable<bool> still_ours();
  boost::asio::awaitable<lock_result> lose();
  boost::asio::awaitable<void> release();
  boost::asio::awaitable<void> tell_waiters(const listing& l);
  std::string record() const;

  nats::client& c_;
  store& store_;
  const protocol::config& cfg_;
  const lock_request& req_;
  stop_signal& stop_;
  std::vector<std::uint8_t> id_;
  grant grant_;
  std::uint64_t seq_;  // our record's sequence as far as we know
  lease_schedule lease_;
  std::unique_ptr<command_group> group_;
  bool gone_ = false;  // the record is someone else's, or nobody's
};

}  // namespace remaphore::core::lock
