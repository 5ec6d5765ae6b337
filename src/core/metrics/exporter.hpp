// Serves a listener's metrics over HTTP (Boost.Beast): GET /metrics answers the
// Prometheus text format, anything else 404. Off unless asked for (config
// `metrics:`, --metrics).
//
// Flow: open() binds and listens before the receiver subscribes, so that a port in
// use is an error at start, not a silent gap; run() then accepts one connection at a
// time and answers one request on it, within a bound, then closes it: a scrape every
// few seconds needs no more, and a client that stalls cannot hold the listener up.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>

#include "core/metrics.hpp"
#include "nats/client.hpp"
#include "protocol/listen_address.hpp"

namespace remaphore::core {

class metrics_exporter {
 public:
  metrics_exporter(boost::asio::any_io_executor ex, protocol::listen_address at, listener_metrics& m,
                   const nats::client& c);

  // Binds and listens; false with `why` filled when it cannot (the port is taken, the
  // address is not one of this host's).
  bool open(std::string& why);
  // Serves until cancelled; never ends on its own.
  boost::asio::awaitable<void> run();

 private:
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket s);
  std::string body() const;

  protocol::listen_address at_;
  listener_metrics& metrics_;
  const nats::client& client_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace remaphore::core
