// The replay record's file: mapping it, opening the one at the path, and creating a
// fresh one to put there, where there was none or over one that cannot be trusted
// (the trust and mode rules are at the top of replay_record.hpp).
//
// Flow:
//   open_locked()  opens the file at the path and locks it; when there is none,
//                  creates one with replace(false).
//   replace(p)     create_record() writes a complete, empty, locked record under a
//                  temporary name; then rename(2) puts it over the untrusted file (p),
//                  or link(2) puts it where there was none, failing when another
//                  process was first.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>

#include "core/replay/record_format.hpp"
#include "core/replay/replay_record.hpp"

namespace remaphore::core {

using detail::boot_id;
using detail::errno_text;
using detail::fresh_header;
using detail::layout_for;

namespace {

// 0660 in a directory shared by a group (setgid, so the file gets the directory's
// group, and group-writable): that is how an admin says that services of several
// users share one record; 0600 would shut the others out and leave each with only
// its in-process cache. Otherwise 0600: whoever can write the record can erase
// hashes and so let a replay through.
mode_t record_mode(const std::filesystem::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0 && (st.st_mode & S_ISGID) && (st.st_mode & S_IWGRP)) return 0660;
  return 0600;
}

struct fresh_record {
  detail::record_file file;
  std::string temp_path;
  std::string why;
};

// A complete, empty, locked record under a temporary name in the record's directory.
// Its space is allocated now: a full disk is an error here, never a fault on a later
// store into the mapping.
fresh_record create_record(const std::filesystem::path& path, std::size_t capacity, std::int64_t window_ns,
                           const boot_id& boot) {
  fresh_record r;
  const auto dir = path.parent_path();
  r.temp_path = path.string() + ".new-XXXXXX";
  const int fd = ::mkostemp(r.temp_path.data(), O_CLOEXEC);
  if (fd < 0) {
    r.why = "cannot create replay record in " + dir.string() + ": " + errno_text(errno);
    return r;
  }
  r.file = detail::record_file(fd);
  const auto l = layout_for(capacity);
  int err = 0;
  const char* step = "";
  if (::fchmod(fd, record_mode(dir)) != 0) {
    err = errno, step = "fchmod";
  } else if (int e = ::posix_fallocate(fd, 0, static_cast<off_t>(l.file_size)); e != 0) {
    err = e, step = "allocate";
  } else if (!r.file.map(l.file_size)) {
    err = errno, step = "mmap";
  } else if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    err = errno, step = "flock";
  }
  if (err != 0) {
    ::unlink(r.temp_path.c_str());
    r.file.close();
    r.why = "cannot create replay record " + path.string() + ": " + step + ": " + errno_text(err);
    return r;
  }
  const auto h = fresh_header(capacity, window_ns, boot);
  std::memcpy(r.file.data(), &h, sizeof h);
  return r;
}

}  // namespace

namespace detail {

record_file::record_file(record_file&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}

record_file& record_file::operator=(record_file&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = std::exchange(o.fd_, -1);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

void record_file::close() {
  if (data_) ::munmap(data_, size_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  data_ = nullptr;
  size_ = 0;
}

bool record_file::map(std::size_t size) {
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (p == MAP_FAILED) return false;
  data_ = static_cast<std::byte*>(p);
  size_ = size;
  return true;
}

}  // namespace detail

// Opens the file at path_ and locks it, creating it when there is none. Creating
// leaves file_ closed when another process created it first.
std::string replay_record::open_locked() {
  const int fd = ::open(path_.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd >= 0) {
    file_ = detail::record_file(fd);
    bool busy = false;
    return lock(options_.lock_wait, busy);
  }
  if (errno == ENOENT) return replace(false);
  if (errno == ELOOP) return "cannot open replay record " + path_.string() + ": it is a symbolic link";
  return "cannot open replay record " + path_.string() + ": " + errno_text(errno);
}

// Puts a fresh, empty, locked file at path_ and makes it the current one. Replacing
// (the current file is locked and cannot be trusted): rename over it, which unlinks it
// for every process that has it open. Creating (there was none): link, which fails
// when another process was first, so two creators never both think theirs is the one.
std::string replay_record::replace(bool path_exists) {
  auto fresh = create_record(path_, capacity_, window_ns_, boot_id_);
  if (!fresh.why.empty()) return fresh.why;
  const char* temp = fresh.temp_path.c_str();
  if (path_exists) {
    if (::rename(temp, path_.c_str()) != 0) {
      const int e = errno;
      ::unlink(temp);
      return "cannot replace replay record " + path_.string() + ": " + errno_text(e);
    }
  } else {
    const int rc = ::link(temp, path_.c_str());
    const int e = errno;
    ::unlink(temp);
    if (rc != 0 && e == EEXIST) return {};
    if (rc != 0) return "cannot create replay record " + path_.string() + ": " + errno_text(e);
  }
  file_ = std::move(fresh.file);
  return {};
}

}  // namespace remaphore::core
