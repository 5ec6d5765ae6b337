// The CLI over TLS and WebSocket: a sender on ws:// and a receiver on TCP to the
// same server; a receiver on tls:// with the config's tls_ca; a wrong CA is exit 3
// with OpenSSL's reason.
#include "cli_support.hpp"
#include "support/certs.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;

TEST_CASE("cli transport: a sender on ws:// reaches a receiver on nats://, and tls:// works with tls_ca") {
  temp_dir dir;
  auto certs = make_certs(dir);
  int ws_port = free_port();
  int tls_port = free_port();
  nats_server plain("websocket {\n  listen: \"127.0.0.1:" + std::to_string(ws_port) + "\"\n  no_tls: true\n}\n");
  auto k = keygen();
  auto conf = [&](const std::string& server, const std::string& name, std::vector<std::string> extra = {}) {
    auto c = self_config(server, k, "com.example.t");
    c.extra = std::move(extra);
    return dir.write(name, c.text());
  };
  auto tcp_conf = conf(plain.url(), "tcp.conf");
  auto ws_conf = conf("ws://127.0.0.1:" + std::to_string(ws_port), "ws.conf");
  auto rx = start_receiver({"-c", tcp_conf, "-u", "over_ws", "-t", "10s", "echo", "got"});
  auto tx = run_remaphore({"-c", ws_conf, "-s", "-u", "over_ws", "via websocket"});
  INFO(tx.err);
  CHECK(tx.exit_code == 0);
  auto r = rx.wait(10s);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("got ping via websocket") != std::string::npos);

  // TLS: the server requires it; the config names our CA.
  nats_server secure("tls {\n  cert_file: \"" + certs.server_cert + "\"\n  key_file: \"" + certs.server_key + "\"\n}\n",
                     {}, tls_port);
  auto tls_conf = conf("tls://127.0.0.1:" + std::to_string(tls_port), "tls.conf", {"tls_ca: " + certs.ca});
  auto tls_rx = start_receiver({"-c", tls_conf, "-u", "over_tls", "-t", "10s"});
  CHECK(run_remaphore({"-c", tls_conf, "-s", "-u", "over_tls"}).exit_code == 0);
  CHECK(tls_rx.wait(10s).exit_code == 0);

  // A CA that did not sign the server's certificate: exit 3, and OpenSSL says why.
  auto bad_conf = conf("tls://127.0.0.1:" + std::to_string(tls_port), "bad.conf", {"tls_ca: " + certs.other_ca});
  auto bad = run_remaphore({"-c", bad_conf, "-s"});
  CHECK(bad.exit_code == 3);
  CHECK(bad.err.find("certificate verify failed") != std::string::npos);
}
