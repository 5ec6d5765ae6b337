#include "nats/transport.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "nats/transport_parts.hpp"

// Which transport a URL gets; the transports themselves are in tcp_transport.cpp,
// ws_transport.cpp and wss_transport.cpp, their TLS in tls_setup.cpp.
namespace remaphore::nats {
namespace asio = boost::asio;
using boost::asio::awaitable;
using boost::asio::use_awaitable;
using boost::asio::ip::tcp;

namespace {

// A numeric address needs no resolver. Asio resolves names on a thread of its own,
// started on the first resolve, that a one-shot call would create and join only to
// parse "127.0.0.1" (and getaddrinfo, asked for configured address families, reads
// the host's interfaces on top of that).
awaitable<std::error_code> connect_socket(tcp::socket& sock, const server_url& url, diagnostic& failure) {
  boost::system::error_code bec;
  auto address = asio::ip::make_address(url.host, bec);
  if (!bec) {
    co_await sock.async_connect(tcp::endpoint(address, url.port), asio::redirect_error(use_awaitable, bec));
  } else {
    tcp::resolver resolver(sock.get_executor());
    auto endpoints =
        co_await resolver.async_resolve(url.host, std::to_string(url.port), asio::redirect_error(use_awaitable, bec));
    if (bec) {
      failure = make_diagnostic(bec, {}, "cannot resolve " + url.host + ": " + bec.message());
      co_return bec;
    }
    co_await asio::async_connect(sock, endpoints, asio::redirect_error(use_awaitable, bec));
  }
  if (bec) failure = make_diagnostic(bec, {}, bec.message());
  co_return bec;
}

}  // namespace

awaitable<opened_transport> open_transport(asio::any_io_executor ex, const server_url& url, const tls_options& tls) {
  opened_transport out;
  tcp::socket sock(ex);
  if (co_await connect_socket(sock, url, out.failure)) co_return out;
  boost::system::error_code bec;
  sock.set_option(tcp::no_delay(true), bec);
  if (url.kind == transport_kind::ws) co_return co_await detail::open_ws(std::move(sock), url);
  if (url.kind == transport_kind::wss) co_return co_await detail::open_wss(std::move(sock), url, tls);
  out.stream = detail::make_tcp_transport(std::move(sock));
  co_return out;
}

}  // namespace remaphore::nats
