// A TCP relay on 127.0.0.1 in front of a server: each connection to it is carried to
// the server and back, until cut() drops every connection through it at once. The
// server and its other clients see only those connections end: a network cut for the
// clients behind the relay, without restarting the server.
//
// freeze() stops carrying bytes on every connection relayed so far without closing
// it: to both ends the other has gone silent (a hung host, a partition that drops
// packets), and writes still succeed into the kernel's buffers. freeze_replies()
// stops only the server's side: what the client sends still arrives, but nothing
// comes back (an acknowledgement lost on the way).
//
// Flow: one thread polls the listening socket, a wake-up pipe and both ends of every
// relayed connection; what one end sends is written to the other; an end that closes
// closes its pair. cut() and the destructor speak to the thread through the pipe.
#pragma once
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace remaphore::test {

class tcp_relay {
 public:
  explicit tcp_relay(int server_port);
  ~tcp_relay();
  tcp_relay(const tcp_relay&) = delete;
  tcp_relay& operator=(const tcp_relay&) = delete;

  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  // Closes every connection relayed so far; new ones are accepted and relayed.
  void cut();
  // Stops relaying on every connection relayed so far (both ways, or only the
  // server's bytes back to the client); thaw() lets them flow again.
  void freeze();
  void freeze_replies();
  void thaw();
  // The next connection whose client sends bytes holding `marker` has the server's
  // bytes stopped from then on, as freeze_replies() would (once: the marker is used up):
  // a request that reached the server whose answer is lost on the way.
  void freeze_replies_after(const std::string& marker);
  // Connections accepted so far.
  int accepted() const { return accepted_.load(); }

 private:
  void run();
  void accept_one();
  bool forward(int from, int to, std::string* sent = nullptr);  // false when `from` or `to` is done
  bool take_marker(const std::string& sent);
  void close_all();

  int server_port_;
  int port_ = 0;
  int listener_ = -1;
  int wake_[2] = {-1, -1};
  std::atomic<int> accepted_{0};
  struct pair {
    int client, server;
    bool client_frozen = false;  // the client's bytes are not carried to the server
    bool server_frozen = false;  // the server's bytes are not carried to the client
  };
  void command(char what);
  std::vector<pair> pairs_;  // only the thread touches it
  std::thread thread_;
  std::mutex marker_mutex_;
  std::string marker_;  // freeze_replies_after's, until it is seen
};

}  // namespace remaphore::test
