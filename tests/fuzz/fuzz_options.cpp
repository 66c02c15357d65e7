// The command-line parsers (engine/workload/Options.h) on arbitrary argument
// vectors: no crash; every rejection carries a non-empty one-line message;
// every accepted configuration is within the bounds the parsers promise
// (LoadClientConfig's limits, loopback targets, sizes) -- the bounds the
// engine then relies on.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <string>
#include <vector>

#include "FuzzCheck.h"
#include "net/InetAddress.h"
#include "workload/Options.h"
#include "workload/WorkloadSpec.h"

namespace {

// Option names and values worth combining; the rest of an argument comes
// from the input's bytes.
const char* const kWords[] = {
    "--mode", "--max-connections", "--delay", "--read-high-watermark", "--backlog", "--bind", "--port",
    "--duration", "--json", "--help", "-h", "--connections", "--connect-rate", "--size", "--payload",
    "--seed", "--rate", "--count", "--timeout", "--fault", "--slow-reader-rate", "--server", "--client",
    "echo", "discard", "source", "slow-reader", "half-close", "rst", "closed-port", "none",
    "127.0.0.1:9000", "[::1]:0", "localhost:1", "10.0.0.1:80", "127.0.0.1:0", "0", "1", "-1", "64K",
    "1MiB", "2G", "18446744073709551615", "1e9", "0.0005", "nan", "inf", "text:hi", "hex:de ad", "random",
    "=", "--size=", "--rate=5", "-", "--"};

std::vector<std::string> makeArgs(FuzzedDataProvider& in) {
  std::vector<std::string> args;
  const size_t n = in.ConsumeIntegralInRange<size_t>(0, 12);
  for (size_t i = 0; i < n && in.remaining_bytes() > 0; ++i) {
    switch (in.ConsumeIntegralInRange<int>(0, 3)) {
      case 0: args.push_back(in.ConsumeRandomLengthString(40)); break;
      case 1: args.push_back(std::string(in.PickValueInArray(kWords)) + "=" + in.ConsumeRandomLengthString(20)); break;
      default: args.emplace_back(in.PickValueInArray(kWords)); break;
    }
  }
  return args;
}

bool isLoopback(const std::string& host) {
  std::string err;
  const auto a = rs::InetAddress::resolve(host, 1, &err);
  return a && a->isLoopback();
}

// One line, unless it quotes an argument that itself holds a line break.
void checkMessage(const std::string& error, const std::vector<std::string>& args) {
  FUZZ_CHECK(!error.empty());
  bool argHasNewline = false;
  for (const std::string& a : args) argHasNewline |= a.find('\n') != std::string::npos;
  FUZZ_CHECK(argHasNewline || error.find('\n') == std::string::npos);
}

void checkServer(const rs::EchoServerConfig& c) {
  FUZZ_CHECK(isLoopback(c.bindAddress));
  FUZZ_CHECK(c.maxConnections >= 0 && c.responseDelayMs >= 0);
  FUZZ_CHECK(c.backlog == -1 || c.backlog >= 1);
  FUZZ_CHECK(rs::validate(c).empty());  // what parses runs (WorkloadSpec.h)
}

void checkClient(const rs::LoadClientConfig& c) {
  using C = rs::LoadClientConfig;
  FUZZ_CHECK(isLoopback(c.host));
  FUZZ_CHECK(c.connections >= 1);
  FUZZ_CHECK(c.messageSize >= 1);
  FUZZ_CHECK(std::isfinite(c.durationSec) && c.durationSec >= 0 && c.durationSec <= C::kMaxDurationSec);
  FUZZ_CHECK(c.connectRate == 0 || (c.connectRate >= C::kMinRate && c.connectRate <= C::kMaxRate));
  FUZZ_CHECK((c.loopMode == C::LoopMode::Open) == (c.rate > 0));
  FUZZ_CHECK(c.rate == 0 || (c.rate >= C::kMinRate && c.rate <= C::kMaxRate));
  FUZZ_CHECK(c.timeout > 0 && c.timeout <= static_cast<rs::Nanos>(C::kMaxTimeoutSec * 1e9));
  FUZZ_CHECK(c.slowReaderBytesPerSec >= 1);
  FUZZ_CHECK(c.port != 0 || c.fault == C::Fault::ClosedPort);
  FUZZ_CHECK(rs::validate(c).empty());  // what parses runs (WorkloadSpec.h)
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const int which = in.ConsumeIntegralInRange<int>(0, 4);
  const std::vector<std::string> args = makeArgs(in);
  std::string error;
  switch (which) {
    case 0: {
      const auto cmd = rs::parseServerArgs(args, &error);
      if (!cmd) checkMessage(error, args);
      else if (!cmd->help) {
        checkServer(cmd->config);
        FUZZ_CHECK(std::isfinite(cmd->durationSec) && cmd->durationSec >= 0);
      }
      break;
    }
    case 1: {
      const auto cmd = rs::parseClientArgs(args, &error);
      if (!cmd) checkMessage(error, args);
      else if (!cmd->help) checkClient(cmd->config);
      break;
    }
    case 2:
    case 3: {
      const auto cmd = rs::parseAppArgs(args, &error, which == 3);
      if (!cmd) {
        checkMessage(error, args);
        break;
      }
      if (cmd->server) checkServer(*cmd->server);
      if (cmd->client) checkClient(*cmd->client);
      break;
    }
    default: {
      const std::string text = in.ConsumeRemainingBytesAsString();
      const auto v = rs::parseByteSize(text);
      if (v && !text.empty()) FUZZ_CHECK(text[0] >= '0' && text[0] <= '9');
      break;
    }
  }
  return 0;
}
