// ws:// - NATS in WebSocket frames over TCP.
#include "nats/ws_stream.hpp"

namespace remaphore::nats::detail {
namespace websocket = boost::beast::websocket;
using boost::asio::awaitable;
using boost::asio::ip::tcp;

awaitable<opened_transport> open_ws(tcp::socket sock, const server_url& url) {
  opened_transport out;
  auto t = std::make_unique<ws_transport<websocket::stream<tcp::socket>>>(nullptr, std::move(sock));
  out.failure = co_await ws_handshake(t->stream(), url);
  if (!out.failure) out.stream = std::move(t);
  co_return out;
}

}  // namespace remaphore::nats::detail
