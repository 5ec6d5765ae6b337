// The replay record's open file and its mapping (the rules are at the top of
// replay_record.hpp).
#pragma once
#include <cstddef>

namespace remaphore::core::detail {

// The open file and its mapping; closing it releases the lock.
class record_file {
 public:
  record_file() = default;
  explicit record_file(int fd) : fd_(fd) {}
  record_file(record_file&& o) noexcept;
  record_file& operator=(record_file&& o) noexcept;
  ~record_file() { close(); }

  void close();
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  std::byte* data() const { return data_; }
  std::size_t size() const { return size_; }
  // Maps the first `size` bytes, read and write, shared with every other process.
  bool map(std::size_t size);

 private:
  int fd_ = -1;
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace remaphore::core::detail
