// The reference topology of the README: a hub server with JetStream, and one leaf
// server per site (no JetStream of their own), hosts connected to their own site's
// leaf. A send from site A releases a receiver at site B; a request from the hub
// reaches both sites; while site B is cut off (its leaf server down), a signal retained from
// site A is kept in the hub's stream, and a --since receiver at B started after the
// link is back gets it. The sites reach the hub's JetStream by its domain
// (jetstream_domain: hub). Labelled "cluster" (tools/test --quick leaves it out).
#include <string>
#include <thread>

#include "integration/cli_support.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;

namespace {

struct sites {
  int leaf_port = fixed_port();
  nats_server hub{"server_name: hub\njetstream {\n  domain: hub\n}\nleafnodes {\n  listen: 127.0.0.1:" +
                      std::to_string(leaf_port) + "\n}\n",
                  {"-sd", "{{DIR}}/js"}};
  nats_server leaf_a{leaf_config("a", "nats-leaf://127.0.0.1:" + std::to_string(leaf_port))};
  nats_server leaf_b{leaf_config("b", "nats-leaf://127.0.0.1:" + std::to_string(leaf_port)), {}, fixed_port()};

  static std::string leaf_config(const std::string& name, const std::string& hub_url) {
    return "server_name: leaf_" + name + "\nleafnodes {\n  reconnect: 1\n  remotes: [ { url: \"" + hub_url +
           "\" } ]\n}\n";
  }
};

// Whether a receiver on `to` waiting for `uuid` is released by sends from `from`. A
// subscription made at one site reaches the other sites' servers a moment after the
// receiver is ready (interest crosses the leaf links asynchronously), so the signal is
// sent every 100 ms until the receiver has it (bounded).
bool released(const std::string& from, const std::string& to, const std::string& uuid) {
  auto rx = spawn({"-c", to, "-o", "-u", uuid, "-t", "10s"});
  if (!rx.wait_stderr("ready:", ready_bound)) return false;
  for (int i = 0; i < 50 && rx.running(); ++i) {
    run_remaphore({"-c", from, "-s", "-u", uuid, "-D", "site.b.*", "go"});
    std::this_thread::sleep_for(100ms);
  }
  return rx.wait(run_bound).exit_code == 0;
}

}  // namespace

TEST_CASE(
    "leaf sites: a send crosses sites, a request from the hub reaches both, retained signals wait out a cut link") {
  sites s;
  temp_dir dir;
  auto keys = keygen(3);
  auto &host_a = keys[0], &host_b = keys[1], &ops = keys[2];
  auto node = [&](const std::string& server, const key_pair& self, const std::string& destination) {
    config_text c;
    c.server = server;
    c.destination = destination;
    c.identities = {identity_line(self)};
    c.peers = {peer_line("site.a.host", host_a), peer_line("site.b.host", host_b), peer_line("hub.ops", ops)};
    c.extra = {"jetstream_domain: hub"};  // the streams are the hub's, also from a site
    return dir.write(destination + ".conf", c.text());
  };
  const auto a = node(s.leaf_a.url(), host_a, "site.a.host");
  const auto b = node(s.leaf_b.url(), host_b, "site.b.host");
  const auto hub = node(s.hub.url(), ops, "hub.ops");
  // A send from site A releases a receiver at site B.
  CHECK(released(a, b, "deploy_done"));

  // A request from the hub reaches a responder at each site.
  auto resp_a = start_receiver({"-c", a, "echo", "at-a"});
  auto resp_b = start_receiver({"-c", b, "echo", "at-b"});
  auto req = run_remaphore({"-c", hub, "-r", "--require-all", "-D", "site.*.host", "-t", "10s"});
  INFO("request stdout:\n", req.out, "\nstderr:\n", req.err);
  CHECK(req.exit_code == 0);
  CHECK(req.out.find("site.a.host,0,at-a ping") != std::string::npos);
  CHECK(req.out.find("site.b.host,0,at-b ping") != std::string::npos);

  // Site B cut off: a signal retained from site A goes to the hub's stream; site B's
  // receivers, started once the link is back, read it from there.
  s.leaf_b.kill9();  // site B is cut off: its server, and so its link, is gone
  auto kept = run_remaphore({"-c", a, "-s", "--retain", "-u", "while_cut", "-D", "site.b.*", "kept"}, 60s);
  CHECK_MESSAGE(kept.exit_code == 0, kept.err);
  s.leaf_b.start();  // back: its link to the hub is made again
  const bool back = released(a, b, "link_back");
  REQUIRE_MESSAGE(back, "leaf B:\n" << slurp(s.leaf_b.dir() + "/server.log"));
  auto late = run_remaphore({"-c", b, "-o", "-u", "while_cut", "--since", "5m", "-t", "10s"});
  CHECK_MESSAGE(late.exit_code == 0, late.err);
}
