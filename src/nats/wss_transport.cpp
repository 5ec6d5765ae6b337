// wss:// - TLS first, then the WebSocket handshake inside it.
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "nats/proto/error.hpp"
#include "nats/ws_stream.hpp"

namespace remaphore::nats::detail {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace websocket = boost::beast::websocket;
using boost::asio::awaitable;
using boost::asio::use_awaitable;
using boost::asio::ip::tcp;

awaitable<opened_transport> open_wss(tcp::socket sock, const server_url& url, const tls_options& tls) {
  opened_transport out;
  auto ctx = make_tls_context(tls, out.failure);
  if (!ctx) co_return out;
  auto t = std::make_unique<ws_transport<websocket::stream<ssl::stream<tcp::socket>>>>(ctx, std::move(sock), *ctx);
  auto& tls_stream = t->stream().next_layer();
  prepare_tls(tls_stream.native_handle(), tls, url.host, t->cert_requested());
  boost::system::error_code bec;
  co_await tls_stream.async_handshake(ssl::stream_base::client, asio::redirect_error(use_awaitable, bec));
  if (bec) {
    out.failure = tls_failure(tls_stream.native_handle(), bec, tls, *t->cert_requested());
    co_return out;
  }
  out.failure = co_await ws_handshake(t->stream(), url);
  if (out.failure && *t->cert_requested() && tls.cert_file.empty())
    out.failure = make_diagnostic(errc::client_cert_required, {},
                                  "TLS: " + make_error_code(errc::client_cert_required).message());
  if (!out.failure) out.stream = std::move(t);
  co_return out;
}

}  // namespace remaphore::nats::detail
