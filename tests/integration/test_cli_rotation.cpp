// End-to-end test of a key rotation without a flag day: host web.1 moves from key
// OLD to key NEW in three steps (add NEW everywhere, switch web.1 to it, remove OLD),
// and at every step an operator's request to all three listeners and a send from
// web.1 to the others go through: every reply printed once (web.1 counted once,
// whichever key it signed with), every command run once, nothing dropped. Also: a
// destination listed with two keys but different verbs is refused with FILE:LINE.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "cli_support.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace std::chrono_literals;

namespace {

struct fleet {
  nats_server& server;
  temp_dir dir;
  key_pair op, old_key, new_key, two, three;
  std::map<std::string, child> listeners;

  explicit fleet(nats_server& s) : server(s) {
    auto k = keygen(5);
    op = k[0], old_key = k[1], new_key = k[2], two = k[3], three = k[4];
  }

  // web.1's keys as the others list them, at this step.
  std::vector<std::string> web1_lines(bool with_old, bool with_new) const {
    std::vector<std::string> out;
    if (with_old) out.push_back(peer_line("web.1", old_key));
    if (with_new) out.push_back(peer_line("web.1", new_key));
    return out;
  }

  std::string operator_config(bool with_old, bool with_new) {
    config_text c;
    c.server = server.url();
    c.identities = {identity_line(op)};
    c.peers = concat(web1_lines(with_old, with_new), {peer_line("web.2", two), peer_line("web.3", three)});
    return dir.write("op.conf", c.text());
  }

  // web.1 holds the keys it has, and signs with `signs`.
  std::string web1_config(const std::vector<key_pair>& keys, const key_pair& signs) {
    config_text c;
    c.server = server.url();
    c.destination = "web.1";
    c.default_identity = signs.pub;
    for (const auto& k : keys) c.identities.push_back(identity_line(k));
    c.peers = {peer_line("ops", op)};
    return dir.write("web.1.conf", c.text());
  }

  std::string other_config(const std::string& destination, const key_pair& self, bool with_old, bool with_new) {
    config_text c;
    c.server = server.url();
    c.destination = destination;
    c.identities = {identity_line(self)};
    c.peers = concat({peer_line("ops", op)}, web1_lines(with_old, with_new));
    return dir.write(destination + ".conf", c.text());
  }

  // (Re)starts a listener that appends "<verb> <payload>" to a file of its own.
  void listen(const std::string& destination, const std::string& config) {
    listeners.erase(destination);
    const auto log = dir.file(destination + ".ran");
    listeners.emplace(destination,
                      start_receiver({"-c", config, "sh", "-c", "echo \"$1 $2\" >> " + log + "; echo ok", "--"}));
  }

  std::size_t ran(const std::string& destination, const std::string& line) {
    return count_of(slurp(dir.file(destination + ".ran")), line + "\n");
  }

  // The request and the sends of one step, checked.
  void check_step(const std::string& step, const std::string& web1_conf, const std::string& op_conf) {
    INFO("step: ", step);
    auto r = run_remaphore({"-c", op_conf, "-r", "--require-all", "-t", "5s", "-v", "status", step});
    INFO("request stdout:\n", r.out, "\nrequest stderr:\n", r.err);
    CHECK(r.exit_code == 0);
    CHECK(count_of(r.out, "web.1,0,ok\n") == 1);
    CHECK(count_of(r.out, "web.2,0,ok\n") == 1);
    CHECK(count_of(r.out, "web.3,0,ok\n") == 1);
    CHECK(count_of(r.out, "\n") == 3);
    CHECK(r.err.find("3 asked, 3 answered") != std::string::npos);

    auto s = run_remaphore({"-c", web1_conf, "-s", "-D", "web.*", "-v", "ping", "from-web1-" + step});
    CHECK(s.exit_code == 0);
    for (const char* d : {"web.2", "web.3"}) {
      CHECK(wait_until([&] { return ran(d, "ping from-web1-" + step) == 1; }, event_bound));
      CHECK(ran(d, "status " + step) == 1);
    }
    CHECK(ran("web.1", "status " + step) == 1);
  }
};

}  // namespace

TEST_CASE(
    "cli: a key rotation across three listeners: add the new key, switch, remove the old - nothing lost or doubled") {
  nats_server server;
  fleet f(server);

  // 0. Before: web.1 signs with OLD, everyone knows only OLD.
  auto op = f.operator_config(true, false);
  auto web1 = f.web1_config({f.old_key}, f.old_key);
  f.listen("web.1", web1);
  f.listen("web.2", f.other_config("web.2", f.two, true, false));
  f.listen("web.3", f.other_config("web.3", f.three, true, false));
  f.check_step("before", web1, op);

  // 1. NEW is added everywhere; web.1 holds both and still signs with OLD.
  op = f.operator_config(true, true);
  web1 = f.web1_config({f.old_key, f.new_key}, f.old_key);
  f.listen("web.1", web1);
  f.listen("web.2", f.other_config("web.2", f.two, true, true));
  f.listen("web.3", f.other_config("web.3", f.three, true, true));
  f.check_step("added", web1, op);

  // 2. web.1 signs with NEW; the others still list OLD too. A discovery shows the switch.
  web1 = f.web1_config({f.old_key, f.new_key}, f.new_key);
  f.listen("web.1", web1);
  f.check_step("switched", web1, op);
  auto d = run_remaphore({"-c", op, "--discover", "-D", "web.1", "-t", "5s"});
  CHECK(d.exit_code == 0);
  CHECK(d.out.find("web.1 key=" + f.new_key.pub + " ") == 0);
  CHECK(d.err.find("1 expected, 1 answered") != std::string::npos);

  // 3. OLD is removed everywhere.
  op = f.operator_config(false, true);
  web1 = f.web1_config({f.new_key}, f.new_key);
  f.listen("web.1", web1);
  f.listen("web.2", f.other_config("web.2", f.two, false, true));
  f.listen("web.3", f.other_config("web.3", f.three, false, true));
  f.check_step("removed", web1, op);

  // And a host that still signs with the removed key is no longer heard.
  auto stale = run_remaphore({"-c", f.web1_config({f.old_key}, f.old_key), "-s", "-D", "web.*", "stale"});
  CHECK(stale.exit_code == 0);
  CHECK(f.listeners.at("web.2").wait_stderr("sender is not a configured peer", event_bound));
  CHECK(f.ran("web.2", "ping stale") == 0);
}

TEST_CASE("cli: one destination with two keys and different verbs is refused, naming both lines") {
  temp_dir dir;
  auto k = keygen(3);
  config_text c;
  c.server = "nats://127.0.0.1:1";
  c.identities = {identity_line(k[0])};
  c.peers = {peer_line("web.1", k[1], "ping"), peer_line("web.1", k[2], "*")};
  const auto path = dir.write("c.conf", c.text());
  auto r = run_remaphore({"-c", path, "--check-config"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(path + ":8: peer web.1 is listed with another key on line 7 (one host, two keys: a key rotation) "
                          "but with other verbs") != std::string::npos);
}
