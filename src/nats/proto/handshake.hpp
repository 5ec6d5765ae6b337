// Pure steps of connecting to a NATS server: server URLs, the INFO the server
// sends, the CONNECT we answer with, and how -ERR texts are classified. No I/O,
// so each step is unit-tested on its own; client.cpp only executes them.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace remaphore::nats {

enum class transport_kind { tcp, tls, ws, wss };

struct server_url {
  transport_kind kind = transport_kind::tcp;
  std::string host;
  std::uint16_t port = 4222;
  std::string path;  // WebSocket path ("/" when none)
  std::string user;  // user:password@ in the URL
  std::string password;
  std::string token;         // token@ in the URL (a user without a password)
  bool discovered = false;   // learned from INFO connect_urls
  std::string text() const;  // scheme://host:port, without credentials (for logs)
};

// Accepts "nats://", "tls://", "ws://", "wss://" URLs and bare "host:port".
server_url parse_server_url(std::string_view url, std::error_code& ec);

struct server_info {
  std::string server_id;
  std::string server_name;
  std::string version;
  std::string nonce;
  std::size_t max_payload = 1024 * 1024;
  int proto = 0;
  bool headers = false;
  bool tls_required = false;
  bool tls_available = false;
  bool auth_required = false;
  bool lame_duck = false;  // "ldm"
  std::vector<std::string> connect_urls;
  std::vector<std::string> ws_connect_urls;
};

// false when the text is not a JSON object.
bool parse_info(std::string_view json, server_info& out);

struct auth {
  std::string user, password, token;
  std::string jwt;                                          // user JWT from a creds file
  std::string nkey_public;                                  // set for plain nkey auth
  std::function<std::string(std::string_view)> sign_nonce;  // set when jwt or nkey
};

struct connect_params {
  std::string name = "remaphore";
  std::string lang = "cpp";
  std::string version;
  bool echo = true;
  bool tls_required = false;
};

// The JSON of the CONNECT line (without "CONNECT " and CRLF). Empty auth fields are
// omitted; the nonce is signed only when the server sent one.
std::string build_connect(const connect_params& p, const auth& a, const server_info& info);

// -ERR texts after which the server closes the connection because of our
// credentials: retrying with the same credentials cannot help.
bool is_auth_error(std::string_view err_text);
// -ERR texts that do not end the connection (permissions, invalid subject).
bool is_soft_error(std::string_view err_text);

}  // namespace remaphore::nats
