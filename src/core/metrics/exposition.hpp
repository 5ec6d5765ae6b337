// A listener's metrics in the Prometheus text exposition format (version 0.0.4), as
// GET /metrics returns them. Pure: the connection's state is passed in.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "core/metrics.hpp"

namespace remaphore::core {

inline constexpr std::string_view exposition_content_type = "text/plain; version=0.0.4; charset=utf-8";

struct connection_facts {
  bool connected = false;
  std::uint64_t reconnects = 0;
};

std::string format_exposition(const listener_metrics& m, const connection_facts& c, std::string_view version);

}  // namespace remaphore::core
