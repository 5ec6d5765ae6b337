// The credentials CONNECT carries, from the client's options and the server URL:
// creds file (user JWT + nkey seed), nkey seed file, token, user and password.
// Files are read at each connect, so rotated credentials are picked up without a
// restart. No sockets: unit-tested on its own.
#pragma once
#include <string>
#include <string_view>
#include <system_error>

#include "nats/proto/handshake.hpp"

namespace remaphore::nats {

struct auth_options {
  std::string creds_file;      // NATS creds: user JWT + nkey seed
  std::string nkey_seed_file;  // a file holding an nkey seed ("SU...")
  std::string token;
  std::string user, password;
};

struct auth_material {
  auth credentials;       // what CONNECT carries
  std::string user_key;   // public key ("U...") of the creds or seed; safe to log
  std::error_code error;  // bad_creds or bad_seed when a file is unusable
  std::string reason;     // names the file and what is wrong with it
};

// Credentials written in the server URL belong to that server and win. Otherwise
// the creds file, else the nkey seed file, together with token, user and password.
auth_material load_auth(const auth_options& opts, const server_url& url);

// The parts of load_auth that work on a file's text; `origin` names the file in reasons.
auth_material auth_from_creds_text(std::string_view text, std::string_view origin);
auth_material auth_from_seed_text(std::string_view text, std::string_view origin);

}  // namespace remaphore::nats
