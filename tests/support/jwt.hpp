// Minting NATS JWTs and creds files for tests that run nats-server in operator
// mode (operator -> account -> user trust chain, MEMORY resolver).
//
// A JWT is b64url(header).b64url(claims).b64url(sig), where the issuer's nkey signs
// the ASCII text "header.claims". The server checks the signatures along the chain
// and the claim types; the jti is a base32 SHA-256 of the claims, which the server
// accepts without checking (the Go jwt library uses SHA-512/256).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "nats/proto/nkeys.hpp"

namespace remaphore::test {

// Signs `claims` with `issuer`: fills iss, iat and jti, and sets sub and name when
// given. `claims` carries the "nats" object of the claim type.
std::string encode_jwt(const nats::nkey& issuer, const std::string& subject, const std::string& name,
                       nlohmann::json claims);

// Self-signed operator JWT. `system_account` (an "A..." key) may be empty.
std::string operator_jwt(const nats::nkey& op, const std::string& name, const std::string& system_account = {});
// Account JWT with no limits, signed by the operator.
std::string account_jwt(const nats::nkey& op, const std::string& account_public, const std::string& name);
// User JWT with no limits or permissions, signed by the account.
std::string user_jwt(const nats::nkey& account, const std::string& user_public, const std::string& name);

// The creds file text as nsc writes it: JWT block, banner, seed block. `eol` lets
// tests write CRLF files.
std::string creds_text(const std::string& jwt, const nats::nkey& user, const std::string& eol = "\n");

// A complete operator-mode trust chain: an operator, a system account and one
// application account, each with its JWT.
struct trust_chain {
  trust_chain();
  nats::nkey op, sys, account;
  std::string op_jwt, sys_jwt, account_jwt;

  // Creds text for a fresh user of `account`.
  std::string user_creds(const std::string& name = "user", const std::string& eol = "\n") const;
  // nats-server config lines (operator, system_account, MEMORY resolver with both
  // accounts preloaded). `op_jwt_path` is where op_jwt was written.
  std::string server_config(const std::string& op_jwt_path) const;
};

}  // namespace remaphore::test
