// `include:` in the config parser, with the files served from memory: order, paths
// relative to the including file, FILE:LINE of the included file in errors, repeated
// keys across files named in both places, cycles, and no include without a reader.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <string>

#include "protocol/config.hpp"

using namespace remaphore::protocol;

namespace {

// Serves files from a map; a pattern ending in "*.conf" matches the keys that start
// with what comes before it, in key order (as glob sorts).
struct memory_files {
  std::map<std::string, std::string> files;
  std::vector<std::string> asked;

  include_reader reader() {
    return [this](const std::string& pattern, std::vector<included_file>& out, std::string& why) {
      asked.push_back(pattern);
      if (pattern.ends_with("*.conf")) {
        const auto dir = pattern.substr(0, pattern.size() - 6);
        for (const auto& [path, text] : files)
          if (path.starts_with(dir) && path.ends_with(".conf")) out.push_back({path, path, text});
        return true;
      }
      const auto it = files.find(std::filesystem::path(pattern).lexically_normal().string());
      if (it == files.end()) {
        why = "cannot read '" + pattern + "': No such file or directory";
        return false;
      }
      out.push_back({pattern, pattern, it->second});
      return true;
    };
  }

  bool parse(const std::string& main_text, config& c, config_error& err) {
    const auto r = reader();
    return parse_config(main_text, "/etc/r/main.conf", c, err, &r);
  }
};

struct include_keys {
  key_pair a = generate_key_pair(), b = generate_key_pair(), c = generate_key_pair();
  std::string peer(const std::string& dest, const key_pair& k) const {
    return dest + " " + k.pub.to_base58() + " [*]\n";
  }
};

}  // namespace

TEST_CASE("config include: files are read where the line stands, relative to the including file, in order") {
  include_keys k;
  memory_files m;
  m.files["/etc/r/id.conf"] = "[ Identities ]\n" + k.a.pub.to_base58() + " " + k.a.priv.to_base58() + " [*]\n";
  m.files["/etc/r/peers.d/10-web.conf"] = "[ Peers ]\n" + k.peer("web.1", k.b);
  m.files["/etc/r/peers.d/20-db.conf"] = "include: ../more/db2.conf\n[ Peers ]\n" + k.peer("db.1", k.c);
  m.files["/etc/r/more/db2.conf"] = "[Peers]\n" + k.peer("db.2", k.a);
  config c;
  config_error err;
  const bool ok = m.parse("server: nats://h:4222\ninclude: id.conf\ninclude: peers.d/*.conf\n", c, err);
  INFO(err.message);
  REQUIRE(ok);
  CHECK(m.asked ==
        std::vector<std::string>{"/etc/r/id.conf", "/etc/r/peers.d/*.conf", "/etc/r/peers.d/../more/db2.conf"});
  REQUIRE(c.identities.size() == 1);
  REQUIRE(c.peers.size() == 3);
  CHECK(c.peers[0].destination == "web.1");
  CHECK(c.peers[1].destination == "db.2");  // included before the lines that follow it
  CHECK(c.peers[2].destination == "db.1");
  CHECK(c.lines.included == std::vector<std::string>{"/etc/r/id.conf", "/etc/r/peers.d/10-web.conf",
                                                     "/etc/r/peers.d/20-db.conf", "/etc/r/peers.d/../more/db2.conf"});
}

TEST_CASE("config include: errors name the included file and line, a repeat across files names both places") {
  include_keys k;
  memory_files m;
  m.files["/etc/r/bad.conf"] = "# a comment\n[ Peers ]\nweb.1 not-a-key [*]\n";
  m.files["/etc/r/p1.conf"] = "[ Peers ]\n" + k.peer("web.1", k.b);
  m.files["/etc/r/p2.conf"] = "\n[ Peers ]\n" + k.peer("web.9", k.b);
  m.files["/etc/r/subject.conf"] = "subject: other\n";
  config c;
  config_error err;
  CHECK_FALSE(m.parse("server: x\ninclude: bad.conf\n", c, err));
  CHECK(err.message == "/etc/r/bad.conf:3: invalid public key 'not-a-key'");
  CHECK_FALSE(m.parse("server: x\ninclude: p1.conf\ninclude: p2.conf\n", c, err));
  CHECK(err.message ==
        "/etc/r/p2.conf:3: peer " + k.b.pub.to_base58() + " is listed twice (first on /etc/r/p1.conf:2)");
  CHECK_FALSE(m.parse("subject: mine\ninclude: subject.conf\n", c, err));
  CHECK(err.message ==
        "/etc/r/subject.conf:1: 'subject' is given twice (first on /etc/r/main.conf:1): it takes one value");
  CHECK_FALSE(m.parse("include: subject.conf\nsubject: mine\n", c, err));
  CHECK(err.message ==
        "/etc/r/main.conf:2: 'subject' is given twice (first on /etc/r/subject.conf:1): it takes one value");
  CHECK_FALSE(m.parse("server: x\ninclude: missing.conf\n", c, err));
  CHECK(err.message ==
        "/etc/r/main.conf:2: include 'missing.conf': cannot read '/etc/r/missing.conf': No such file or directory");
}

TEST_CASE("config include: a setting an included file made is reported at its own FILE:LINE") {
  memory_files m;
  m.files["/etc/r/tls.conf"] = "\n\ntls_ca: /nowhere/ca.pem\nserver: tls://h:4222\n";
  config c;
  config_error err;
  REQUIRE(m.parse("server: nats://h:4222\ninclude: tls.conf\n", c, err));
  CHECK(c.lines.where("tls_ca", "/etc/r/main.conf") == "/etc/r/tls.conf:3: ");
  CHECK(c.lines.where_server(0, "/etc/r/main.conf") == "/etc/r/main.conf:1: ");
  CHECK(c.lines.where_server(1, "/etc/r/main.conf") == "/etc/r/tls.conf:4: ");
}

TEST_CASE("config include: a cycle is an error, and without a reader an include is refused") {
  memory_files m;
  m.files["/etc/r/a.conf"] = "include: b.conf\n";
  m.files["/etc/r/b.conf"] = "include: /etc/r/a.conf\n";
  m.files["/etc/r/self.conf"] = "include: main.conf\n";
  m.files["/etc/r/main.conf"] = "server: x\n";
  config c;
  config_error err;
  CHECK_FALSE(m.parse("server: x\ninclude: a.conf\n", c, err));
  CHECK(err.message ==
        "/etc/r/b.conf:1: include '/etc/r/a.conf': '/etc/r/a.conf' is already being read: includes must "
        "not form a cycle");
  CHECK_FALSE(m.parse("server: x\ninclude: self.conf\n", c, err));
  CHECK(err.message.find("/etc/r/self.conf:1: include 'main.conf': '/etc/r/main.conf' is already being read") == 0);
  CHECK_FALSE(parse_config("server: x\ninclude: a.conf\n", "t.conf", c, err));
  CHECK(err.message == "t.conf:2: include 'a.conf': include: is not available here");
}
