// Loading the credentials CONNECT carries: creds files, nkey seed files, URL
// credentials and the plain options, and the reasons given when a file is unusable.
#include <ostream>

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "nats/error.hpp"
#include "nats/proto/auth.hpp"
#include "nats/proto/nkeys.hpp"

using namespace remaphore::nats;

namespace {

// A directory of its own under the system's temp dir, removed afterwards.
struct scratch_dir {
  scratch_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "remaphore-auth-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~scratch_dir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& content) const {
    auto file = (path / name).string();
    std::ofstream(file, std::ios::binary) << content;
    return file;
  }
  std::filesystem::path path;
};

const std::string some_jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJzdWIiOiJVIn0.c2ln";

std::string creds_for(const nkey& key, const std::string& eol = "\n") {
  return "-----BEGIN NATS USER JWT-----" + eol + some_jwt + eol + "------END NATS USER JWT------" + eol + eol +
         "-----BEGIN USER NKEY SEED-----" + eol + key.seed_string() + eol + "------END USER NKEY SEED------" + eol;
}

server_url plain_url() {
  std::error_code ec;
  return parse_server_url("nats://127.0.0.1:4222", ec);
}

}  // namespace

TEST_CASE("auth material: a creds file gives the JWT and signs the nonce with its seed") {
  scratch_dir dir;
  auto key = generate_nkey('U');
  for (const std::string eol : {"\n", "\r\n"}) {
    auth_options o;
    o.creds_file = dir.write("user.creds", creds_for(key, eol));
    auto m = load_auth(o, plain_url());
    REQUIRE_FALSE(m.error);
    CHECK(m.credentials.jwt == some_jwt);
    CHECK(m.credentials.nkey_public.empty());  // JWT auth names the key inside the JWT
    CHECK(m.user_key == key.public_key());
    REQUIRE(m.credentials.sign_nonce);
    CHECK(m.credentials.sign_nonce("nonce") == key.sign_nonce("nonce"));
  }
}

TEST_CASE("auth material: an nkey seed file gives the public key and the signature") {
  scratch_dir dir;
  auto key = generate_nkey('U');
  auth_options o;
  o.nkey_seed_file = dir.write("user.nk", "  " + key.seed_string() + "\n");
  auto m = load_auth(o, plain_url());
  REQUIRE_FALSE(m.error);
  CHECK(m.credentials.nkey_public == key.public_key());
  CHECK(m.user_key == key.public_key());
  CHECK(m.credentials.jwt.empty());
  CHECK(m.credentials.sign_nonce("abc") == key.sign_nonce("abc"));
}

TEST_CASE("auth material: unusable files are named with what is wrong, and never echo the secret") {
  scratch_dir dir;
  auth_options o;
  o.creds_file = (dir.path / "missing.creds").string();
  auto m = load_auth(o, plain_url());
  CHECK(m.error == errc::bad_creds);
  CHECK(m.reason.find("cannot read credentials file '" + o.creds_file + "'") != std::string::npos);
  CHECK(m.reason.find("No such file") != std::string::npos);

  o.creds_file = dir.write("jwt-only.creds", "-----BEGIN NATS USER JWT-----\n" + some_jwt + "\n------END------\n");
  m = load_auth(o, plain_url());
  CHECK(m.error == errc::bad_creds);
  CHECK(m.reason.find(o.creds_file) != std::string::npos);
  CHECK(m.reason.find("no seed block") != std::string::npos);

  auth_options seed;
  std::string bad_seed = "SUAOY5JZ2WJKVR4UO2KJ2P3SW6FZFNWEOIMAXF4WZEUNVQXXUOKGM55CYF";  // CRC off by one
  seed.nkey_seed_file = dir.write("bad.nk", bad_seed);
  m = load_auth(seed, plain_url());
  CHECK(m.error == errc::bad_seed);
  CHECK(m.reason.find(seed.nkey_seed_file) != std::string::npos);
  CHECK(m.reason.find(bad_seed) == std::string::npos);
  CHECK_FALSE(m.credentials.sign_nonce);

  seed.nkey_seed_file = (dir.path / "none.nk").string();
  m = load_auth(seed, plain_url());
  CHECK(m.error == errc::bad_seed);
  CHECK(m.reason.find("cannot read nkey seed file") != std::string::npos);
}

TEST_CASE("auth material: credentials in the URL belong to that server and win over the options") {
  scratch_dir dir;
  auth_options o;
  o.creds_file = (dir.path / "not-read.creds").string();  // would fail if it were read
  o.token = "from-options";
  std::error_code ec;
  auto m = load_auth(o, parse_server_url("nats://alice:pw@h:1", ec));
  REQUIRE_FALSE(m.error);
  CHECK(m.credentials.user == "alice");
  CHECK(m.credentials.password == "pw");
  CHECK(m.credentials.token.empty());
  CHECK(m.user_key.empty());
  m = load_auth(o, parse_server_url("nats://t0k@h:1", ec));
  CHECK(m.credentials.token == "t0k");
}

TEST_CASE("auth material: token and user/password from the options") {
  auth_options o;
  o.token = "s3cret";
  auto m = load_auth(o, plain_url());
  CHECK(m.credentials.token == "s3cret");
  CHECK_FALSE(m.credentials.sign_nonce);
  auth_options up;
  up.user = "a";
  up.password = "b";
  m = load_auth(up, plain_url());
  CHECK(m.credentials.user == "a");
  CHECK(m.credentials.password == "b");
  auto none = load_auth({}, plain_url());
  CHECK_FALSE(none.error);
  CHECK(none.credentials.user.empty());
  CHECK(none.credentials.token.empty());
}

TEST_CASE("auth material: from texts, without files") {
  auto key = generate_nkey('U');
  auto m = auth_from_creds_text(creds_for(key), "inline");
  REQUIRE_FALSE(m.error);
  CHECK(m.user_key == key.public_key());
  auto s = auth_from_seed_text(key.seed_string(), "inline");
  CHECK(s.credentials.nkey_public == key.public_key());
  auto bad = auth_from_seed_text("SUNOTASEED", "inline");
  CHECK(bad.error == errc::bad_seed);
  CHECK(bad.reason == "nkey seed file 'inline': invalid nkey seed");
}
