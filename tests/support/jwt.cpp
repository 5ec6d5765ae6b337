#include "support/jwt.hpp"

#include <sodium.h>

#include <chrono>
#include <stdexcept>

namespace remaphore::test {
namespace {

std::string b64url(std::string_view s) {
  return nats::base64url_nopad(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::string hash_id(const std::string& claims) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium init failed");
  std::uint8_t h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(claims.data()), claims.size());
  return nats::base32_encode(h, sizeof h);  // as the Go jwt library prints the jti
}

}  // namespace

std::string encode_jwt(const nats::nkey& issuer, const std::string& subject, const std::string& name,
                       nlohmann::json claims) {
  claims["iss"] = issuer.public_key();
  claims["iat"] =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (!subject.empty()) claims["sub"] = subject;
  if (!name.empty()) claims["name"] = name;
  claims.erase("jti");
  claims["jti"] = hash_id(claims.dump());
  const std::string signing_input = b64url(R"({"typ":"JWT","alg":"ed25519-nkey"})") + "." + b64url(claims.dump());
  const auto sig = issuer.sign(signing_input);
  return signing_input + "." + nats::base64url_nopad(sig.data(), sig.size());
}

std::string operator_jwt(const nats::nkey& op, const std::string& name, const std::string& system_account) {
  nlohmann::json nats = {{"type", "operator"}, {"version", 2}};
  if (!system_account.empty()) nats["system_account"] = system_account;
  return encode_jwt(op, op.public_key(), name, {{"nats", nats}});
}

std::string account_jwt(const nats::nkey& op, const std::string& account_public, const std::string& name) {
  nlohmann::json nats = {
      {"limits",
       {{"subs", -1},
        {"data", -1},
        {"payload", -1},
        {"imports", -1},
        {"exports", -1},
        {"wildcards", true},
        {"conn", -1},
        {"leaf", -1}}},
      {"default_permissions", {{"pub", nlohmann::json::object()}, {"sub", nlohmann::json::object()}}},
      {"type", "account"},
      {"version", 2},
  };
  return encode_jwt(op, account_public, name, {{"nats", nats}});
}

std::string user_jwt(const nats::nkey& account, const std::string& user_public, const std::string& name) {
  nlohmann::json nats = {
      {"pub", nlohmann::json::object()},
      {"sub", nlohmann::json::object()},
      {"subs", -1},
      {"data", -1},
      {"payload", -1},
      {"type", "user"},
      {"version", 2},
  };
  return encode_jwt(account, user_public, name, {{"nats", nats}});
}

std::string creds_text(const std::string& jwt, const nats::nkey& user, const std::string& eol) {
  return "-----BEGIN NATS USER JWT-----" + eol + jwt + eol + "------END NATS USER JWT------" + eol + eol +
         "************************* IMPORTANT *************************" + eol +
         "NKEY Seed printed below can be used to sign and prove identity." + eol +
         "NKEYs are sensitive and should be treated as secrets." + eol + eol + "-----BEGIN USER NKEY SEED-----" + eol +
         user.seed_string() + eol + "------END USER NKEY SEED------" + eol + eol +
         "*************************************************************" + eol;
}

trust_chain::trust_chain()
    : op(nats::generate_nkey('O')), sys(nats::generate_nkey('A')), account(nats::generate_nkey('A')) {
  op_jwt = operator_jwt(op, "test-operator", sys.public_key());
  sys_jwt = test::account_jwt(op, sys.public_key(), "SYS");
  account_jwt = test::account_jwt(op, account.public_key(), "APP");
}

std::string trust_chain::user_creds(const std::string& name, const std::string& eol) const {
  const auto user = nats::generate_nkey('U');
  return creds_text(user_jwt(account, user.public_key(), name), user, eol);
}

std::string trust_chain::server_config(const std::string& op_jwt_path) const {
  // Without a system account nats-server 2.9 still runs, but warns.
  std::string cfg;
  cfg += "operator: \"" + op_jwt_path + "\"\n";
  cfg += "system_account: " + sys.public_key() + "\n";
  cfg += "resolver: MEMORY\n";
  cfg += "resolver_preload: {\n";
  cfg += "  " + sys.public_key() + ": \"" + sys_jwt + "\"\n";
  cfg += "  " + account.public_key() + ": \"" + account_jwt + "\"\n";
  cfg += "}\n";
  return cfg;
}

}  // namespace remaphore::test
