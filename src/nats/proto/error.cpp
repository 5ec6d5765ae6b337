#include "nats/proto/error.hpp"

#include <string>

namespace remaphore::nats {
namespace {

class category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "nats"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::control_line_too_long: return "protocol line from the server is too long";
      case errc::payload_too_large: return "message payload is larger than max_payload";
      case errc::headers_too_large: return "message headers are larger than the payload size";
      case errc::unknown_operation: return "unknown protocol operation from the server";
      case errc::bad_arguments: return "malformed protocol arguments from the server";
      case errc::missing_payload_crlf: return "message payload not followed by CRLF";
      case errc::bad_seed: return "invalid nkey seed";
      case errc::bad_creds: return "invalid credentials file (no JWT or no seed block)";
      case errc::connect_timeout: return "timed out connecting to the server";
      case errc::no_servers: return "no server could be reached";
      case errc::auth_failed: return "the server refused the credentials";
      case errc::server_error: return "the server reported an error";
      case errc::stale_connection: return "stale connection: PINGs went unanswered";
      case errc::connection_closed: return "connection closed";
      case errc::disconnected: return "disconnected from the server";
      case errc::buffer_full: return "disconnected and the pending buffer is full";
      case errc::max_payload_exceeded: return "message larger than the server's max_payload";
      case errc::timeout: return "timed out";
      case errc::tls_failed: return "TLS handshake failed";
      case errc::bad_url: return "invalid server URL";
      case errc::no_responders: return "no responders for the request";
      case errc::lame_duck: return "the server entered lame duck mode";
      case errc::subscription_closed: return "subscription closed";
      case errc::write_timeout: return "writing to the server did not complete in time";
      case errc::client_cert_required:
        return "the server requires a client certificate (mutual TLS) and none is configured (tls_cert, tls_key)";
      case errc::permission_denied: return "the server refused it: permission denied";
    }
    return "unknown nats error " + std::to_string(ev);
  }
};

}  // namespace

const std::error_category& category() {
  static const category_impl instance;
  return instance;
}

}  // namespace remaphore::nats
