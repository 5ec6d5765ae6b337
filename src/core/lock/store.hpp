// The lock's stream, seen from one lock: creating (or checking) the stream, listing
// the lock's subjects, reading a slot's record, and the writes a lock makes. Thin
// over nats::js; every write is refused here, never queued, while the client is not
// connected: a write the client would send after a reconnect could arrive long
// after the lease it was meant for.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "core/lock/listing.hpp"
#include "nats/client.hpp"
#include "nats/jetstream.hpp"
#include "protocol/config.hpp"

namespace remaphore::core::lock {

// How ensure() ended: ready (lease() is the stream's max_age), or a reason with
// whether it is the config's matter (exit 2) or the server's (exit 3).
struct stream_ready {
  bool ok = false;
  bool config_matter = false;
  std::string why;
};

class store {
 public:
  // `config_path` names the config in messages about it (FILE:LINE).
  store(nats::client& c, const protocol::config& cfg, std::string lock, std::string config_path);

  boost::asio::awaitable<stream_ready> ensure();
  // The lease every holder goes by: the stream's max_age (set by ensure()).
  std::chrono::nanoseconds lease() const { return lease_; }

  struct listed {
    nats::diagnostic result;
    lock::listing listing;
  };
  boost::asio::awaitable<listed> list();
  boost::asio::awaitable<nats::js::stored_message> read_slot(unsigned slot);

  // Takes a slot: only when its subject holds nothing (expected last sequence 0).
  boost::asio::awaitable<nats::js::write_result> create(unsigned slot, const std::string& record);
  // Renews the holder's own record: only when it is still the subject's last.
  boost::asio::awaitable<nats::js::write_result> renew(unsigned slot, const std::string& record, std::uint64_t own_seq);
  boost::asio::awaitable<nats::js::delete_result> remove(std::uint64_t seq);
  // A waiter's ticket, on a subject of its own (a plain write).
  boost::asio::awaitable<nats::js::write_result> put_ticket(const std::string& subject, const std::string& record);
  boost::asio::awaitable<nats::diagnostic> purge_ticket(const std::string& subject);
  void notify(const note& n);
  nats::subscription_ptr subscribe_notes();

  const std::string& name() const { return lock_; }
  const std::string& stream() const { return stream_; }
  std::chrono::nanoseconds api_timeout() const;

 private:
  nats::client& c_;
  const protocol::config& cfg_;
  std::string config_path_;
  std::string lock_, stream_;
  std::chrono::nanoseconds lease_;
};

}  // namespace remaphore::core::lock
