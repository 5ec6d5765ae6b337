#include "core/lock/record.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "protocol/envelope.hpp"

namespace remaphore::core::lock {
namespace {

bool parse_payload(std::string_view text, record_fields& f) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return false;
  try {
    f.lock = j.at("lock").get<std::string>();
    f.kind = j.value("kind", std::string("slot"));
    f.slots = j.at("slots").get<unsigned>();
    f.slot = j.value("slot", 0u);
    f.token = j.value("token", std::uint64_t{0});
    f.since_ns = j.value("since", std::int64_t{0});
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  return true;
}

// Who signed, if we trust them to lock: a configured peer or one of our identities.
const std::vector<std::string>* verbs_of(const protocol::public_key& key, const protocol::config& cfg) {
  if (const auto* p = cfg.find_peer(key)) return &p->verbs;
  if (const auto* id = cfg.find_identity(key)) return &id->verbs;
  return nullptr;
}

}  // namespace

bool may_lock(const std::vector<std::string>& verbs, std::string_view lock) {
  const std::string named = std::string(lock_verb) + ":" + std::string(lock);
  return std::any_of(verbs.begin(), verbs.end(),
                     [&](const std::string& v) { return v == "*" || v == lock_verb || v == named; });
}

std::string encode_record(const protocol::identity& id, std::string_view destination,
                          const std::vector<std::uint8_t>& holder, const record_fields& f) {
  protocol::envelope_fields e;
  e.destination = destination;
  e.send_time_ns = protocol::now_unix_ns();
  e.uuid = holder;
  e.verb = lock_verb;
  e.payload = nlohmann::json{{"lock", f.lock}, {"kind", f.kind},   {"slots", f.slots},
                             {"slot", f.slot}, {"token", f.token}, {"since", f.since_ns}}
                  .dump();
  return protocol::encode(id.priv, e);
}

record_view read_record(std::string_view wire, const protocol::config& cfg) {
  record_view r;
  protocol::envelope_view env;
  if (protocol::decode(wire, env) != protocol::decode_error::ok) {
    r.why_foreign = "not a remaphore envelope";
    return r;
  }
  r.key = env.sender.to_base58();
  r.destination = env.destination;
  r.holder = protocol::hex_encode(env.uuid.data(), env.uuid.size());
  r.written_ns = env.send_time_ns;
  if (env.verb != lock_verb || !parse_payload(env.payload, r.fields)) {
    r.why_foreign = "not a lock record";
    return r;
  }
  r.readable = true;
  const auto* verbs = verbs_of(env.sender, cfg);
  if (!verbs) {
    r.why_foreign = "not a configured peer";
  } else if (!may_lock(*verbs, r.fields.lock)) {
    r.why_foreign = "a peer not allowed to lock " + r.fields.lock;
  } else if (!protocol::verify_signature(env)) {
    r.why_foreign = "bad signature";
  } else {
    r.foreign = false;
  }
  return r;
}

}  // namespace remaphore::core::lock
