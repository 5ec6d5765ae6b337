// remaphore: a remote semaphore over NATS. See README.md and --help.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <exception>

#include "app/cli.hpp"
#include "app/config_load.hpp"
#include "app/modes.hpp"
#include "app/replay_record.hpp"
#include "log/log.hpp"
#include "protocol/config.hpp"
#include "protocol/keys.hpp"

using namespace remaphore;
using namespace remaphore::app;

namespace {

void print_summary(const std::string& path, const protocol::config& cfg) {
  std::printf("config %s is valid\n", path.c_str());
  for (const auto& f : cfg.lines.included) std::printf("included: %s\n", f.c_str());
  for (const auto& s : cfg.servers) std::printf("server: %s\n", s.c_str());
  std::printf("subject: %s\ndestination: %s\nidentities: %zu\npeers: %zu\n", cfg.subject.c_str(),
              cfg.destination.c_str(), cfg.identities.size(), cfg.peers.size());
  if (auto* id = cfg.effective_default_identity()) std::printf("default identity: %s\n", id->pub.to_base58().c_str());
}

// Send, request or receive on one thread; any exception that escapes is a runtime
// error with its text, never a crash.
int run_network_mode(const cli_options& cli, const protocol::config& cfg, deadline until) {
  int code = exit_runtime;
  try {
    boost::asio::io_context ioc(1);
    auto run = [&]() -> boost::asio::awaitable<int> {
      switch (cli.what) {
        case mode::send: co_return co_await run_send(cli, cfg, until);
        case mode::request: co_return co_await run_request(cli, cfg, until);
        case mode::discover: co_return co_await run_discover(cli, cfg, until);
        case mode::lock: co_return co_await run_lock(cli, cfg, until);
        case mode::lock_status: co_return co_await run_lock_status(cli, cfg, until);
        default: co_return co_await run_receive(cli, cfg, until);
      }
    };
    boost::asio::co_spawn(ioc, run(), [&](std::exception_ptr e, int rc) {
      code = rc;
      if (e) {
        code = exit_runtime;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log::error(std::string("unexpected error: ") + ex.what());
        }
      }
      ioc.stop();
    });
    ioc.run();
  } catch (const std::exception& ex) {
    log::error(std::string("unexpected error: ") + ex.what());
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  const auto started = std::chrono::steady_clock::now();
  cli_options cli;
  cli_error err;
  if (!parse_cli(argc, argv, cli, err)) {
    log::configure(log::level::info, cli.log_format);  // --log-format, if it came before the mistake
    log::error(err.message + " (see remaphore --help)");
    return exit_usage;
  }
  log::configure(log::parse_level(cli.log_level).value_or(log::level::info), cli.log_format);
  if (auto warning = misplaced_option_warning(cli)) log::warn(*warning);
  // libsodium is initialised by the first key, hash or random bytes (protocol/keys.cpp),
  // not here: its start-up probes the CPU's features, which a virtual machine traps at
  // a cost of tens of microseconds, and --version or --help need none of it.

  switch (cli.what) {
    case mode::help: std::fputs(usage_text().c_str(), stdout); return exit_ok;
    case mode::version: std::printf("remaphore %s\n", REMAPHORE_VERSION); return exit_ok;
    case mode::print_config: std::fputs(protocol::example_config().c_str(), stdout); return exit_ok;
    case mode::keygen: {
      auto kp = protocol::generate_key_pair();
      std::printf("%s %s [*]\n", kp.pub.to_base58().c_str(), kp.priv.to_base58().c_str());
      return exit_ok;
    }
    default: break;
  }

  protocol::config cfg;
  if (!load_config(cli.config_path, cfg)) return exit_usage;
  if (cli.what == mode::check_config) {
    if (!check_replay_record_place(cli.config_path, cfg)) return exit_usage;
    print_summary(cli.config_path, cfg);
    return exit_ok;
  }

  deadline until;
  if (cli.timeout) until = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(*cli.timeout);
  int code = run_network_mode(cli, cfg, until);
  std::fflush(stdout);
  return code;
}
