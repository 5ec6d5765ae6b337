// Is the live connection still working? Two questions, one timer.
//
// Flow: a session makes a health_check when it starts, tells it when a write starts
// and ends and when a PONG arrives, and sleeps until next_check(). At that time
// check() says what to do: send a PING (then the session sends one and counts it),
// nothing, or end the connection because the server stopped answering PINGs
// (stale) or a write has not completed within its bound (stuck: the server or the
// network stopped taking bytes, so the socket buffers are full). A stuck write is
// caught within write_timeout, not after several ping intervals, because the PINGs
// themselves queue behind it. No clock is read here: `now` is passed in.
#pragma once
#include <chrono>

namespace remaphore::nats {

struct health_settings {
  std::chrono::milliseconds ping_interval{10000};
  int max_pings_out = 2;  // stale when this many PINGs are unanswered at the next one
  std::chrono::milliseconds write_timeout{10000};
};

class health_check {
 public:
  using clock = std::chrono::steady_clock;
  enum class verdict { fine, send_ping, stale, write_stuck };

  health_check(health_settings s, clock::time_point now) : settings_(s), next_ping_(now + s.ping_interval) {}

  void write_started(clock::time_point now) {
    writing_ = true;
    write_started_ = now;
  }
  void write_finished() { writing_ = false; }
  void pong_received() { pings_out_ = 0; }

  // When check() should run next: at the next PING, at the running write's
  // deadline, and at least every write_timeout (so a write that starts while the
  // session sleeps is caught at its own deadline).
  clock::time_point next_check(clock::time_point now) const;
  verdict check(clock::time_point now);

  int pings_out() const { return pings_out_; }
  // The longest a silent server goes unnoticed.
  static std::chrono::milliseconds stale_after(const health_settings& s) {
    return s.ping_interval * (s.max_pings_out + 1);
  }

 private:
  health_settings settings_;
  clock::time_point next_ping_;
  int pings_out_ = 0;
  bool writing_ = false;
  clock::time_point write_started_{};
};

}  // namespace remaphore::nats
