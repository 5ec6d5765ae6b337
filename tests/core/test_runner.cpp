// The command runner without a server: exit codes, output bounds, the echo, and
// ending a command's process group without stalling the event loop.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>
#include <fstream>

#include "core/output_echo.hpp"
#include "core/respond/runner.hpp"
#include "support/coro.hpp"

using namespace remaphore;

namespace {

core::command_spec command(std::vector<std::string> argv) {
  core::command_spec s;
  s.argv = std::move(argv);
  return s;
}

// Running or sleeping; a zombie waiting for whoever adopted it has ended.
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, name, state;
  if (!(stat >> pid_field >> name >> state)) return false;
  return state != "Z" && state != "X";
}

}  // namespace
using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;
namespace asio = boost::asio;

TEST_CASE("runner: exit code and output, 127 for a missing program, 126 for a payload over the argument limit") {
  // Built outside the coroutine: g++ 12 cannot keep braced lists of literals in a
  // coroutine frame.
  auto exits_3 = command({"sh", "-c", "echo out; echo err >&2; exit 3"});
  auto missing_program = command({"/nonexistent/remaphore-test"});
  auto too_long = command({"true", std::string(200 * 1024, 'x')});
  test::run_coro([&](asio::io_context&) -> asio::awaitable<void> {
    auto ok = co_await core::run_command(exits_3);
    CHECK(ok.started);
    CHECK(ok.exit_code == 3);
    bool both_streams = ok.output == "out\nerr\n";
    CHECK(both_streams);
    auto missing = co_await core::run_command(missing_program);
    CHECK_FALSE(missing.started);
    CHECK(missing.exit_code == core::exit_not_found);
    auto huge = co_await core::run_command(too_long);
    CHECK_FALSE(huge.started);
    CHECK(huge.exit_code == core::exit_cannot_execute);
    bool names_limit = huge.error.find("128 KiB") != std::string::npos;
    CHECK(names_limit);
  });
}

TEST_CASE("runner: the captured output stops at its bound, the echo gets all of it") {
  char path[] = "/tmp/remaphore-echo-XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  auto spec = command({"sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x"});
  spec.max_output = 1000;
  test::run_coro([&](asio::io_context& ioc) -> asio::awaitable<void> {
    core::output_echo echo(ioc.get_executor(), fd);
    spec.echo = &echo;
    auto r = co_await (core::run_command(spec) || echo.run());
    REQUIRE(r.index() == 0);
    auto& res = std::get<0>(r);
    CHECK(res.output.size() == 1000);
    CHECK(res.truncated);
    echo.flush();
  });
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(all == std::string(100000, 'x'));
  ::close(fd);
  ::unlink(path);
}

TEST_CASE("runner: cancelling ends a command that ignores SIGTERM, while the event loop keeps running") {
  char path[] = "/tmp/remaphore-group-XXXXXX";
  REQUIRE(::mkdtemp(path));
  const std::string pidfile = std::string(path) + "/pid";
  int ticks = 0;
  // The command and a child of it ignore SIGTERM: only the SIGKILL after the grace
  // period ends them.
  auto spec = command({"sh", "-c", "trap '' TERM; sleep 30 & echo $! > " + pidfile + "; wait"});
  spec.kill_grace = 600ms;
  test::run_coro([&](asio::io_context& ioc) -> asio::awaitable<void> {
    asio::steady_timer stop(ioc, 300ms);
    auto ticker = [&]() -> asio::awaitable<void> {
      asio::steady_timer t(ioc);
      for (;;) {
        t.expires_after(20ms);
        co_await t.async_wait(asio::use_awaitable);
        ++ticks;
      }
    };
    auto cancelled_run = [&]() -> asio::awaitable<void> {
      co_await (core::run_command(spec) || stop.async_wait(asio::use_awaitable));
    };
    auto started = std::chrono::steady_clock::now();
    co_await (cancelled_run() || ticker());
    auto took = std::chrono::steady_clock::now() - started;
    CHECK(took >= 800ms);  // 300 ms until cancelled, then the whole grace period
    CHECK(took < 5s);
  });
  // 900 ms of 20 ms ticks; a loop blocked during the 600 ms grace would count ~15.
  CHECK(ticks >= 30);
  std::ifstream in(pidfile);
  pid_t child = 0;
  REQUIRE(static_cast<bool>(in >> child));
  // The command's child is gone too (SIGKILL takes a moment to be acted on).
  auto end = std::chrono::steady_clock::now() + 2s;
  while (alive(child) && std::chrono::steady_clock::now() < end) ::usleep(5000);
  CHECK_FALSE(alive(child));
  ::unlink(pidfile.c_str());
  ::rmdir(path);
}

TEST_CASE("runner: what the command left running in its group is killed when the command exits") {
  // The background sleep keeps the pipe open; the runner reads it out for a short while.
  auto leaves_one = command({"sh", "-c", "sleep 300 & echo $!"});
  pid_t left = 0;
  test::run_coro([&](asio::io_context&) -> asio::awaitable<void> {
    auto r = co_await core::run_command(leaves_one);
    CHECK(r.exit_code == 0);
    left = static_cast<pid_t>(std::atoi(r.output.c_str()));
  });
  REQUIRE(left > 0);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {  // at most 2 s for init to reap it
    gone = !alive(left);
    if (!gone) ::usleep(10'000);
  }
  CHECK(gone);
}
