// What a peer's bytes look like on the operator's terminal and in the logs.
#include <doctest/doctest.h>

#include "core/request/requester.hpp"
#include "log/log.hpp"
#include "log/printable.hpp"

using namespace remaphore;

TEST_CASE("printable: controls, C1 controls, bidi overrides and invalid UTF-8 are shown escaped") {
  CHECK(log::printable("\x1b]0;owned\x07title") == "\\u001b]0;owned\\u0007title");
  CHECK(log::printable("real\rcom.example.db.9") == "real\\u000dcom.example.db.9");
  CHECK(log::printable("a\x7f"
                       "b") == "a\\u007fb");
  CHECK(log::printable("\xc2\x9b"
                       "2J") == "\\u009b2J");  // CSI as a C1 control
  CHECK(log::printable("abc\xe2\x80\xae"
                       "fed") == "abc\\u202efed");             // right-to-left override
  CHECK(log::printable("\xff\xc3") == "\\xff\\xc3");           // not UTF-8, and cut short
  CHECK(log::printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
  CHECK(log::printable("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x99\x82") == "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x99\x82");
  CHECK(log::printable("two\nlines\tand a tab") == "two\nlines\tand a tab");
  CHECK(log::printable("no\nnewline", "") == "no\\u000anewline");
  CHECK_FALSE(log::needs_escaping("plain\ttext\n"));
  CHECK(log::needs_escaping("x\ry"));
}

TEST_CASE("printable: on a terminal a reply with controls is escaped and framed, and piped it stays as it came") {
  protocol::peer p{"com.x.db.1", {}, {"*"}};
  const std::string forged = "0,real\rcom.example.db.9,0,all fine\n";
  CHECK(core::format_reply_text({&p, forged}, "M", true) ==
        "--> M\ncom.x.db.1,0,real\\u000dcom.example.db.9,0,all fine\n--< M\n");
  CHECK(core::format_reply_text({&p, forged}, "M", false) == "com.x.db.1," + forged);
  CHECK(core::format_reply_text({&p, "0,\x1b[2Jcleared"}, "M", true) ==
        "--> M\ncom.x.db.1,0,\\u001b[2Jcleared\n--< M\n");
  CHECK(core::format_reply_text({&p, "0,fine\n"}, "M", true) == "com.x.db.1,0,fine\n");
}

TEST_CASE("printable: log records show a peer's controls, and JSON records turn invalid UTF-8 into U+FFFD") {
  const std::string_view verb = "re\x1b[2Jstart";
  const log::field fields[] = {{"verb", verb}};
  const auto text = log::format_record(log::format::text, log::level::warn, "drop \x1b]0;x\x07", fields, 0);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find('\x07') == std::string::npos);
  CHECK(text.find("drop \\u001b]0;x\\u0007") != std::string::npos);
  CHECK(text.find("re\\u001b[2Jstart") != std::string::npos);
  const auto json = log::format_record(log::format::json, log::level::warn, "caf\xe9 \xc3\xa9", {}, 0);
  CHECK(json.find("caf\xef\xbf\xbd \xc3\xa9") != std::string::npos);
}
