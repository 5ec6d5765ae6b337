// The replay record's file: reading and writing it, opening the one at the path, and
// creating a fresh one to put there, where there was none or over a record of ours
// that failed its checks (the trust and mode rules are at the top of replay_record.hpp).
//
// Flow:
//   open_locked()  opens the file at the path and locks it; when there is none,
//                  creates one with replace(false).
//   replace(p)     create_record() writes a complete, empty, locked record under a
//                  temporary name; then rename(2) puts it over the damaged record (p),
//                  once the path is seen to still name the file that was checked,
//                  or link(2) puts it where there was none, failing when another
//                  process was first.
#include <fcntl.h>
#include <sys/file.h>
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
// Its space is allocated now: a full disk is an error here, not a failed write later.
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
  } else if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    err = errno, step = "flock";
  } else if (const auto h = fresh_header(capacity, window_ns, boot); !r.file.write_at(0, &h, sizeof h)) {
    err = errno, step = "write";
  }
  if (err != 0) {
    ::unlink(r.temp_path.c_str());
    r.file.close();
    r.why = "cannot create replay record " + path.string() + ": " + step + ": " + errno_text(err);
    return r;
  }
  return r;
}

}  // namespace

namespace detail {

record_file::record_file(record_file&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}

record_file& record_file::operator=(record_file&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

void record_file::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool record_file::read_at(std::uint64_t offset, void* data, std::size_t n) const {
  auto* p = static_cast<char*>(data);
  while (n > 0) {
    const auto got = ::pread(fd_, p, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      if (got == 0) errno = ENODATA;
      return false;
    }
    p += got, offset += static_cast<std::uint64_t>(got), n -= static_cast<std::size_t>(got);
  }
  return true;
}

bool record_file::write_at(std::uint64_t offset, const void* data, std::size_t n) const {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const auto put = ::pwrite(fd_, p, n, static_cast<off_t>(offset));
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    p += put, offset += static_cast<std::uint64_t>(put), n -= static_cast<std::size_t>(put);
  }
  return true;
}

}  // namespace detail

// Opens the file at path_ and locks it, creating it when there is none. Creating
// leaves file_ closed when another process created it first.
std::string replay_record::open_locked() {
  // O_NONBLOCK: a FIFO put there must not hang the open; O_NOCTTY: nor a terminal
  // become ours. Either is then refused by inspect(), untouched.
  const int fd = ::open(path_.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd >= 0) {
    file_ = detail::record_file(fd);
    bool busy = false;
    return lock(options_.lock_wait, busy);
  }
  if (errno == ENOENT) return replace(false);
  if (errno == ELOOP) return "cannot open replay record " + path_.string() + ": it is a symbolic link (left as it is)";
  return "cannot open replay record " + path_.string() + ": " + errno_text(errno);
}

// Puts a fresh, empty, locked file at path_ and makes it the current one. Replacing
// (the current file is a locked record of ours that failed its checks): rename over
// it, which unlinks it for every process that has it open; only while the path still
// names that file, so that nothing put there since is ever replaced. Creating (there was none): link, which fails
// when another process was first, so two creators never both think theirs is the one.
std::string replay_record::replace(bool path_exists) {
  auto fresh = create_record(path_, capacity_, window_ns_, boot_id_);
  if (!fresh.why.empty()) return fresh.why;
  const char* temp = fresh.temp_path.c_str();
  if (path_exists) {
    if (!path_names_current_file()) {
      ::unlink(temp);
      return "replay record " + path_.string() + " was replaced by another file while being checked";
    }
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

bool replay_record::path_names_current_file() const {
  struct stat at_path {
  }, open{};
  return ::lstat(path_.c_str(), &at_path) == 0 && ::fstat(file_.fd(), &open) == 0 && at_path.st_dev == open.st_dev &&
         at_path.st_ino == open.st_ino;
}

}  // namespace remaphore::core
