#include "app/cli.hpp"

#include <getopt.h>

#include <cstring>

#include "protocol/duration.hpp"

namespace remaphore::app {
namespace {

enum long_only : int {
  opt_help = 1000,
  opt_version,
  opt_log_level,
  opt_check_config,
  opt_keygen,
  opt_json,
  opt_connect_timeout,
  opt_retain,
  opt_since,
};

const option long_options[] = {
    {"send", no_argument, nullptr, 's'},
    {"request", no_argument, nullptr, 'r'},
    {"dest", required_argument, nullptr, 'D'},
    {"no-dest-filter", no_argument, nullptr, 'd'},
    {"once", no_argument, nullptr, 'o'},
    {"pubkey", required_argument, nullptr, 'p'},
    {"timeout", required_argument, nullptr, 't'},
    {"uuid", required_argument, nullptr, 'u'},
    {"verb", required_argument, nullptr, 'v'},
    {"subject", required_argument, nullptr, 'S'},
    {"config", required_argument, nullptr, 'c'},
    {"print-config", no_argument, nullptr, 'C'},
    {"count", required_argument, nullptr, 'n'},
    {"help", no_argument, nullptr, 'h'},
    {"version", no_argument, nullptr, opt_version},
    {"log-level", required_argument, nullptr, opt_log_level},
    {"check-config", no_argument, nullptr, opt_check_config},
    {"keygen", no_argument, nullptr, opt_keygen},
    {"json", no_argument, nullptr, opt_json},
    {"connect-timeout", required_argument, nullptr, opt_connect_timeout},
    {"retain", no_argument, nullptr, opt_retain},
    {"since", required_argument, nullptr, opt_since},
    {nullptr, 0, nullptr, 0},
};

// Go's flag package accepts "-t=5s": getopt hands us "=5s".
std::string value(const char* arg) {
  std::string v = arg ? arg : "";
  if (!v.empty() && v[0] == '=') v.erase(0, 1);
  return v;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    std::string item = s.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
    start = comma + 1;
  }
  return out;
}

}  // namespace

std::string usage_text() {
  return R"(usage: remaphore [options] [command...]          wait for a message (receive)
       remaphore -s [options] [payload...]          send a message
       remaphore -r [options] [payload...]          send a request, print every reply
       remaphore -C | --check-config | --keygen

Modes:
  -s, --send             send a message and return once the server has it
  -r, --request          send a request; wait for the replies of the peers whose
                         destination matches -D (default timeout 10s)
  -C, --print-config     print an example config with a fresh key pair
      --check-config     read the config, report errors (exit 2) or a summary
      --keygen           print a fresh key pair as an [ Identities ] line

Options:
  -c, --config FILE      config file (default /etc/remaphore/remaphore.conf)
  -D, --dest DEST        send: destination pattern (default **);
                         receive: accept only this exact destination
  -d, --no-dest-filter   receive: accept any destination
  -o, --once             receive: exit after the first accepted message
  -p, --pubkey KEY       send: the identity to sign with; receive: accept only this sender
  -t, --timeout DUR      give up after DUR (Go syntax: 90s, 5m, 1h30m); exit code 1
  -u, --uuid ID          send: message id; receive: accept only this id (implies -o)
  -v, --verb V[,V...]    send: the verb (default ping); receive: accept only these verbs
  -S, --subject S        use subject <root>.S instead of <root>.all
  -n, --count K          receive: wait until K distinct peers sent a matching message
      --retain           send: also keep the signal in a JetStream stream (retain_max_age,
                         default 24h) for receivers that start later
      --since DUR        receive: also accept signals retained within DUR
      --json             request: print each reply as a JSON object per line
      --connect-timeout DUR   per server (default 2s)
      --log-level L      error, warn, info (default) or debug; logs go to stderr
  -h, --help             this text
      --version          print the version

A receiver runs its command as `command... VERB PAYLOAD` (never through a shell) with
REMAPHORE_SENDER, REMAPHORE_VERB, REMAPHORE_TIME, REMAPHORE_UUID, REMAPHORE_MSG and
REMAPHORE_DESTMATCH set.

Exit codes: 0 received / sent; 1 nothing before the timeout; 2 usage or config error;
3 runtime error (cannot connect, auth refused); 130/143 interrupted (SIGINT/SIGTERM).
)";
}

bool parse_cli(int argc, char** argv, cli_options& out, cli_error& err) {
  bool send = false, request = false;
  bool print_config = false, check_config = false, keygen = false, help = false, version = false;
  optind = 0;  // reset getopt (also makes GNU getopt re-read "+")
  opterr = 0;
  for (;;) {
    int idx = 0;
    int c = getopt_long(argc, argv, "+srD:dop:t:u:v:S:c:Cn:h", long_options, &idx);
    if (c == -1) break;
    std::string v = value(optarg);
    switch (c) {
      case 's': send = true; break;
      case 'r': request = true; break;
      case 'D': out.dest = v; break;
      case 'd': out.no_dest_filter = true; break;
      case 'o': out.once = true; break;
      case 'p': out.pubkey = v; break;
      case 't': {
        auto d = protocol::parse_duration(v);
        if (!d || d->count() < 0) {
          err.message = "invalid duration for -t: '" + v + "' (examples: 30s, 5m, 1h30m)";
          return false;
        }
        out.timeout = *d;
        break;
      }
      case 'u': out.uuid = v; break;
      case 'v': {
        auto list = split_list(v);
        if (list.empty()) {
          err.message = "-v needs at least one verb";
          return false;
        }
        for (auto& x : list) out.verbs.push_back(x);
        break;
      }
      case 'S': out.subject = v; break;
      case 'c': out.config_path = v; break;
      case 'C': print_config = true; break;
      case 'n': {
        char* end = nullptr;
        unsigned long n = std::strtoul(v.c_str(), &end, 10);
        if (v.empty() || *end != '\0' || n == 0 || n > 1000000) {
          err.message = "invalid count for -n: '" + v + "' (a number from 1)";
          return false;
        }
        out.count = static_cast<unsigned>(n);
        break;
      }
      case 'h': help = true; break;
      case opt_version: version = true; break;
      case opt_log_level:
        if (v != "error" && v != "warn" && v != "info" && v != "debug") {
          err.message = "invalid --log-level '" + v + "' (error, warn, info, debug)";
          return false;
        }
        out.log_level = v;
        break;
      case opt_check_config: check_config = true; break;
      case opt_keygen: keygen = true; break;
      case opt_json: out.json = true; break;
      case opt_retain: out.retain = true; break;
      case opt_since: {
        auto d = protocol::parse_duration(v);
        if (!d || d->count() <= 0) {
          err.message = "invalid duration for --since: '" + v + "' (examples: 10m, 2h)";
          return false;
        }
        out.since = *d;
        break;
      }
      case opt_connect_timeout: {
        auto d = protocol::parse_duration(v);
        if (!d || d->count() <= 0) {
          err.message = "invalid duration for --connect-timeout: '" + v + "'";
          return false;
        }
        out.connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
        if (out.connect_timeout.count() == 0) out.connect_timeout = std::chrono::milliseconds(1);
        break;
      }
      case '?':
      default: {
        std::string bad = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
        if (optopt && std::strchr("DptuvScn", optopt))
          err.message = std::string("option -") + static_cast<char>(optopt) + " needs a value";
        else
          err.message = "unknown option '" + bad + "'";
        return false;
      }
    }
  }
  for (int i = optind; i < argc; ++i) out.rest.emplace_back(argv[i]);

  if (send && request) {
    err.message = "-s and -r cannot be used together";
    return false;
  }
  if (help) {
    out.what = mode::help;
  } else if (version) {
    out.what = mode::version;
  } else if (print_config) {
    out.what = mode::print_config;
  } else if (keygen) {
    out.what = mode::keygen;
  } else if (check_config) {
    out.what = mode::check_config;
  } else if (send) {
    out.what = mode::send;
  } else if (request) {
    out.what = mode::request;
  } else {
    out.what = mode::receive;
  }
  if (out.retain && out.what != mode::send) {
    err.message = "--retain is for sending (-s); receivers use --since";
    return false;
  }
  if (out.dest && out.no_dest_filter && out.what == mode::receive) {
    err.message = "-D and -d cannot be used together";
    return false;
  }
  if (out.what == mode::send || out.what == mode::request) {
    if (out.verbs.size() > 1) {
      err.message = "send one verb at a time (-v takes a list only when receiving)";
      return false;
    }
    if (out.count) {
      err.message = "-n is for receiving";
      return false;
    }
    if (out.since) {
      err.message = "--since is for receiving (send with --retain)";
      return false;
    }
  }
  return true;
}

}  // namespace remaphore::app
