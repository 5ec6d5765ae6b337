#include "nats/proto/handshake.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>

#include "nats/proto/error.hpp"

namespace remaphore::nats {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

std::string server_url::text() const {
  const char* scheme = "nats";
  switch (kind) {
    case transport_kind::tcp: scheme = "nats"; break;
    case transport_kind::tls: scheme = "tls"; break;
    case transport_kind::ws: scheme = "ws"; break;
    case transport_kind::wss: scheme = "wss"; break;
  }
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return std::string(scheme) + "://" + h + ":" + std::to_string(port);
}

namespace {

// The transport a URL scheme names, and its port when the URL gives none.
bool transport_of(const std::string& scheme, transport_kind& kind, std::uint16_t& default_port) {
  static const struct {
    const char* scheme;
    transport_kind kind;
    std::uint16_t port;
  } known[] = {{"nats", transport_kind::tcp, 4222},
               {"tls", transport_kind::tls, 4222},
               {"ws", transport_kind::ws, 80},
               {"wss", transport_kind::wss, 443}};
  for (const auto& k : known) {
    if (scheme != k.scheme) continue;
    kind = k.kind;
    default_port = k.port;
    return true;
  }
  return false;
}

}  // namespace

server_url parse_server_url(std::string_view url, std::error_code& ec) {
  ec = {};
  server_url out;
  std::string text(url);
  // Bare "host:port" (as INFO connect_urls are written) is a nats:// URL.
  if (text.find("://") == std::string::npos) text = "nats://" + text;
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) {
    ec = errc::bad_url;
    return out;
  }
  const auto& u = *parsed;
  std::uint16_t default_port = 4222;
  if (!transport_of(lower(u.scheme()), out.kind, default_port)) {
    ec = errc::bad_url;
    return out;
  }
  out.host = u.host_address();  // IPv6 without brackets
  if (out.host.empty()) {
    ec = errc::bad_url;
    return out;
  }
  if (u.has_port()) {
    auto p = u.port();
    unsigned v = 0;
    auto [ptr, res] = std::from_chars(p.data(), p.data() + p.size(), v);
    if (res != std::errc{} || ptr != p.data() + p.size() || v == 0 || v > 65535) {
      ec = errc::bad_url;
      return out;
    }
    out.port = static_cast<std::uint16_t>(v);
  } else {
    out.port = default_port;
  }
  // Boost.URL 1.81 reads "h:12x" as port 12 and path "x": after an authority a
  // path must start with '/', so that is a malformed port, not a path.
  if (!u.encoded_path().empty() && u.encoded_path().front() != '/') {
    ec = errc::bad_url;
    return out;
  }
  out.path = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  if (u.has_userinfo()) {
    if (u.has_password()) {
      out.user = u.user();
      out.password = u.password();
    } else {
      out.token = u.user();
    }
  }
  return out;
}

bool parse_info(std::string_view json, server_info& out) {
  auto j = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  auto str = [&](const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto flag = [&](const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_boolean() && it->get<bool>();
  };
  auto list = [&](const char* k) {
    std::vector<std::string> v;
    auto it = j.find(k);
    if (it != j.end() && it->is_array())
      for (auto& e : *it)
        if (e.is_string()) v.push_back(e.get<std::string>());
    return v;
  };
  out.server_id = str("server_id");
  out.server_name = str("server_name");
  out.version = str("version");
  out.nonce = str("nonce");
  if (auto it = j.find("max_payload"); it != j.end() && it->is_number_unsigned())
    out.max_payload = it->get<std::size_t>();
  if (auto it = j.find("proto"); it != j.end() && it->is_number_integer()) out.proto = it->get<int>();
  out.headers = flag("headers");
  out.tls_required = flag("tls_required");
  out.tls_available = flag("tls_available");
  out.auth_required = flag("auth_required");
  out.lame_duck = flag("ldm");
  out.connect_urls = list("connect_urls");
  out.ws_connect_urls = list("ws_connect_urls");
  return true;
}

std::string build_connect(const connect_params& p, const auth& a, const server_info& info) {
  nlohmann::json j = {
      {"verbose", false},
      {"pedantic", false},
      {"tls_required", p.tls_required},
      {"name", p.name},
      {"lang", p.lang},
      {"version", p.version},
      {"protocol", 1},
      {"echo", p.echo},
      {"headers", info.headers},
      {"no_responders", info.headers},
  };
  if (!a.jwt.empty()) j["jwt"] = a.jwt;
  if (!a.nkey_public.empty() && a.jwt.empty()) j["nkey"] = a.nkey_public;
  if ((!a.jwt.empty() || !a.nkey_public.empty()) && a.sign_nonce && !info.nonce.empty())
    j["sig"] = a.sign_nonce(info.nonce);
  if (!a.token.empty()) j["auth_token"] = a.token;
  if (!a.user.empty()) j["user"] = a.user;
  if (!a.password.empty()) j["pass"] = a.password;
  return j.dump();
}

bool is_auth_error(std::string_view err_text) {
  std::string t = lower(err_text);
  return t.find("authorization violation") != std::string::npos ||
         t.find("authentication expired") != std::string::npos ||
         t.find("authorization timeout") != std::string::npos ||
         t.find("account authentication expired") != std::string::npos ||
         t.find("authentication revoked") != std::string::npos;
}

bool is_soft_error(std::string_view err_text) {
  std::string t = lower(err_text);
  return t.starts_with("permissions violation") || t.starts_with("invalid subject");
}

}  // namespace remaphore::nats
