// Command-line options for the workloads, Qt-free so both front ends share them:
// reactorscope-cli ("server ..." / "client HOST:PORT ...") and the desktop app's
// "--server ADDR:PORT --client HOST:PORT --connections 20 ...".
// Every parse error is one clear line (no trailing newline); callers exit 2.
// A parsed config has passed validate() (WorkloadSpec.h), so what parses runs.
// Thread contract: pure functions; safe from any thread.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workload/EchoServer.h"
#include "workload/LoadClient.h"
#include "workload/WorkloadSpec.h"  // toString() of modes and faults, validate()

namespace rs {

struct ServerCommand {
  EchoServerConfig config;
  double durationSec = 0;  // 0 = until interrupted
  bool json = false;
  bool help = false;
};

struct ClientCommand {
  LoadClientConfig config;
  bool json = false;
  bool help = false;
};

// The app's command line: either part may be absent.
struct AppCommand {
  std::optional<EchoServerConfig> server;
  std::optional<LoadClientConfig> client;
  bool help = false;
};

// Arguments after "server" / "client" (argv without the program and verb).
std::optional<ServerCommand> parseServerArgs(const std::vector<std::string>& args, std::string* error);
std::optional<ClientCommand> parseClientArgs(const std::vector<std::string>& args, std::string* error);
// Arguments after the program name; unknown options are errors unless
// `ignoreUnknown` (e.g. to leave Qt's own -platform options alone).
std::optional<AppCommand> parseAppArgs(const std::vector<std::string>& args, std::string* error,
                                       bool ignoreUnknown = false);

std::string cliUsage();
std::string serverUsage();
std::string clientUsage();
std::string appOptionsUsage();

// "64", "4K", "4KiB", "1M", "1MiB", "2G" -> bytes (K = 1024); nullopt on junk.
std::optional<uint64_t> parseByteSize(std::string_view text);

}  // namespace rs
