#include "workload/WorkloadSpec.h"

#include <cmath>

#include "net/InetAddress.h"
#include "net/Socket.h"
#include "workload/Format.h"
#include "workload/Payload.h"

namespace rs {

namespace L = workload_limits;
using Fault = LoadClientConfig::Fault;
using ServerMode = EchoServerConfig::Mode;
using LoopMode = LoadClientConfig::LoopMode;

// ---- Names -----------------------------------------------------------------

namespace {
// The enum's value at `names`' index of `name`, if it is one of them.
template <typename Enum, size_t N>
std::optional<Enum> lookUp(std::string_view name, const char* const (&names)[N]) {
  for (size_t i = 0; i < N; ++i)
    if (name == names[i]) return static_cast<Enum>(i);
  return std::nullopt;
}
template <size_t N>
const char* nameAt(size_t index, const char* const (&names)[N]) {
  return index < N ? names[index] : "?";
}
}  // namespace

// The enums' declaration order is the order of the name lists.
static_assert(static_cast<int>(ServerMode::Source) == 2 && static_cast<int>(Fault::ClosedPort) == 4 &&
              static_cast<int>(LoopMode::Open) == 1);

const char* toString(ServerMode mode) { return nameAt(static_cast<size_t>(mode), kServerModeNames); }
const char* toString(Fault fault) { return nameAt(static_cast<size_t>(fault), kFaultNames); }
const char* toString(LoopMode loop) { return nameAt(static_cast<size_t>(loop), kLoopModeNames); }
std::optional<ServerMode> parseServerMode(std::string_view name) { return lookUp<ServerMode>(name, kServerModeNames); }
std::optional<Fault> parseFault(std::string_view name) { return lookUp<Fault>(name, kFaultNames); }
std::optional<LoopMode> parseLoopMode(std::string_view name) { return lookUp<LoopMode>(name, kLoopModeNames); }

// ---- Descriptions ------------------------------------------------------------

const char* describeFault(Fault fault) {
  switch (fault) {
    case Fault::None:
      return "No fault: each connection sends its messages, verifies every echoed byte and closes normally (FIN).";
    case Fault::SlowReader:
      return "Each connection sends as fast as the server takes but reads the echoes back only at the slow-reader "
             "rate, so the server's output backs up until its output cap pauses reading from that connection. "
             "Watch: Buffers (the server's output and kernel send queue grow, then hold at the cap) and the log "
             "(paused connections).";
    case Fault::HalfClose:
      return "When a connection has sent its last message it shuts down its write side (FIN) but keeps reading: "
             "the server sees end-of-file while its echoes are still owed and must deliver them before closing. "
             "Watch: the state diagram and Timeline of the server's read events, and the log (closes after EOF).";
    case Fault::AbortRst:
      return "Connections end with a reset (RST, SO_LINGER 0) instead of FIN: one connection every reset interval "
             "during the run (then replaced by a new one), and the rest at the end. The server's next read fails "
             "with ECONNRESET. Watch: the log (reset by peer), the events table and Timeline of the reset "
             "connections.";
    case Fault::ClosedPort:
      return "Connects to a port nobody listens on: every connect is refused (ECONNREFUSED) and counted. Watch: "
             "the client's errors in Sessions and Stats and the log; no server is involved.";
  }
  return "";
}

namespace {
void addSetting(std::string* out, const std::string& setting) {
  if (!out->empty()) *out += ", ";
  *out += setting;
}
std::string seconds(double sec) { return formatNumber(sec) + " s"; }
std::string milliseconds(int64_t ms) { return std::to_string(ms) + " ms"; }
}  // namespace

std::string nonDefaultSettings(const LoadClientConfig& c) {
  const LoadClientConfig d;
  std::string s;
  if (c.fault != d.fault) addSetting(&s, std::string("fault ") + toString(c.fault));
  if (c.serverMode != d.serverMode) addSetting(&s, std::string("server mode ") + toString(c.serverMode));
  if (c.messageSize != d.messageSize)
    addSetting(&s, formatBytesSpaced(static_cast<double>(c.messageSize)) + " messages");
  if (c.loopMode == LoopMode::Open) addSetting(&s, "open loop " + formatNumber(c.rate) + " msg/s total");
  if (c.messageCount != d.messageCount) addSetting(&s, formatNumber(static_cast<double>(c.messageCount)) + " messages in all");
  if (c.durationSec != d.durationSec) addSetting(&s, c.durationSec > 0 ? seconds(c.durationSec) : "no duration");
  if (c.connectRate != d.connectRate) addSetting(&s, "connect " + formatNumber(c.connectRate) + "/s");
  if (c.fault == Fault::SlowReader && c.slowReaderBytesPerSec != d.slowReaderBytesPerSec)
    addSetting(&s, "reads " + formatBytesSpaced(static_cast<double>(c.slowReaderBytesPerSec)) + "/s");
  if (c.fault == Fault::AbortRst && c.rstIntervalSec != d.rstIntervalSec)
    addSetting(&s, c.rstIntervalSec > 0 ? "a reset every " + seconds(c.rstIntervalSec) : "resets only at the end");
  if (c.timeout != d.timeout) addSetting(&s, "timeout " + formatDurationSpaced(c.timeout));
  if (c.payload != d.payload) addSetting(&s, c.payload == LoadClientConfig::PayloadKind::Text ? "text payload" : "hex payload");
  return s;
}

std::string nonDefaultSettings(const EchoServerConfig& c) {
  const EchoServerConfig d;
  std::string s;
  if (c.responseDelayMs != d.responseDelayMs) addSetting(&s, "delay " + milliseconds(c.responseDelayMs));
  if (c.maxConnections != d.maxConnections) addSetting(&s, "at most " + std::to_string(c.maxConnections) + " connections");
  if (c.readHighWatermark != d.readHighWatermark)
    addSetting(&s, c.readHighWatermark ? "read high watermark " + formatBytesSpaced(static_cast<double>(c.readHighWatermark))
                                       : "no read high watermark");
  if (c.outputCapBytes != d.outputCapBytes)
    addSetting(&s, c.outputCapBytes ? "output cap " + formatBytesSpaced(static_cast<double>(c.outputCapBytes))
                                    : "no output cap");
  if (c.memoryBudgetBytes != d.memoryBudgetBytes)
    addSetting(&s, c.memoryBudgetBytes ? "memory budget " + formatBytesSpaced(static_cast<double>(c.memoryBudgetBytes))
                                       : "no memory budget");
  if (c.idleTimeoutMs != d.idleTimeoutMs) addSetting(&s, "idle timeout " + milliseconds(c.idleTimeoutMs));
  return s;
}

// ---- The loopback rule -----------------------------------------------------

bool isLoopbackHost(std::string_view host) {
  const auto address = InetAddress::resolve(host, 0, nullptr);
  return address && address->isLoopback();
}

// ---- Validation ------------------------------------------------------------

std::string validate(const EchoServerConfig& c) {
  std::string error;
  const auto address = InetAddress::resolve(c.bindAddress, c.port, &error);
  if (!address) return error;
  if (!address->isLoopback())
    return "bind " + address->toString() + ": refused, the echo server only binds loopback addresses (" +
           kLoopbackRuleText + ")";
  if (c.maxConnections < 0 || static_cast<uint64_t>(c.maxConnections) > L::kMaxServerConnections)
    return "max connections must be 0-" + std::to_string(L::kMaxServerConnections) + " (0 = unlimited), got " +
           std::to_string(c.maxConnections);
  if (c.responseDelayMs < 0 || static_cast<uint64_t>(c.responseDelayMs) > L::kMaxResponseDelayMs)
    return "response delay must be 0-" + std::to_string(L::kMaxResponseDelayMs) + " ms, got " +
           std::to_string(c.responseDelayMs);
  if (c.readHighWatermark > L::kMaxReadHighWatermarkBytes)
    return "read high watermark must be at most " + formatByteSize(L::kMaxReadHighWatermarkBytes) + " (0 = unlimited)";
  if (c.outputCapBytes > L::kMaxOutputCapBytes)
    return "output cap must be at most " + formatByteSize(L::kMaxOutputCapBytes) + " (0 = unlimited)";
  if (c.memoryBudgetBytes > L::kMaxMemoryBudgetBytes)
    return "memory budget must be at most " + formatByteSize(L::kMaxMemoryBudgetBytes) + " (0 = unlimited)";
  if (c.idleTimeoutMs < 0 || c.idleTimeoutMs > static_cast<int>(L::kMaxIdleTimeoutSec * 1000))
    return "idle timeout must be 0 (never) or " + formatNumber(L::kMinIdleTimeoutSec) + "-" +
           formatNumber(L::kMaxIdleTimeoutSec) + " s";
  if (c.backlog < -1 || static_cast<int64_t>(c.backlog) > static_cast<int64_t>(L::kMaxBacklog))
    return "backlog must be 1-" + std::to_string(L::kMaxBacklog) + " (or -1 = SOMAXCONN), got " +
           std::to_string(c.backlog);
  return {};
}

namespace {

std::string validateTarget(const LoadClientConfig& c) {
  std::string error;
  const auto address = InetAddress::resolve(c.host, c.port, &error);
  if (!address) return error;
  if (!sockets::checkLoopback(*address, "connect", &error)) return error;
  if (c.port == 0 && c.fault != Fault::ClosedPort) return "port 0 is not a valid target (1-65535)";
  return {};
}

std::string validatePayload(const LoadClientConfig& c) {
  std::string error;
  switch (c.payload) {
    case LoadClientConfig::PayloadKind::Text:
      if (c.payloadSpec.empty()) return "text payload is empty";
      return {};
    case LoadClientConfig::PayloadKind::Hex:
      if (!Payload::parseHex(c.payloadSpec, &error)) return error;
      return {};
    case LoadClientConfig::PayloadKind::Random: return {};
  }
  return {};
}

bool inRate(double r) { return r >= LoadClientConfig::kMinRate && r <= LoadClientConfig::kMaxRate; }

// What the client does against the server mode, and the faults it can play.
std::string validateModeAndFault(const LoadClientConfig& c) {
  const bool echo = c.serverMode == ServerMode::Echo;
  const bool discard = c.serverMode == ServerMode::Discard;
  if (!echo && c.fault != Fault::None && c.fault != Fault::ClosedPort)
    return std::string("fault ") + toString(c.fault) + " needs an echo server (server mode " + toString(c.serverMode) +
           ")";
  if (!echo && c.loopMode == LoopMode::Open)
    return std::string("open loop (a rate) needs an echo server; against a ") + toString(c.serverMode) +
           " server the client " + (discard ? "sends" : "reads") + " as fast as it can";
  if (c.fault == Fault::SlowReader && c.loopMode == LoopMode::Open)
    return "a rate (open loop) does not apply with fault slow-reader (it sends as fast as the server takes)";
  if (c.serverMode == ServerMode::Source && (c.durationSec == 0 || c.messageCount != 0))
    return "against a source server the client only reads: give a duration, not a message count";
  return {};
}

}  // namespace

std::string validate(const LoadClientConfig& c) {
  if (std::string e = validateTarget(c); !e.empty()) return e;
  if (c.connections < static_cast<int>(L::kMinClientConnections) ||
      static_cast<uint64_t>(c.connections) > L::kMaxClientConnections)
    return "connections must be 1-" + std::to_string(L::kMaxClientConnections) + " (got " +
           std::to_string(c.connections) + ")";
  if (c.messageSize < 1 || c.messageSize > L::kMaxMessageSizeBytes)
    return "message size must be 1 B - 64 MiB (got " + std::to_string(c.messageSize) + ")";
  if (static_cast<uint64_t>(c.connections) * c.messageSize > LoadClientConfig::kMaxBufferedBytes)
    return std::to_string(c.connections) + " connections x " + std::to_string(c.messageSize) +
           " B messages would buffer more than 2 GiB in the client; lower the connections or the size";
  if (!(c.durationSec >= 0 && c.durationSec <= LoadClientConfig::kMaxDurationSec))
    return "duration must be 0-" + std::to_string(static_cast<long long>(LoadClientConfig::kMaxDurationSec)) +
           " seconds";
  if (c.connectRate != 0 && !inRate(c.connectRate))
    return "connect rate must be 0 (all at once) or 0.001-1e9 connections/s";
  if (c.loopMode == LoopMode::Open && !inRate(c.rate)) return "open loop needs a rate of 0.001-1e9 messages/s";
  if (std::string e = validateModeAndFault(c); !e.empty()) return e;
  if (c.durationSec == 0 && c.messageCount == 0 && c.fault != Fault::ClosedPort)
    return "a run needs a duration or a message count (both are 0)";
  if (c.timeout <= 0 || static_cast<double>(c.timeout) > LoadClientConfig::kMaxTimeoutSec * 1e9)
    return "timeout must be > 0 and at most " +
           std::to_string(static_cast<long long>(LoadClientConfig::kMaxTimeoutSec)) + " seconds";
  if (c.fault == Fault::SlowReader &&
      (c.slowReaderBytesPerSec < 1 || c.slowReaderBytesPerSec > L::kMaxSlowReaderBytesPerSec))
    return "slow reader rate must be 1 B/s - " + formatByteSize(L::kMaxSlowReaderBytesPerSec) + "/s";
  if (!(c.rstIntervalSec == 0 ||
        (c.rstIntervalSec >= L::kMinRstIntervalSec && c.rstIntervalSec <= L::kMaxRstIntervalSec)))
    return "reset interval must be 0 (resets only at the end) or " + formatNumber(L::kMinRstIntervalSec) + "-" +
           formatNumber(L::kMaxRstIntervalSec) + " seconds";
  return validatePayload(c);
}

}  // namespace rs
