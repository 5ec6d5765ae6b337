#include "core/metrics/exposition.hpp"

#include <cstdio>

namespace remaphore::core {
namespace {

// "# HELP name text" and "# TYPE name type": one family's header.
void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// One sample: `name{labels} value`; `labels` empty or `key="value"`.
void sample(std::string& out, std::string_view name, std::string_view labels, std::string_view value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ").append(value).append("\n");
}

void counter(std::string& out, std::string_view name, std::string_view help, std::uint64_t v) {
  family(out, name, "counter", help);
  sample(out, name, "", std::to_string(v));
}

void gauge(std::string& out, std::string_view name, std::string_view help, std::string_view v) {
  family(out, name, "gauge", help);
  sample(out, name, "", v);
}

void command_histogram(std::string& out, const command_durations& d) {
  // The series' names spelled out: g++ 12 warns (array-bounds) on name + suffix.
  constexpr std::string_view name = "remaphore_command_duration_seconds";
  constexpr std::string_view bucket = "remaphore_command_duration_seconds_bucket";
  family(out, name, "histogram", "How long the commands a listener ran took, from start to exit.");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < command_duration_buckets.size(); ++i) {
    cumulative += d.in_bucket[i];
    char le[32];
    std::snprintf(le, sizeof le, "le=\"%g\"", command_duration_buckets[i]);
    sample(out, bucket, le, std::to_string(cumulative));
  }
  sample(out, bucket, "le=\"+Inf\"", std::to_string(d.count));
  sample(out, "remaphore_command_duration_seconds_sum", "", number(d.sum_seconds));
  sample(out, "remaphore_command_duration_seconds_count", "", std::to_string(d.count));
}

}  // namespace

std::string format_exposition(const listener_metrics& m, const connection_facts& c, std::string_view version) {
  std::string out;
  counter(out, "remaphore_messages_received_total", "Messages read from the subscriptions, accepted or not.",
          m.received);
  counter(out, "remaphore_messages_accepted_total", "Messages that passed every check.", m.accepted);
  family(out, "remaphore_messages_dropped_total", "counter", "Messages dropped, by the reason they were dropped.");
  for (const auto& [reason, n] : m.dropped)
    sample(out, "remaphore_messages_dropped_total", "reason=\"" + reason + "\"", std::to_string(n));
  family(out, "remaphore_commands_total", "counter", "Commands run, by their exit code.");
  for (const auto& [code, n] : m.commands_by_exit_code)
    sample(out, "remaphore_commands_total", "exit_code=\"" + std::to_string(code) + "\"", std::to_string(n));
  command_histogram(out, m.command_seconds);
  gauge(out, "remaphore_command_queue_depth", "Accepted messages waiting for their command to run.",
        std::to_string(m.queue_depth));
  counter(out, "remaphore_replies_sent_total", "Replies sent to requests.", m.replies_sent);
  counter(out, "remaphore_reconnects_total", "Times the connection to NATS was made again after a loss.", c.reconnects);
  gauge(out, "remaphore_connected", "1 while connected to a NATS server, else 0.", c.connected ? "1" : "0");
  if (m.last_accepted_unix_ns)
    gauge(out, "remaphore_last_accepted_timestamp_seconds", "When the last message was accepted (unix time).",
          number(static_cast<double>(*m.last_accepted_unix_ns) / 1e9));
  family(out, "remaphore_build_info", "gauge", "Always 1; the version of remaphore as a label.");
  sample(out, "remaphore_build_info", "version=\"" + std::string(version) + "\"", "1");
  return out;
}

}  // namespace remaphore::core
