// What a lock run is asked to do and how it ended, and the stop request (a signal)
// that every waiting step of it watches.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "protocol/config.hpp"

namespace remaphore::core::lock {

struct lock_request {
  std::string name;
  unsigned slots = 1;
  std::vector<std::string> command;
  std::optional<std::chrono::steady_clock::time_point> deadline;  // -t: give up waiting then
  const protocol::identity* signer = nullptr;                     // allowed to lock `name`
  std::string config_path;                                        // for FILE:LINE in messages
};

enum class lock_outcome {
  ran,           // the command ran while the slot was held; exit_code is its own
  not_acquired,  // -t passed first
  refused,       // a usage or config matter: SLOTS disagree, the stream is set up otherwise
  failed,        // a runtime error: no JetStream, no connection, the command did not start
  lease_lost,    // the lease could not be renewed in time: the command's group was ended
  interrupted,   // a signal; exit_code is 128 + its number
};

struct lock_result {
  lock_outcome outcome = lock_outcome::failed;
  int exit_code = 0;
  std::string why;
};

// Set by the app when a signal arrives; waits end at once, a running command is ended.
class stop_signal {
 public:
  explicit stop_signal(boost::asio::any_io_executor ex) : timer_(std::move(ex)) {
    timer_.expires_at(boost::asio::steady_timer::time_point::max());
  }
  void request(int code) {
    if (code_ == 0) code_ = code;
    timer_.cancel();
  }
  bool requested() const { return code_ != 0; }
  int code() const { return code_; }
  // Completes once a stop was requested (or when the awaiting operation is cancelled).
  boost::asio::awaitable<void> wait();

 private:
  boost::asio::steady_timer timer_;
  int code_ = 0;
};

}  // namespace remaphore::core::lock
