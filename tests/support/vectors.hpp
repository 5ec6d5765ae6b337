// The messages and config the Go tool wrote (tests/data/go-vectors.json), for the
// tests that check wire and config compatibility.
#pragma once
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>

namespace remaphore::test {

inline nlohmann::json load_go_vectors() {
  std::ifstream in(REMAPHORE_VECTORS);
  REQUIRE(in);
  return nlohmann::json::parse(in);
}

}  // namespace remaphore::test
