// Reading a file the config names, or the config itself: a regular file only, and
// no more than a bound.
#pragma once
#include <sys/stat.h>

#include <cstddef>
#include <string>

namespace remaphore::app {

// Reads a file, up to `limit` bytes, and its stat; on failure `why` says why, in the
// words of strerror ("No such file or directory"). The limit keeps a mistaken path
// (/dev/zero, a log file) from reading without end: a caller that needs the whole
// file treats `limit` bytes read as too large.
// Only a regular file is read: a FIFO nobody writes would block the open and the
// read for ever (O_NONBLOCK keeps the open from waiting for a writer).
bool read_file(const std::string& path, std::size_t limit, std::string& text, struct stat& st, std::string& why);

}  // namespace remaphore::app
