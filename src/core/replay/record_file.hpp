// The replay record's open file (the rules are at the top of replay_record.hpp). It
// is read and written with pread(2) and pwrite(2), never mapped: whoever can write
// the file can also shrink it, and a shrunk mapping faults (SIGBUS) on access, where
// a short read is only an answer to check.
#pragma once
#include <cstddef>
#include <cstdint>

namespace remaphore::core::detail {

// The open file; closing it releases the lock.
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
  // Exactly n bytes at `offset`: false on an error or a short read (the file was
  // shrunk by someone who did not take the lock).
  bool read_at(std::uint64_t offset, void* data, std::size_t n) const;
  bool write_at(std::uint64_t offset, const void* data, std::size_t n) const;

 private:
  int fd_ = -1;
};

}  // namespace remaphore::core::detail
