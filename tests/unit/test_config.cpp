#include <doctest/doctest.h>

#include "support/vectors.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "protocol/config.hpp"
#include "protocol/duration.hpp"

using namespace remaphore::protocol;
using namespace std::chrono_literals;
using namespace std::string_literals;

namespace {

config parse_ok(std::string_view text) {
  config c;
  config_error err;
  const bool ok = parse_config(text, "test.conf", c, err);
  INFO(err.message);
  REQUIRE(ok);
  return c;
}

std::string parse_err(std::string_view text) {
  config c;
  config_error err;
  CHECK_FALSE(parse_config(text, "test.conf", c, err));
  return err.message;
}

struct keys {
  key_pair a = generate_key_pair();
  key_pair b = generate_key_pair();
  std::string a_pub = a.pub.to_base58(), a_priv = a.priv.to_base58();
  std::string b_pub = b.pub.to_base58(), b_priv = b.priv.to_base58();
};

}  // namespace

TEST_CASE("config: the Go vector config parses with its identity and peer") {
  const auto v = remaphore::test::load_go_vectors();
  const auto c = parse_ok(v["config"].get<std::string>());
  const auto pub = parse_public_key(v["sender_public_key"].get<std::string>());
  const auto priv = parse_private_key(v["sender_private_key"].get<std::string>());
  REQUIRE(pub);
  REQUIRE(priv);
  CHECK(c.servers == std::vector<std::string>{"nats://127.0.0.1:4222"});
  CHECK(c.credentials == "/etc/remaphore/user.creds");
  CHECK(c.subject == "remaphore");
  CHECK(c.default_identity == *pub);
  CHECK(c.destination == "com.example.node");
  CHECK(c.allow_skew == 1000000h);
  REQUIRE(c.identities.size() == 1);
  CHECK(c.identities[0].pub == *pub);
  CHECK(c.identities[0].priv == *priv);
  CHECK(c.identities[0].verbs == std::vector<std::string>{"*"});
  REQUIRE(c.peers.size() == 1);
  CHECK(c.peers[0].destination == "com.example.sender");
  CHECK(c.peers[0].pub == *pub);
  CHECK(c.peers[0].allows("anything"));
  CHECK(c.effective_default_identity() == &c.identities[0]);
  CHECK(c.find_peer(*pub) == &c.peers[0]);
  CHECK(parse_ok(print_config(c)) == c);
}

TEST_CASE("config: every key, comments, case-insensitive keys and sections") {
  keys k;
  const std::string text =
      "# full config\r\n"
      "SERVER: nats://a:4222   # first\r\n"
      "server:nats://b:4222\n"
      "  Server :  tls://c:4443  \n"
      "Credentials: /etc/remaphore/user.creds\n"
      "subject: sig # trailing comment\n"
      "default_identity: " +
      k.b_pub +
      "\n"
      "destination: com.example.host.us\n"
      "ALLOW_SKEW: 1m30s\n"
      "tls_ca: /ca.pem\n"
      "tls_cert: /cert.pem\n"
      "tls_key: /key.pem\n"
      "nkey_seed: /user.nk\n"
      "token: tok\n"
      "user: alice\n"
      "password: pw\n"
      "accept_unbound_replies: YES\n"
      "retain_max_age: 2h\n"
      "Connect_Retry: yes\n"
      "command_queue: 50\n"
      "replay_record: /var/lib/remaphore/replay\n"
      "reconnect_jitter: 250ms\n"
      "\n"
      "[identities]\n"
      "# comment inside a section\n" +
      k.a_pub + "  " + k.a_priv + " [Ping, RESTART , deploy]\n" + k.b_pub + "\t" + k.b_priv +
      " [*]   # all verbs\n"
      "[ PEERS ]\n"
      "com.example.a " +
      k.a_pub +
      " [ping]\n"
      "com.example.b " +
      k.b_pub + " []\n";
  const auto c = parse_ok(text);
  CHECK(c.servers == std::vector<std::string>{"nats://a:4222", "nats://b:4222", "tls://c:4443"});
  CHECK(c.credentials == "/etc/remaphore/user.creds");
  CHECK(c.subject == "sig");
  CHECK(c.default_identity == k.b.pub);
  CHECK(c.destination == "com.example.host.us");
  CHECK(c.allow_skew == 90s);
  CHECK(c.tls_ca == "/ca.pem");
  CHECK(c.tls_cert == "/cert.pem");
  CHECK(c.tls_key == "/key.pem");
  CHECK(c.nkey_seed == "/user.nk");
  CHECK(c.token == "tok");
  CHECK(c.user == "alice");
  CHECK(c.password == "pw");
  CHECK(c.accept_unbound_replies);
  CHECK(c.retain_max_age == 2h);
  CHECK(c.connect_retry);
  CHECK(c.command_queue == 50);
  CHECK(c.replay_record == "/var/lib/remaphore/replay");
  CHECK(c.reconnect_jitter == 250ms);

  REQUIRE(c.identities.size() == 2);
  CHECK(c.identities[0].pub == k.a.pub);
  CHECK(c.identities[0].priv == k.a.priv);
  CHECK(c.identities[0].verbs == std::vector<std::string>{"ping", "restart", "deploy"});
  CHECK(c.identities[0].allows("ping"));
  CHECK(c.identities[0].allows("restart"));
  CHECK_FALSE(c.identities[0].allows("Ping"));  // message verbs compare exactly
  CHECK_FALSE(c.identities[0].allows("stop"));
  CHECK(c.identities[1].verbs == std::vector<std::string>{"*"});
  CHECK(c.identities[1].allows("stop"));

  REQUIRE(c.peers.size() == 2);
  CHECK(c.peers[0].destination == "com.example.a");
  CHECK(c.peers[0].allows("ping"));
  CHECK_FALSE(c.peers[0].allows("restart"));
  CHECK(c.peers[1].verbs.empty());
  CHECK_FALSE(c.peers[1].allows("ping"));

  CHECK(c.effective_default_identity() == &c.identities[1]);
  CHECK(c.find_identity(k.a.pub) == &c.identities[0]);
  CHECK(c.find_peer(k.b.pub) == &c.peers[1]);

  // print -> parse gives the same config
  CHECK(parse_ok(print_config(c)) == c);
}

TEST_CASE("config: defaults") {
  keys k;
  const auto c = parse_ok("server: nats://x:4222\n[ Identities ]\n" + k.a_pub + " " + k.a_priv + " [ping]\n" + k.b_pub +
                          " " + k.b_priv + " [*]\n");
  CHECK(c.subject == "remaphore");
  CHECK(c.allow_skew == 3s);
  CHECK(c.retain_max_age == 24h);
  CHECK_FALSE(c.accept_unbound_replies);
  CHECK_FALSE(c.default_identity);
  CHECK(c.credentials.empty());
  CHECK(c.effective_default_identity() == &c.identities[0]);
  CHECK_FALSE(c.connect_retry);
  CHECK(c.command_queue == 10000);
  CHECK(c.replay_record.empty());
  CHECK(c.reconnect_jitter == 0s);
  CHECK(parse_ok(print_config(c)) == c);

  const auto empty = parse_ok("");
  CHECK(empty == config{});
  CHECK(empty.effective_default_identity() == nullptr);
  CHECK(parse_ok("# only a comment\n\n   \n") == config{});
  // The Go tool reads allow_skew 0 as "not set".
  CHECK(parse_ok("allow_skew: 0\n").allow_skew == 3s);
  CHECK(parse_ok("allow_skew: 250ms\n").allow_skew == 250ms);
  for (const char* v : {"yes", "true", "1", "Yes", "TRUE"})
    CHECK(parse_ok(std::string("accept_unbound_replies: ") + v).accept_unbound_replies);
  for (const char* v : {"no", "false", "0", "NO"})
    CHECK_FALSE(parse_ok(std::string("accept_unbound_replies: ") + v).accept_unbound_replies);
}

TEST_CASE("config: errors name the file and line") {
  keys k;
  struct row {
    std::string text;
    std::string expected;  // substring of the message, which starts with test.conf:LINE:
  };
  const row rows[] = {
      {"server: a\nbogus: 1\n", "test.conf:2: unknown key 'bogus'"},
      {"\n\n# c\nSERVR: a\n", "test.conf:4: unknown key 'servr'"},
      {"server a\n", "test.conf:1: expected 'key: value'"},
      {": a\n", "test.conf:1: expected 'key: value'"},
      {"server:\n", "test.conf:1: missing value for 'server'"},
      {"subject:   # nothing\n", "test.conf:1: missing value for 'subject'"},
      {"allow_skew: 5\n", "test.conf:1: invalid duration '5'"},
      {"x: 1\r\nallow_skew: 5 s\r\n", "test.conf:1: unknown key 'x'"},
      {"subject: s\r\nallow_skew: 5 s\r\n", "test.conf:2: invalid duration '5 s'"},
      {"allow_skew: -1s\n", "test.conf:1: allow_skew must not be negative"},
      {"retain_max_age: forever\n", "test.conf:1: invalid duration 'forever'"},
      {"accept_unbound_replies: maybe\n", "test.conf:1: accept_unbound_replies must be yes or no"},
      {"default_identity: abc\n", "test.conf:1: invalid public key for default_identity"},
      {"default_identity: " + k.a_priv + "\n", "test.conf:1: invalid public key"},
      {"[ Identities ]\n" + k.a_pub + " " + k.a_priv + "\n", "test.conf:2: permission list [..] missing"},
      {"[ Identities ]\n" + k.a_pub + " " + k.a_priv + " ping\n", "test.conf:2: permission list must be"},
      {"[ Identities ]\n" + k.a_pub + " " + k.a_priv + " [ping\n", "test.conf:2: permission list must be"},
      {"[ Identities ]\n" + k.a_pub + "\n", "test.conf:2: identity needs"},
      {"[ Identities ]\n\n" + k.a_pub + "0 " + k.a_priv + " [*]\n", "test.conf:3: invalid public key"},
      {"[ Identities ]\n" + k.a_pub + " " + k.a_pub + " [*]\n", "test.conf:2: invalid private key"},
      {"[ Identities ]\n" + k.a_pub + " " + k.b_priv + " [*]\n",
       "test.conf:2: private key does not belong to public key"},
      {"[ Peers ]\ncom.x " + k.a_priv + " [*]\n", "test.conf:2: invalid public key"},
      {"[ Peers ]\ncom.x\n", "test.conf:2: peer needs"},
      {"[ Peers ]\ncom.x " + k.a_pub + "\n", "test.conf:2: permission list [..] missing"},
      {"[ Peers ]\ncom.x " + k.a_pub + " [ping, ,restart]\n", "test.conf:2: empty verb in the permission list"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    const auto msg = parse_err(r.text);
    CHECK_MESSAGE(msg.find(r.expected) == 0, msg);
  }
  // Private key text never appears in an error message.
  const auto msg = parse_err("[ Identities ]\n" + k.a_pub + " " + k.b_priv + "x [*]\n");
  CHECK(msg.find(k.b_priv) == std::string::npos);
}

TEST_CASE("config: mistakes the Go tool passes over silently are errors naming FILE:LINE") {
  keys k;
  const std::string ids = "[ Identities ]\n" + k.a_pub + " " + k.a_priv + " [*]\n";
  struct row {
    std::string text;
    std::string expected;  // the message starts with this
  };
  const row rows[] = {
      // An unknown section used to swallow the lines under it: a node without peers.
      {"server: a\n[ Peerz ]\ncom.x " + k.a_pub + " [*]\n",
       "test.conf:2: unknown section '[ Peerz ]' (the sections are [ Identities ] and [ Peers ])"},
      {"[]\n", "test.conf:1: unknown section '[  ]'"},
      {"server: a\nsubject: x\x00y\n"s, "test.conf:2: NUL byte"},
      {"\x00"s, "test.conf:1: NUL byte"},
      {"server: a\n\n" + ids + "\0\n"s, "test.conf:5: NUL byte"},
      // The last of two values used to win without a word; both lines are named.
      {"subject: a\nserver: x\nSubject: b\n", "test.conf:3: 'subject' is given twice (first on line 1)"},
      {"allow_skew: 1s\nallow_skew: 2s\n", "test.conf:2: 'allow_skew' is given twice (first on line 1)"},
      {"token: a\n# c\ntoken: a\n", "test.conf:3: 'token' is given twice (first on line 1)"},
      {"connect_retry: no\nconnect_retry: yes\n", "test.conf:2: 'connect_retry' is given twice (first on line 1)"},
      {ids + k.a_pub + " " + k.a_priv + " [ping]\n",
       "test.conf:3: identity " + k.a_pub + " is listed twice (first on line 2)"},
      {"[ Peers ]\ncom.x " + k.a_pub + " [*]\ncom.y " + k.b_pub + " [*]\ncom.z " + k.a_pub + " [ping]\n",
       "test.conf:4: peer " + k.a_pub + " is listed twice (first on line 2)"},
      {ids.substr(0, ids.size() - 4) + "[ping,]\n", "test.conf:2: empty verb in the permission list [ping,]"},
      {ids.substr(0, ids.size() - 4) + "[,]\n", "test.conf:2: empty verb"},
      {"[ Peers ]\ncom.x " + k.a_pub + " [ , ping]\n", "test.conf:2: empty verb"},
      // default_identity used to fall back to the first identity: -s signed with another key.
      {"default_identity: " + k.b_pub + "\n" + ids,
       "test.conf:1: default_identity " + k.b_pub + " is not among the [ Identities ]"},
      {"server: a\ndefault_identity: " + k.a_pub + "\n", "test.conf:2: default_identity " + k.a_pub + " is not among"},
      // A setting after a section used to be read as an identity or peer ("invalid public key 'yes'").
      {"server: a\n" + ids + "tls_first: yes\n",
       "test.conf:4: 'tls_first:' is a setting: settings go before the first section (line 2)"},
      {"[ Peers ]\nSERVER:nats://x\n", "test.conf:2: 'SERVER:' is a setting: settings go before the first section"},
      {"[ Peers ]\ncolour: blue\n", "test.conf:2: 'colour:' is a setting: settings go before the first section"},
      // Subjects are plain NATS subjects: a space or wildcard would change what is subscribed to.
      {"subject: a b\n", "test.conf:1: invalid subject 'a b': it contains white space"},
      {"subject: rem.*\n", "test.conf:1: invalid subject 'rem.*': it contains the wildcard '*'"},
      {"subject: rem.\n", "test.conf:1: invalid subject 'rem.': it has an empty token"},
      {"subject: a>\n", "test.conf:1: invalid subject 'a>': it contains the wildcard '>'"},
      // The new keys.
      {"connect_retry: sometimes\n", "test.conf:1: connect_retry must be yes or no, not 'sometimes'"},
      {"command_queue: 0\n", "test.conf:1: command_queue must be a number from 1 to 1000000, not '0'"},
      {"command_queue: 10k\n", "test.conf:1: command_queue must be a number from 1"},
      {"command_queue: -1\n", "test.conf:1: command_queue must be a number from 1"},
      {"command_queue: 1000001\n", "test.conf:1: command_queue must be a number from 1"},
      {"replay_cache: replay.db\n", "test.conf:1: replay_record must be an absolute path or off, not 'replay.db'"},
      {"reconnect_jitter: lots\n", "test.conf:1: invalid duration 'lots' for reconnect_jitter"},
      {"reconnect_jitter: -1s\n", "test.conf:1: reconnect_jitter must not be negative"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    const auto msg = parse_err(r.text);
    CHECK_MESSAGE(msg.rfind(r.expected, 0) == 0, msg);
  }
}

TEST_CASE("config: what stays allowed: repeated servers, [], a peer destination with ':', one key with two roles") {
  keys k;
  const auto c = parse_ok(
      "server: nats://a:1\nserver: nats://b:2\nserver: nats://a:1\n"
      "[ Identities ]\n" +
      k.a_pub + " " + k.a_priv +
      " []\n"
      "[ Peers ]\nhost:1 " +
      k.a_pub + " [ ]\ncom.x " + k.b_pub +
      " [*]\n"
      "[ identities ]\n" +
      k.b_pub + " " + k.b_priv + " [ping]\n");
  CHECK(c.servers.size() == 3);
  CHECK(c.identities.size() == 2);
  CHECK(c.identities[0].verbs.empty());
  CHECK(c.peers[0].destination == "host:1");
  CHECK(c.peers[0].verbs.empty());
  CHECK(parse_ok("replay_cache: OFF\n").replay_record == "off");
  CHECK(parse_ok("command_queue: 1000000\n").command_queue == 1000000);
  CHECK(parse_ok("subject: a.b-c_d\n").subject == "a.b-c_d");
}

TEST_CASE("config: lines of servers and single-valued keys are kept for checks made later") {
  keys k;
  const auto c = parse_ok(
      "# head\nserver: nats://a:1\ncredentials: /c\n\nserver: tls://b:2\ntls_ca: /ca\n"
      "[ Identities ]\n" +
      k.a_pub + " " + k.a_priv + " [*]\n");
  CHECK(c.lines.servers == std::vector<std::size_t>{2, 5});
  CHECK(c.lines.of("credentials") == 3);
  CHECK(c.lines.of("tls_ca") == 6);
  CHECK(c.lines.of("tls_key") == 0);
  CHECK(c.lines.settings_end == 7);
  CHECK(parse_ok("server: a\n\n# end\n").lines.settings_end == 3);
  // Where a value stands is not part of the config's value.
  CHECK(parse_ok("\n\nserver: a\n") == parse_ok("server: a\n"));
}

TEST_CASE("config: a config is usable only with a server line") {
  config_error err;
  CHECK(check_config_usable(parse_ok("server: a\n"), "f.conf", err));
  CHECK_FALSE(check_config_usable(parse_ok("subject: s\n\n[ Peers ]\n"), "f.conf", err));
  CHECK(err.message.rfind("f.conf:3: no 'server:' line", 0) == 0);
  CHECK_FALSE(check_config_usable(parse_ok("# only a comment\n"), "f.conf", err));
  CHECK(err.message.rfind("f.conf:1: no 'server:' line", 0) == 0);
  CHECK_FALSE(check_config_usable(config{}, "f.conf", err));
  CHECK(err.message.rfind("f.conf: no 'server:' line", 0) == 0);
}

TEST_CASE("config: signing_identity is -p if allowed, else the default if it may, else the first that may") {
  keys k;
  const auto c2 = generate_key_pair();
  const auto id = [](const key_pair& kp, const std::string& verbs) {
    return kp.pub.to_base58() + " " + kp.priv.to_base58() + " [" + verbs + "]\n";
  };
  const auto c = parse_ok("default_identity: " + k.a_pub + "\n[ Identities ]\n" + id(k.b, "restart, status") +
                          id(k.a, "ping") + id(c2, "*"));
  const auto& b = c.identities[0];
  const auto& a = c.identities[1];
  const auto& all = c.identities[2];
  CHECK(c.signing_identity("ping").id == &a);            // the default may
  CHECK(c.signing_identity("restart").id == &b);         // the first that may
  CHECK(c.signing_identity("deploy").id == &all);        // only [*]
  CHECK(c.signing_identity("ping", c2.pub).id == &all);  // -p wins over the default
  CHECK(c.signing_identity("status", k.b.pub).id == &b);

  const auto refused = c.signing_identity("restart", k.a.pub);  // -p may not: no fallback
  CHECK(refused.id == nullptr);
  CHECK(refused.why_none == "identity " + k.a_pub + " may not use verb 'restart'");
  const auto stranger = generate_key_pair();
  const auto unknown = c.signing_identity("ping", stranger.pub);
  CHECK(unknown.id == nullptr);
  CHECK(unknown.why_none == "no identity " + stranger.pub.to_base58() + " in [ Identities ]");
  CHECK(c.signing_identity("Ping").id == &all);  // verbs compare exactly: only [*] allows "Ping"

  // Without default_identity the first identity is the default.
  const auto first = parse_ok("[ Identities ]\n" + id(k.b, "restart") + id(k.a, "ping"));
  CHECK(first.signing_identity("restart").id == &first.identities[0]);
  CHECK(first.signing_identity("ping").id == &first.identities[1]);
  const auto nobody = first.signing_identity("deploy");
  CHECK(nobody.id == nullptr);
  CHECK(nobody.why_none == "no identity may use verb 'deploy'");
  CHECK(config{}.signing_identity("ping").why_none == "no identity in [ Identities ] to sign with");
}

TEST_CASE("config: a failed parse leaves the output untouched") {
  config c;
  c.subject = "keep";
  config_error err;
  CHECK_FALSE(parse_config("server: a\nnope\n", "f", c, err));
  CHECK(c.subject == "keep");
  CHECK(c.servers.empty());
  CHECK(err.message == "f:2: expected 'key: value'");
  // and a successful parse replaces it rather than appending
  CHECK(parse_config("server: a\n", "f", c, err));
  CHECK(parse_config("server: b\n", "f", c, err));
  CHECK(c.servers == std::vector<std::string>{"b"});
  CHECK(c.subject == "remaphore");
}

TEST_CASE("config: print -> parse round trip with every optional key") {
  keys k;
  config c;
  c.servers = {"nats://a:1", "wss://b:443"};
  c.credentials = "/c.creds";
  c.subject = "sub";
  c.default_identity = k.b.pub;
  c.destination = "com.example.*";
  c.allow_skew = 1500ms;
  c.tls_ca = "/ca";
  c.tls_cert = "/cert";
  c.tls_key = "/key";
  c.nkey_seed = "/nk";
  c.token = "t";
  c.user = "u";
  c.password = "p";
  c.accept_unbound_replies = true;
  c.tls_first = true;
  c.ignore_discovered_servers = true;
  c.retain_max_age = 90min;
  c.connect_retry = true;
  c.command_queue = 7;
  c.replay_record = "off";
  c.reconnect_jitter = 2s;
  c.identities = {{k.a.pub, k.a.priv, {"ping", "restart"}}, {k.b.pub, k.b.priv, {"*"}}};
  c.peers = {{"com.example.a", k.a.pub, {"ping"}}, {"com.example.b", k.b.pub, {}}};
  const auto text = print_config(c);
  CAPTURE(text);
  CHECK(parse_ok(text) == c);
  CHECK(text.find("retain_max_age: 1h30m0s") != std::string::npos);

  // A config with only defaults prints no optional keys.
  const auto plain = print_config(config{});
  CHECK(plain.find("tls_") == std::string::npos);
  CHECK(plain.find("retain_max_age") == std::string::npos);
  CHECK(plain.find("accept_unbound_replies") == std::string::npos);
  CHECK(plain.find("ignore_discovered_servers") == std::string::npos);
  for (const char* key : {"connect_retry", "command_queue", "replay_record", "reconnect_jitter"})
    CHECK_MESSAGE(plain.find(key) == std::string::npos, key);
  CHECK(parse_ok(plain) == config{});
}

TEST_CASE("config: example_config parses and can talk to itself") {
  const auto text = example_config();
  const auto c = parse_ok(text);
  REQUIRE(c.identities.size() == 1);
  REQUIRE(c.peers.size() == 1);
  const auto& id = c.identities[0];
  CHECK(id.verbs == std::vector<std::string>{"*"});
  CHECK(c.default_identity == id.pub);
  CHECK(c.effective_default_identity() == &id);
  CHECK(c.peers[0].pub == id.pub);
  CHECK(c.peers[0].allows("ping"));
  CHECK(c.peers[0].destination == c.destination);
  CHECK(c.servers == std::vector<std::string>{"nats://127.0.0.1:4222"});
  CHECK(c.subject == "remaphore");
  CHECK(c.allow_skew == 5s);
  CHECK(parse_ok(print_config(c)) == c);
  // fresh keys every time
  CHECK(parse_ok(example_config()).identities[0].pub != id.pub);
}

TEST_CASE("config: random input never crashes") {
  keys k;
  const std::string pieces[] = {
      "server",     ":",  " ", "#", "[",     "]",      "\n", "\r\n", "identities",       "peers",
      "allow_skew", "1s", ",", "*", k.a_pub, k.a_priv, "\t", "x",    "default_identity", "\xff"};
  std::mt19937 rng(11);
  int ok = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string text;
    const auto n = rng() % 30;
    for (std::size_t j = 0; j < n; ++j) text += pieces[rng() % std::size(pieces)];
    config c;
    config_error err;
    if (parse_config(text, "r", c, err)) {
      ++ok;
      CHECK(err.message.empty());
    } else {
      CHECK(err.message.rfind("r:", 0) == 0);
    }
  }
  CHECK(ok > 0);
}

TEST_CASE("config: jetstream_domain is one subject token, retain_replicas 1 to 5") {
  CHECK(parse_ok("jetstream_domain: hub\n").jetstream_domain == "hub");
  CHECK(parse_err("jetstream_domain: a.b\n") == "test.conf:1: invalid jetstream_domain 'a.b': it contains '.'");
  CHECK(parse_err("jetstream_domain: a*\n")
            .find("test.conf:1: invalid jetstream_domain 'a*': it contains the wildcard") == 0);
  CHECK(parse_ok("retain_replicas: 3\n").retain_replicas == 3);
  CHECK(parse_err("retain_replicas: 7\n") == "test.conf:1: retain_replicas must be a number from 1 to 5, not '7'");
  const auto c = parse_ok("jetstream_domain: hub\nretain_replicas: 3\n");
  CHECK(parse_ok(print_config(c)) == c);
}
