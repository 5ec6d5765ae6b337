// The receiver's decision step, without a server: what happens to each accepted
// message under -n, -o/-u, with and without a command, and at the deadline.
#include <doctest/doctest.h>

#include "core/receive/receive_policy.hpp"
#include "protocol/keys.hpp"

using namespace remaphore;
using core::action;
using core::outcome;

namespace {

core::accepted_message from(const protocol::key_pair& k, bool request = false) {
  core::accepted_message m;
  m.sender = k.pub;
  m.fields.verb = "ping";
  m.fields.request = request;
  return m;
}

}  // namespace

TEST_CASE("receive policy: a listener without a command never queues, it answers requests at once") {
  protocol::crypto_init();
  auto a = protocol::generate_key_pair();
  core::receive_policy p({.count = 0, .once = false, .has_command = false, .queue_limit = 2});
  for (int i = 0; i < 5; ++i) {
    CHECK(p.on_accepted(from(a), 100).what == action::none);
    CHECK(p.on_accepted(from(a, true), 100).what == action::handle_now);
  }
  CHECK(p.accepted() == 10);
  CHECK(p.on_deadline() == outcome::done);
}

TEST_CASE("receive policy: with a command, messages queue up to the bound, then are dropped") {
  auto a = protocol::generate_key_pair();
  core::receive_policy p({.count = 0, .once = false, .has_command = true, .queue_limit = 2});
  CHECK(p.on_accepted(from(a), 0).what == action::enqueue);
  CHECK(p.on_accepted(from(a, true), 1).what == action::enqueue);
  CHECK(p.on_accepted(from(a), 2).what == action::queue_full);
  CHECK(p.on_accepted(from(a), 1).what == action::enqueue);
}

TEST_CASE("receive policy: -o and -u finish with the first message, command or not") {
  auto a = protocol::generate_key_pair();
  for (bool command : {false, true}) {
    core::receive_policy p({.count = 0, .once = true, .has_command = command, .queue_limit = 10});
    CHECK(p.on_deadline() == outcome::timed_out);
    CHECK(p.on_accepted(from(a, true), 0).what == action::finish);
  }
}

TEST_CASE("receive policy: -n K opens at the K-th distinct sender, not the K-th message") {
  auto a = protocol::generate_key_pair(), b = protocol::generate_key_pair(), c = protocol::generate_key_pair();
  core::receive_policy p({.count = 3, .once = false, .has_command = true, .queue_limit = 10});
  CHECK(p.on_accepted(from(a), 0).what == action::none);
  CHECK(p.on_accepted(from(a), 0).what == action::none);
  CHECK(p.on_accepted(from(b, true), 0).what == action::none);  // the command waits for the barrier
  CHECK(p.peers_counted() == 2);
  CHECK(p.on_deadline() == outcome::timed_out);  // two of three is not enough
  CHECK(p.on_accepted(from(c), 0).what == action::finish);
}

TEST_CASE("receive policy: before a barrier opens, a request is answered only when there is no command") {
  auto a = protocol::generate_key_pair(), b = protocol::generate_key_pair();
  core::receive_policy p({.count = 2, .once = false, .has_command = false, .queue_limit = 10});
  CHECK(p.on_accepted(from(a, true), 0).what == action::handle_now);
  CHECK(p.on_accepted(from(a), 0).what == action::none);
  CHECK(p.on_accepted(from(b, true), 0).what == action::finish);
}

TEST_CASE("receive policy: it alone decides whether the command runs and whether the sender gets an answer") {
  auto a = protocol::generate_key_pair();
  for (bool command : {false, true})
    for (bool request : {false, true}) {
      core::receive_policy p({.count = 0, .once = true, .has_command = command, .queue_limit = 10});
      const auto d = p.on_accepted(from(a, request), 0);
      CHECK(d.what == action::finish);
      CHECK(d.how.run_command == command);
      CHECK(d.how.reply == request);
    }
}
