// The receiver's copy of its commands' output on its own stdout, written as fast as
// stdout takes it without ever blocking the event loop: a stdout whose reader is
// slow or stopped must not stall the connection (pings, replies) behind it.
//
// Flow: the runner append()s each chunk it reads and awaits room() (above the bound
// the command waits, as it would on a full pipe); run(), a branch of the receiver,
// writes the queue out piece by piece whenever poll() says stdout is writable; at
// the end flush() writes what is left, until a deadline at most, and says how much it
// could not. O_NONBLOCK is never set on stdout: the open file may be shared with the
// shell that started us.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace remaphore::core {

class output_echo {
 public:
  output_echo(boost::asio::any_io_executor ex, int fd, std::size_t bound = 8 * 1024 * 1024);

  void append(std::string_view bytes);
  boost::asio::awaitable<void> room();
  boost::asio::awaitable<void> run();
  std::size_t flush(std::chrono::steady_clock::time_point until = std::chrono::steady_clock::time_point::max());

  std::size_t queued() const { return buffer_.size() - offset_; }

 private:
  bool write_some();  // false when the descriptor cannot take more now

  int fd_;
  std::size_t bound_;
  std::string buffer_;
  std::size_t offset_ = 0;
  boost::asio::steady_timer data_wake_, room_wake_, retry_;
};

}  // namespace remaphore::core
