#include "protocol/subjects.hpp"

#include "protocol/keys.hpp"

namespace remaphore::protocol::subjects {

std::string live(std::string_view root, const std::optional<std::string>& s) {
  std::string out(root);
  out += '.';
  out += s ? std::string_view(*s) : std::string_view("all");
  return out;
}

std::string reply(std::string_view root, const digest& request_hash) { return live(root, hex_encode(request_hash)); }

std::string discover(std::string_view root) { return std::string(root) + ".discover"; }

std::string retained(std::string_view root, const std::optional<std::string>& s, std::string_view uuid_hex,
                     std::string_view sender) {
  std::string out(root);
  out += ".retained.";
  out += s ? std::string_view(*s) : std::string_view("all");
  out += '.';
  out += uuid_hex;
  out += '.';
  out += sender;
  return out;
}

std::string retained_filter(std::string_view root, const std::optional<std::string>& s,
                            const std::optional<std::string>& uuid_hex) {
  return retained(root, s, uuid_hex ? std::string_view(*uuid_hex) : std::string_view("*"), "*");
}

std::string retained_all(std::string_view root) { return std::string(root) + ".retained.>"; }

std::string stream_name(std::string_view root) {
  if (root == "remaphore") return "REMAPHORE";
  std::string name = "REMAPHORE_";
  for (char ch : root) {
    bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    name += !alnum ? '_' : (ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 'a' + 'A') : ch;
  }
  return name;
}

std::string lock_slot(std::string_view root, std::string_view lock, unsigned slot) {
  return std::string(root) + ".lock." + std::string(lock) + ".slot." + std::to_string(slot);
}

std::string lock_ticket(std::string_view root, std::string_view lock, unsigned slots, std::string_view time_hex,
                        std::string_view id_hex) {
  return std::string(root) + ".lock." + std::string(lock) + ".wait." + std::to_string(slots) + "." +
         std::string(time_hex) + "." + std::string(id_hex);
}

std::string lock_free(std::string_view root, std::string_view lock) {
  return std::string(root) + ".lock." + std::string(lock) + ".free";
}

std::string lock_filter(std::string_view root, std::string_view lock) {
  return std::string(root) + ".lock." + std::string(lock) + ".>";
}

std::vector<std::string> lock_stream_subjects(std::string_view root) {
  return {std::string(root) + ".lock.*.slot.*", std::string(root) + ".lock.*.wait.*.*.*"};
}

std::string lock_stream_name(std::string_view root) {
  if (root == "remaphore") return "REMAPHORE-LOCK";
  return "REMAPHORE-LOCK-" + stream_name(root).substr(std::string_view("REMAPHORE_").size());
}

std::optional<std::string> why_not_lock_name(std::string_view name) {
  if (name.empty()) return "it is empty";
  if (name.size() > 64) return "it is longer than 64 characters";
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return "it may hold only a-z, 0-9, '-' and '_'";
  }
  return std::nullopt;
}

std::optional<std::string> why_not_subject(std::string_view name) {
  if (name.empty()) return "it is empty";
  if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos)
    return "it has an empty token (a leading, trailing or doubled '.')";
  for (unsigned char c : name) {
    if (c == ' ' || c == '\t') return "it contains white space";
    if (c < 0x21 || c > 0x7e) return "it contains a byte outside printable ASCII";
    if (c == '*' || c == '>') return std::string("it contains the wildcard '") + static_cast<char>(c) + "'";
  }
  return std::nullopt;
}

}  // namespace remaphore::protocol::subjects
