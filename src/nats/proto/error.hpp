// Error codes of the NATS client library. Library code reports failures as
// std::error_code with this category; exceptions and exit codes live in src/app.
#pragma once
#include <system_error>

namespace remaphore::nats {

enum class errc {
  // Parser (protocol violations by the server or a corrupt stream).
  control_line_too_long = 1,
  payload_too_large,
  headers_too_large,
  unknown_operation,
  bad_arguments,         // MSG/HMSG/INFO/-ERR arguments malformed
  missing_payload_crlf,  // payload not followed by \r\n
  // Auth material.
  bad_seed,   // nkey seed: base32, length, CRC or prefix wrong
  bad_creds,  // creds file: missing JWT or seed block
  // Connection.
  connect_timeout,
  no_servers,            // no server could be reached
  auth_failed,           // the server refused our credentials (-ERR text kept verbatim)
  server_error,          // any other -ERR from the server (text kept verbatim)
  stale_connection,      // too many PINGs unanswered
  connection_closed,     // the client was closed
  disconnected,          // the connection dropped (transient)
  buffer_full,           // publish while disconnected beyond the pending buffer
  max_payload_exceeded,  // publish larger than the server's max_payload
  timeout,               // an operation's own timeout (request, next_msg, flush)
  tls_failed,
  bad_url,
  no_responders,         // a request found no subscriber (status 503)
  lame_duck,             // the server announced it is shutting down
  subscription_closed,   // unsubscribed, or reached its auto-unsubscribe count
  write_timeout,         // a write did not complete within its bound (server or network stuck)
  client_cert_required,  // the server wants a client certificate (mutual TLS) and we have none
  permission_denied,     // the server refused a publish or subscription: the user's permissions
                         // exclude that subject (its -ERR text kept verbatim)
};

const std::error_category& category();
inline std::error_code make_error_code(errc e) { return {static_cast<int>(e), category()}; }

}  // namespace remaphore::nats

template <>
struct std::is_error_code_enum<remaphore::nats::errc> : std::true_type {};
