#include "nats/proto/auth.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <sodium.h>

#include "nats/proto/error.hpp"
#include "nats/proto/nkeys.hpp"

namespace remaphore::nats {
namespace {

// The file's content, or the system's reason it cannot be read.
bool read_text_file(const std::string& path, std::string& out, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

auth_material file_error(std::error_code code, std::string reason) {
  auth_material m;
  m.error = code;
  m.reason = std::move(reason);
  return m;
}

void sign_with(auth_material& m, const nkey& key) {
  m.credentials.sign_nonce = [key](std::string_view nonce) { return key.sign_nonce(nonce); };
  m.user_key = key.public_key();
}

}  // namespace

auth_material auth_from_creds_text(std::string_view text, std::string_view origin) {
  std::error_code ec;
  auto c = parse_creds(text, ec);
  nkey key;
  if (!ec) key = decode_seed(c.seed, ec);
  // bad_creds or bad_seed, whichever part of the file is wrong
  if (ec) return file_error(ec, "credentials file '" + std::string(origin) + "': " + ec.message());
  auth_material m;
  m.credentials.jwt = c.jwt;
  sign_with(m, key);
  return m;
}

auth_material auth_from_seed_text(std::string_view text, std::string_view origin) {
  std::error_code ec;
  auto key = decode_seed(text, ec);
  if (ec) return file_error(errc::bad_seed, "nkey seed file '" + std::string(origin) + "': " + ec.message());
  auth_material m;
  m.credentials.nkey_public = key.public_key();
  sign_with(m, key);
  return m;
}

auth_material load_auth(const auth_options& opts, const server_url& url) {
  auth_material m;
  if (!url.user.empty() || !url.token.empty()) {
    m.credentials.user = url.user;
    m.credentials.password = url.password;
    m.credentials.token = url.token;
    return m;
  }
  std::string text, why;
  if (!opts.creds_file.empty()) {
    if (!read_text_file(opts.creds_file, text, why))
      return file_error(errc::bad_creds, "cannot read credentials file '" + opts.creds_file + "': " + why);
    m = auth_from_creds_text(text, opts.creds_file);
    sodium_memzero(text.data(), text.size());  // the seed is in there
  } else if (!opts.nkey_seed_file.empty()) {
    if (!read_text_file(opts.nkey_seed_file, text, why))
      return file_error(errc::bad_seed, "cannot read nkey seed file '" + opts.nkey_seed_file + "': " + why);
    m = auth_from_seed_text(text, opts.nkey_seed_file);
    sodium_memzero(text.data(), text.size());
  }
  if (m.error) return m;
  m.credentials.token = opts.token;
  m.credentials.user = opts.user;
  m.credentials.password = opts.password;
  return m;
}

}  // namespace remaphore::nats
