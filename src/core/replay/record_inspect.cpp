// A file found at the record's path: whose it is, what it is, and whether its header
// lets it be used (record_format.cpp), before anything in it is read or replaced.
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "core/replay/record_format.hpp"

namespace remaphore::core::detail {

namespace {

// The file's type and owner, before any byte of it is read. Another user's file is
// taken only in a directory its group shares, with that group: there the admin let
// the group's members in; elsewhere (a sticky world-writable /tmp) anyone may have put it.
file_check check_identity(const struct stat& st, std::optional<unsigned> shared_group) {
  if (st.st_nlink == 0) return {verdict::replaced, {}};
  if (!S_ISREG(st.st_mode)) return {verdict::unusable, "it is not a regular file (left as it is)"};
  const bool trusted_owner = st.st_uid == ::geteuid() || st.st_uid == 0;
  if (!trusted_owner && !(shared_group && st.st_gid == *shared_group))
    return {verdict::unusable, "it is owned by " + describe_owner(st.st_uid) +
                                   ", neither this user nor root, outside a directory its group shares"};
  return {verdict::sound, {}};
}

}  // namespace

std::optional<unsigned> shared_group_of(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
  const bool shared = (st.st_mode & S_ISGID) && (st.st_mode & S_IWGRP) && !(st.st_mode & S_IWOTH);
  if (!shared) return std::nullopt;
  return static_cast<unsigned>(st.st_gid);
}

std::string describe_owner(unsigned uid) {
  char buf[1024];
  passwd pw{}, *found = nullptr;
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found)
    return "user " + std::string(found->pw_name) + " (uid " + std::to_string(uid) + ")";
  return "uid " + std::to_string(uid);
}

std::string why_refused(const std::filesystem::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return {};  // absent: it will be created
  if (S_ISLNK(st.st_mode)) return "it is a symbolic link (left as it is)";
  if (auto identity = check_identity(st, shared_group_of(path.parent_path().string()));
      identity.what == verdict::unusable)
    return identity.why;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return "cannot open it: " + errno_text(errno);
  char magic[8];
  const auto n = ::pread(fd, magic, sizeof magic, 0);
  ::close(fd);
  if (n < 0) return "cannot read it: " + errno_text(errno);
  if (!has_record_magic(magic, static_cast<std::size_t>(n)))
    return std::string("it is not a replay record (") + (n == 0 ? "empty" : "wrong magic") +
           "; left as it is: remove it or name another path)";
  return {};
}

// Only a regular file of this user or root is read, and only one that carries the
// magic is ever called ours (and so may be replaced). Reads are checked, not trusted:
// a file shrunk by someone who ignores the lock gives short reads, never a fault.
file_check inspect(const record_file& file, const boot_id& boot, std::optional<unsigned> shared_group,
                   record_header& header) {
  struct stat st {};
  if (::fstat(file.fd(), &st) != 0) return {verdict::unusable, "fstat: " + errno_text(errno)};
  if (auto identity = check_identity(st, shared_group); identity.what != verdict::sound) return identity;
  const auto size = static_cast<std::size_t>(st.st_size);
  header = record_header{};
  const auto n = std::min(size, sizeof header);
  if (!file.read_at(0, &header, n)) return {verdict::unusable, "read: " + errno_text(errno)};
  if (!has_record_magic(&header, n))
    return {verdict::unusable, "it is not a replay record (" + std::string(size == 0 ? "empty" : "wrong magic") +
                                   "; left as it is: remove it or name another path)"};
  if ((st.st_mode & S_IRWXO) != 0) return {verdict::corrupt, "open to other users"};
  return check_record(header, size, boot);
}

}  // namespace remaphore::core::detail
