#include "workload/Options.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cmath>
#include <functional>
#include <map>

#include "net/InetAddress.h"
#include "workload/Format.h"
#include "workload/Payload.h"
#include "workload/WorkloadSpec.h"

namespace rs {

namespace {

namespace L = workload_limits;

// A tiny table-driven parser: "--name value", "--name=value" and flags.
struct OptionSpec {
  bool takesValue;
  std::function<bool(std::string_view value, std::string* error)> apply;
};

bool parseUnsigned(std::string_view name, std::string_view text, uint64_t min, uint64_t max, uint64_t* out,
                   std::string* error) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) {
    *error = std::string(name) + ": '" + std::string(text) + "' is not a whole number";
    return false;
  }
  if (v < min || v > max) {
    *error = std::string(name) + ": " + std::string(text) + " is out of range (" + std::to_string(min) + "-" +
             std::to_string(max) + ")";
    return false;
  }
  *out = v;
  return true;
}

// A finite number in [min, max]; `zeroOk` also accepts exactly 0 below min
// (for options where 0 means "off").
bool parseDouble(std::string_view name, std::string_view text, double min, double max, double* out,
                 std::string* error, bool zeroOk = false) {
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v)) {
    *error = std::string(name) + ": '" + std::string(text) + "' is not a number";
    return false;
  }
  if ((v < min && !(zeroOk && v == 0)) || v > max) {
    *error = std::string(name) + ": " + std::string(text) + " is out of range (" +
             (zeroOk && min > 0 ? "0 or " : "") + formatNumber(min) + "-" + formatNumber(max) + ")";
    return false;
  }
  *out = v;
  return true;
}

bool parseSize(std::string_view name, std::string_view text, uint64_t min, uint64_t max, uint64_t* out,
               std::string* error) {
  auto v = parseByteSize(text);
  if (!v) {
    *error = std::string(name) + ": '" + std::string(text) + "' is not a size (e.g. 64, 4K, 1MiB)";
    return false;
  }
  if (*v < min || *v > max) {
    *error = std::string(name) + ": " + std::string(text) + " is out of range (" + std::to_string(min) + "-" +
             std::to_string(max) + " bytes)";
    return false;
  }
  *out = *v;
  return true;
}

// A byte-size option ("64K", 0 allowed) stored in a size_t field.
OptionSpec sizeOption(std::string_view name, uint64_t max, size_t* field) {
  return {true, [name, max, field](std::string_view v, std::string* e) {
            uint64_t n;
            if (!parseSize(name, v, 0, max, &n, e)) return false;
            *field = static_cast<size_t>(n);
            return true;
          }};
}

// Runs the table over args; positional arguments go to `positional`.
bool runTable(const std::vector<std::string>& args, const std::map<std::string, OptionSpec, std::less<>>& table,
              std::vector<std::string>* positional, std::string* error, bool ignoreUnknown = false) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a.size() < 2 || a.substr(0, 2) != "--") {
      if (!a.empty() && a[0] == '-' && a != "-" && a != "-h") {
        if (ignoreUnknown) continue;
        *error = "unknown option '" + std::string(a) + "'";
        return false;
      }
      if (a == "-h") a = "--help";
      else {
        positional->emplace_back(a);
        continue;
      }
    }
    std::string_view name = a;
    std::optional<std::string_view> inlineValue;
    if (const size_t eq = a.find('='); eq != std::string_view::npos) {
      name = a.substr(0, eq);
      inlineValue = a.substr(eq + 1);
    }
    auto it = table.find(name);
    if (it == table.end()) {
      if (ignoreUnknown) continue;
      *error = "unknown option '" + std::string(name) + "' (see --help)";
      return false;
    }
    std::string_view value;
    if (it->second.takesValue) {
      if (inlineValue) {
        value = *inlineValue;
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        *error = std::string(name) + " needs a value";
        return false;
      }
    } else if (inlineValue) {
      *error = std::string(name) + " takes no value";
      return false;
    }
    if (!it->second.apply(value, error)) return false;
  }
  return true;
}

// --mode echo|discard|source, for the server's own mode and the client's idea of it.
OptionSpec modeOption(EchoServerConfig::Mode* field) {
  return {true, [field](std::string_view v, std::string* e) {
            const auto mode = parseServerMode(v);
            if (!mode) {
              *e = "--mode: '" + std::string(v) + "' is not one of echo, discard, source";
              return false;
            }
            *field = *mode;
            return true;
          }};
}

void addServerOptions(std::map<std::string, OptionSpec, std::less<>>& t, EchoServerConfig* c) {
  t["--mode"] = modeOption(&c->mode);
  t["--max-connections"] = {true, [c](std::string_view v, std::string* e) {
                              uint64_t n;
                              if (!parseUnsigned("--max-connections", v, 0, L::kMaxServerConnections, &n, e)) return false;
                              c->maxConnections = static_cast<int>(n);
                              return true;
                            }};
  t["--delay"] = {true, [c](std::string_view v, std::string* e) {
                    uint64_t n;
                    if (!parseUnsigned("--delay", v, 0, L::kMaxResponseDelayMs, &n, e)) return false;
                    c->responseDelayMs = static_cast<int>(n);
                    return true;
                  }};
  t["--read-high-watermark"] = sizeOption("--read-high-watermark", L::kMaxReadHighWatermarkBytes, &c->readHighWatermark);
  t["--output-cap"] = sizeOption("--output-cap", L::kMaxOutputCapBytes, &c->outputCapBytes);
  t["--memory-budget"] = sizeOption("--memory-budget", L::kMaxMemoryBudgetBytes, &c->memoryBudgetBytes);
  t["--idle-timeout"] = {true, [c](std::string_view v, std::string* e) {
                           double sec = 0;
                           if (!parseDouble("--idle-timeout", v, L::kMinIdleTimeoutSec, L::kMaxIdleTimeoutSec, &sec, e, true)) return false;
                           c->idleTimeoutMs = sec > 0 ? std::max(1, static_cast<int>(std::lround(sec * 1000))) : 0;
                           return true;
                         }};
  t["--backlog"] = {true, [c](std::string_view v, std::string* e) {
                      uint64_t n;
                      if (!parseUnsigned("--backlog", v, 1, L::kMaxBacklog, &n, e)) return false;
                      c->backlog = static_cast<int>(n);
                      return true;
                    }};
}

struct ClientFlagsGiven {
  bool count = false, duration = false, slowReaderRate = false, rstEvery = false;
};

void addClientOptions(std::map<std::string, OptionSpec, std::less<>>& t, LoadClientConfig* c, ClientFlagsGiven* given) {
  bool* countGiven = &given->count;
  bool* durationGiven = &given->duration;
  t["--connections"] = {true, [c](std::string_view v, std::string* e) {
                          uint64_t n;
                          if (!parseUnsigned("--connections", v, L::kMinClientConnections, L::kMaxClientConnections, &n, e)) return false;
                          c->connections = static_cast<int>(n);
                          return true;
                        }};
  t["--size"] = {true, [c](std::string_view v, std::string* e) {
                   uint64_t n;
                   if (!parseSize("--size", v, 1, L::kMaxMessageSizeBytes, &n, e)) return false;
                   c->messageSize = static_cast<size_t>(n);
                   return true;
                 }};
  t["--payload"] = {true, [c](std::string_view v, std::string* e) {
                      return Payload::parseSpec(v, &c->payload, &c->payloadSpec, e);
                    }};
  t["--seed"] = {true, [c](std::string_view v, std::string* e) {
                   return parseUnsigned("--seed", v, 0, UINT64_MAX, &c->seed, e);
                 }};
  t["--rate"] = {true, [c](std::string_view v, std::string* e) {
                   if (!parseDouble("--rate", v, LoadClientConfig::kMinRate, LoadClientConfig::kMaxRate, &c->rate, e,
                                    true))
                     return false;
                   c->loopMode = c->rate > 0 ? LoadClientConfig::LoopMode::Open : LoadClientConfig::LoopMode::Closed;
                   return true;
                 }};
  t["--connect-rate"] = {true, [c](std::string_view v, std::string* e) {
                           return parseDouble("--connect-rate", v, LoadClientConfig::kMinRate,
                                              LoadClientConfig::kMaxRate, &c->connectRate, e, true);
                         }};
  t["--duration"] = {true, [c, durationGiven](std::string_view v, std::string* e) {
                       *durationGiven = true;
                       return parseDouble("--duration", v, 0, LoadClientConfig::kMaxDurationSec, &c->durationSec, e);
                     }};
  t["--count"] = {true, [c, countGiven](std::string_view v, std::string* e) {
                    *countGiven = true;
                    return parseUnsigned("--count", v, 1, UINT64_MAX, &c->messageCount, e);
                  }};
  t["--timeout"] = {true, [c](std::string_view v, std::string* e) {
                      double s;
                      if (!parseDouble("--timeout", v, L::kMinTimeoutSec, LoadClientConfig::kMaxTimeoutSec, &s, e)) return false;
                      c->timeout = static_cast<Nanos>(s * 1e9);
                      return true;
                    }};
  t["--slow-reader-rate"] = {true, [c, given](std::string_view v, std::string* e) {
                               given->slowReaderRate = true;
                               return parseSize("--slow-reader-rate", v, 1, L::kMaxSlowReaderBytesPerSec,
                                                &c->slowReaderBytesPerSec, e);
                             }};
  t["--rst-every"] = {true, [c, given](std::string_view v, std::string* e) {
                        given->rstEvery = true;
                        return parseDouble("--rst-every", v, 0, L::kMaxRstIntervalSec, &c->rstIntervalSec, e);
                      }};
  t["--fault"] = {true, [c](std::string_view v, std::string* e) {
                    const auto fault = parseFault(v);
                    if (!fault) {
                      *e = "--fault: '" + std::string(v) + "' is not one of slow-reader, half-close, rst, closed-port";
                      return false;
                    }
                    c->fault = *fault;
                    return true;
                  }};
}

// --count alone means "until the count"; --duration alone or neither: 10 s.
// An option given that the chosen fault would silently ignore is a usage
// error; every rule about the values themselves is validate()'s.
bool settleClient(LoadClientConfig* c, const ClientFlagsGiven& given, std::string* error) {
  if (given.count && !given.duration) c->durationSec = 0;
  const bool slow = c->fault == LoadClientConfig::Fault::SlowReader;
  if (given.slowReaderRate && !slow) {
    *error = "--slow-reader-rate only applies with --fault slow-reader";
    return false;
  }
  if (given.rstEvery && c->fault != LoadClientConfig::Fault::AbortRst) {
    *error = "--rst-every only applies with --fault rst";
    return false;
  }
  return true;
}

bool applyTarget(std::string_view text, std::string* host, uint16_t* port, std::string* error, bool allowZero) {
  auto addr = InetAddress::parseHostPort(text, error, allowZero);
  if (!addr) return false;
  if (!addr->isLoopback()) {
    *error = "'" + std::string(text) + "': only loopback targets are allowed (127.0.0.0/8, ::1, localhost)";
    return false;
  }
  *host = addr->ip();
  *port = addr->port();
  return true;
}

}  // namespace

std::optional<uint64_t> parseByteSize(std::string_view text) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc()) return std::nullopt;
  std::string_view suffix(p, static_cast<size_t>(text.data() + text.size() - p));
  uint64_t mult = 1;
  if (suffix.empty() || suffix == "B") mult = 1;
  else if (suffix == "K" || suffix == "k" || suffix == "KiB" || suffix == "KB") mult = 1024;
  else if (suffix == "M" || suffix == "m" || suffix == "MiB" || suffix == "MB") mult = 1024 * 1024;
  else if (suffix == "G" || suffix == "g" || suffix == "GiB" || suffix == "GB") mult = uint64_t{1} << 30;
  else return std::nullopt;
  if (v > UINT64_MAX / mult) return std::nullopt;
  return v * mult;
}

std::optional<ServerCommand> parseServerArgs(const std::vector<std::string>& args, std::string* error) {
  ServerCommand cmd;
  std::map<std::string, OptionSpec, std::less<>> t;
  addServerOptions(t, &cmd.config);
  t["--bind"] = {true, [&cmd](std::string_view v, std::string* e) {
                   auto a = InetAddress::resolve(v, 0, e);
                   if (!a) return false;
                   if (!a->isLoopback()) {
                     *e = "--bind " + std::string(v) + ": only loopback addresses are allowed (127.0.0.0/8, ::1, localhost)";
                     return false;
                   }
                   cmd.config.bindAddress = a->ip();
                   return true;
                 }};
  t["--port"] = {true, [&cmd](std::string_view v, std::string* e) {
                   auto p = InetAddress::parsePort(v, e, true);
                   if (!p) return false;
                   cmd.config.port = *p;
                   return true;
                 }};
  t["--duration"] = {true, [&cmd](std::string_view v, std::string* e) {
                       return parseDouble("--duration", v, 0, LoadClientConfig::kMaxDurationSec, &cmd.durationSec, e);
                     }};
  t["--json"] = {false, [&cmd](std::string_view, std::string*) { return cmd.json = true; }};
  t["--help"] = {false, [&cmd](std::string_view, std::string*) { return cmd.help = true; }};
  std::vector<std::string> positional;
  if (!runTable(args, t, &positional, error)) return std::nullopt;
  if (!positional.empty()) {
    *error = "server: unexpected argument '" + positional[0] + "'";
    return std::nullopt;
  }
  if (cmd.help) return cmd;
  if (std::string problem = validate(cmd.config); !problem.empty()) {
    *error = std::move(problem);
    return std::nullopt;
  }
  return cmd;
}

std::optional<ClientCommand> parseClientArgs(const std::vector<std::string>& args, std::string* error) {
  ClientCommand cmd;
  ClientFlagsGiven given;
  std::map<std::string, OptionSpec, std::less<>> t;
  addClientOptions(t, &cmd.config, &given);
  t["--mode"] = modeOption(&cmd.config.serverMode);
  t["--json"] = {false, [&cmd](std::string_view, std::string*) { return cmd.json = true; }};
  t["--help"] = {false, [&cmd](std::string_view, std::string*) { return cmd.help = true; }};
  std::vector<std::string> positional;
  if (!runTable(args, t, &positional, error)) return std::nullopt;
  if (cmd.help) return cmd;
  if (positional.empty()) {
    *error = "client: missing target HOST:PORT";
    return std::nullopt;
  }
  if (positional.size() > 1) {
    *error = "client: unexpected argument '" + positional[1] + "'";
    return std::nullopt;
  }
  const bool closedPort = cmd.config.fault == LoadClientConfig::Fault::ClosedPort;
  if (!applyTarget(positional[0], &cmd.config.host, &cmd.config.port, error, closedPort)) return std::nullopt;
  if (!settleClient(&cmd.config, given, error)) return std::nullopt;
  if (std::string problem = validate(cmd.config); !problem.empty()) {
    *error = std::move(problem);
    return std::nullopt;
  }
  return cmd;
}

std::optional<AppCommand> parseAppArgs(const std::vector<std::string>& args, std::string* error, bool ignoreUnknown) {
  AppCommand cmd;
  EchoServerConfig server;
  LoadClientConfig client;
  bool wantServer = false, wantClient = false;
  ClientFlagsGiven given;
  // A server or client option without --server / --client would be silently
  // ignored: remember the first one of each to refuse it below.
  std::string firstServerOption, firstClientOption;
  std::map<std::string, OptionSpec, std::less<>> serverOptions, clientOptions, t;
  addServerOptions(serverOptions, &server);
  addClientOptions(clientOptions, &client, &given);
  for (auto& [options, first] : {std::pair{&serverOptions, &firstServerOption}, {&clientOptions, &firstClientOption}})
    for (auto& [name, spec] : *options)
      t[name] = {spec.takesValue, [apply = spec.apply, optionName = name, first = first](std::string_view v,
                                                                                       std::string* e) {
                   if (first->empty()) *first = optionName;
                   return apply(v, e);
                 }};
  t["--server"] = {true, [&](std::string_view v, std::string* e) {
                     wantServer = true;
                     return applyTarget(v, &server.bindAddress, &server.port, e, true);
                   }};
  t["--client"] = {true, [&](std::string_view v, std::string* e) {
                     wantClient = true;
                     return applyTarget(v, &client.host, &client.port, e, false);
                   }};
  t["--help"] = {false, [&cmd](std::string_view, std::string*) { return cmd.help = true; }};
  std::vector<std::string> positional;
  if (!runTable(args, t, &positional, error, ignoreUnknown)) return std::nullopt;
  if (!positional.empty() && !ignoreUnknown) {
    *error = "unexpected argument '" + positional[0] + "'";
    return std::nullopt;
  }
  if (!wantServer && !firstServerOption.empty()) {
    *error = firstServerOption + " is a server option: add --server ADDR:PORT";
    return std::nullopt;
  }
  if (!wantClient && !firstClientOption.empty()) {
    *error = firstClientOption + " is a client option: add --client HOST:PORT";
    return std::nullopt;
  }
  if (wantClient && !settleClient(&client, given, error)) return std::nullopt;
  // The launch options are judged like the CLI's, by validate().
  if (std::string problem = wantServer ? validate(server) : std::string(); !problem.empty()) {
    *error = "--server: " + problem;
    return std::nullopt;
  }
  if (std::string problem = wantClient ? validate(client) : std::string(); !problem.empty()) {
    *error = "--client: " + problem;
    return std::nullopt;
  }
  if (wantServer) cmd.server = server;
  if (wantClient) cmd.client = client;
  return cmd;
}

// The defaults the help states are the config structs' own.
std::string serverUsage() {
  using C = EchoServerConfig;
  const C d;
  return "usage: reactorscope-cli server [options]\n"
         "  Runs an echo/discard/source server on a loopback address.\n"
         "  --bind ADDR                 loopback address to bind (default " + d.bindAddress + "; ::1, localhost)\n"
         "  --port N                    port, 0 = ephemeral (default " + std::to_string(d.port) +
         "; the chosen port is printed)\n"
         "  --mode echo|discard|source  what to do with received bytes (default " + toString(d.mode) + ")\n"
         "  --max-connections N         accept and close connections beyond N (default " +
         std::to_string(d.maxConnections) + " = unlimited)\n"
         "  --delay MS                  echo each read after MS milliseconds (default " +
         std::to_string(d.responseDelayMs) + ")\n"
         "  --read-high-watermark B     most bytes a connection's input buffer holds, and the largest\n"
         "                              single read (default " + formatByteSize(C::kDefaultReadHighWatermark) + "; 0 = unlimited)\n"
         "  --output-cap B              back-pressure: a connection stops reading while what its peer\n"
         "                              has not taken (output + delayed echoes) would exceed B, and\n"
         "                              resumes at half of it; nothing is dropped (default " +
         formatByteSize(C::kDefaultOutputCapBytes) + "; 0 = unlimited)\n"
         "  --memory-budget B           bytes buffered over all connections: at the budget every\n"
         "                              connection stops reading until it is back at 3/4 (default " +
         formatByteSize(C::kDefaultMemoryBudgetBytes) + ";\n"
         "                              0 = unlimited)\n"
         "  --idle-timeout S            close a connection after S seconds without traffic in either\n"
         "                              direction, e.g. 0.5 or 300 (default 0 = never)\n"
         "  --backlog N                 listen backlog (default SOMAXCONN)\n"
         "  --duration S                stop after S seconds; 0 = run until interrupted (Ctrl-C or\n"
         "                              SIGTERM) (default 0)\n"
         "  --json                      print a JSON report at the end instead of text\n"
         "  --help                      this text\n";
}

std::string clientUsage() {
  using C = LoadClientConfig;
  const C d;
  return std::string() + "usage: reactorscope-cli client HOST:PORT [options]\n"
         "  Drives an echo server over loopback and verifies every echoed byte.\n"
         "  --mode echo|discard|source  the server's mode: echo verifies every echoed byte; discard\n"
         "                              only sends; source only reads and verifies the chargen stream\n"
         "                              (default " + toString(d.serverMode) + ")\n"
         "  --connections N             concurrent connections (default " + std::to_string(d.connections) + ")\n"
         "  --connect-rate R            open R connections per second (default: all at once); opening\n"
         "                              stops at the duration, the report says how many were opened\n"
         "  --size B                    message size, e.g. 64, 4K, 1MiB (default " + formatByteSize(d.messageSize) + ")\n"
         "  --payload SPEC              text:TEXT | hex:BYTES | random (default random)\n"
         "  --seed N                    seed for random payloads (default " + std::to_string(d.seed) + ")\n"
         "  --rate R                    open loop at R messages/s in total (default: closed loop)\n"
         "  --duration S                send for S seconds (default " + formatNumber(d.durationSec) +
         ", or until --count)\n"
         "  --count N                   send N messages in total (alone: stops after " +
         formatNumber(C::kCountOnlyTimeLimitSec) + " s at most)\n"
         "  --timeout S                 connect/response timeout per message (default " +
         formatNumber(static_cast<double>(d.timeout) / 1e9) + "); the run\n"
         "                              ends by duration + timeout at the latest, whatever the server does\n"
         "  --fault F                   slow-reader | half-close | rst | closed-port\n"
         "  --slow-reader-rate B        bytes/s the slow reader consumes (default " +
         formatByteSize(d.slowReaderBytesPerSec) + ")\n"
         "  --rst-every S               rst: reset one connection every S seconds during the run, each\n"
         "                              replaced by a new one (default " + formatNumber(d.rstIntervalSec) +
         "; 0 = reset them all only at the end)\n"
         "  --json                      print a JSON report instead of text\n"
         "  --help                      this text\n"
         "  Exit status: 0 all checks passed, 1 a check failed (mismatch, errors), 2 usage error.\n";
}

std::string cliUsage() {
  return "usage: reactorscope-cli server [options]\n"
         "       reactorscope-cli client HOST:PORT [options]\n"
         "       reactorscope-cli help [server|client]\n"
         "Loopback-only echo server and load client built on the ReactorScope engine.\n"
         "Run 'reactorscope-cli server --help' or 'reactorscope-cli client --help' for options.\n";
}

std::string appOptionsUsage() {
  return "  --server ADDR:PORT          start an echo server on a loopback address (port 0 = ephemeral)\n"
         "  --mode, --max-connections, --delay, --read-high-watermark, --output-cap, --memory-budget,\n"
         "  --idle-timeout              server options (see reactorscope-cli server --help)\n"
         "  --client HOST:PORT          start a load client against a loopback target\n"
         "  --connections, --size, --payload, --rate, --duration, --count, --fault   client options\n";
}

}  // namespace rs
