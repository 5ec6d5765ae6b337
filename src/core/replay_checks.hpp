// What a receiver asks of replay protection. The receiver knows only these; the
// in-process cache and the host-wide replay record (core/replay) implement them, and
// the app hands them over.
#pragma once
#include <chrono>
#include <optional>
#include <string>

#include "protocol/keys.hpp"

namespace remaphore::core {

using steady_time = std::chrono::steady_clock::time_point;

// This process's memory of accepted hashes.
class replay_memory {
 public:
  virtual ~replay_memory() = default;
  // True the first time `h` is offered within the replay window; it is remembered from `now`.
  virtual bool first_time(const protocol::digest& h, steady_time now) = 0;
};

// The host-wide replay record: when the host first accepted a hash, shared by every
// remaphore process on the host. It never blocks: another process holding the record
// makes it answer `busy`, and the caller tries again a little later.
class host_acceptance {
 public:
  struct answer {
    // When the host first accepted the hash (`now` when it had not): empty when the
    // record could not be used for this message, and then `problem` says why.
    std::optional<steady_time> first;
    std::string problem;  // also set, with `first`, when the record had to be rebuilt
    bool busy = false;    // held by another process: ask again
  };
  virtual ~host_acceptance() = default;
  virtual answer try_first_accepted(const protocol::digest& h, steady_time now) = 0;
};

}  // namespace remaphore::core
