// The requester's pure parts: who is asked, and how each reply is printed.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/request/requester.hpp"

using namespace remaphore;

TEST_CASE("requester: the peers asked are those whose destination matches, in config order") {
  protocol::config cfg;
  for (const char* d : {"com.x.db.1", "com.x.web.1", "com.x.db.2"}) cfg.peers.push_back({d, {}, {"*"}});
  auto db = core::hosts_matching(cfg, "com.x.db.*");
  REQUIRE(db.size() == 2);
  CHECK(db[0]->destination == "com.x.db.1");
  CHECK(db[1]->destination == "com.x.db.2");
  CHECK(core::hosts_matching(cfg, "**").size() == 3);
  CHECK(core::hosts_matching(cfg, "org.**").empty());
}

TEST_CASE("requester: a one-line reply is one line, several lines are framed by the marker") {
  protocol::peer p{"com.x.db.1", {}, {"*"}};
  CHECK(core::format_reply_text({&p, "0,lag 0s\n"}, "M") == "com.x.db.1,0,lag 0s\n");
  CHECK(core::format_reply_text({&p, "NO_DATA"}, "M") == "com.x.db.1,NO_DATA\n");
  CHECK(core::format_reply_text({&p, "0,a\nb\n"}, "M") == "--> M\ncom.x.db.1,0,a\nb\n--< M\n");
}

TEST_CASE("requester: --json gives one object per reply, exit code as a number, NO_DATA as nulls") {
  protocol::crypto_init();
  protocol::peer p{"com.x.db.1", protocol::generate_key_pair().pub, {"*"}};
  auto j = nlohmann::json::parse(core::format_reply_json({&p, "2,a,b\nc"}));
  CHECK(j["destination"] == "com.x.db.1");
  CHECK(j["sender"] == p.pub.to_base58());
  CHECK(j["exit_code"] == 2);
  CHECK(j["output"] == "a,b\nc");
  auto none = nlohmann::json::parse(core::format_reply_json({&p, "NO_DATA"}));
  CHECK(none["exit_code"].is_null());
  CHECK(none["output"].is_null());
  CHECK(core::format_reply_json({&p, "0,x"}).ends_with("}\n"));
}
