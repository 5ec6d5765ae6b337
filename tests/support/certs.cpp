#include "support/certs.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace remaphore::test {
namespace {

void run(const std::string& cmd) {
  if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

}  // namespace

test_certs make_certs(const temp_dir& dir) {
  test_certs c;
  auto f = [&](const char* name) { return dir.file(name); };
  c.ca = f("ca.pem");
  c.server_cert = f("server.pem");
  c.server_key = f("server.key");
  c.client_cert = f("client.pem");
  c.client_key = f("client.key");
  c.other_ca = f("other-ca.pem");
  auto ca = [&](const std::string& cert, const std::string& key, const std::string& cn) {
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=" + cn +
        " -keyout " + key + " -out " + cert);
  };
  auto leaf = [&](const std::string& cert, const std::string& key, const std::string& cn, const std::string& ext) {
    std::string csr = cert + ".csr", extfile = cert + ".ext";
    run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=" + cn + " -keyout " + key +
        " -out " + csr);
    std::ofstream(extfile) << ext << "\n";
    run("openssl x509 -req -in " + csr + " -CA " + c.ca + " -CAkey " + f("ca.key") +
        " -CAcreateserial -days 2 -extfile " + extfile + " -out " + cert);
  };
  ca(c.ca, f("ca.key"), "remaphore-test-ca");
  ca(c.other_ca, f("other-ca.key"), "someone-else-ca");
  leaf(c.server_cert, c.server_key, "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost");
  leaf(c.client_cert, c.client_key, "remaphore-client", "extendedKeyUsage=clientAuth");
  return c;
}

}  // namespace remaphore::test
