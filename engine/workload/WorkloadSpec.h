// The one vocabulary of the workloads, Qt-free: the names of server modes,
// client faults and loop types (parse and print), the limits every front end
// enforces, the loopback rule, and validate() -- the single judge of whether a
// server or client config can run. reactorscope-cli (Options), the app's launch
// options, the New server / New client dialogs and EchoServer::start() /
// LoadClient::start() all call it and show its message unchanged, so no front
// end accepts what the engine then refuses.
//
// Option syntax ("--size 4K is not a size") stays with the parsers; every rule
// about values (ranges, combinations) lives here.
// Thread contract: pure functions and constants; safe from any thread.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "workload/EchoServer.h"
#include "workload/LoadClient.h"

namespace rs {

// Limits of the values a workload accepts (inclusive). The CLI's option ranges
// and validate() both read these.
namespace workload_limits {
inline constexpr uint64_t kMaxServerConnections = 1'000'000;  // --max-connections (0 = unlimited)
inline constexpr uint64_t kMaxResponseDelayMs = 3'600'000;    // --delay: one hour
inline constexpr uint64_t kMaxReadHighWatermarkBytes = uint64_t{1} << 32;
inline constexpr uint64_t kMaxOutputCapBytes = uint64_t{1} << 32;
inline constexpr uint64_t kMaxMemoryBudgetBytes = uint64_t{1} << 40;
inline constexpr double kMinIdleTimeoutSec = 0.001;  // or 0 = never
inline constexpr double kMaxIdleTimeoutSec = 86'400;  // a day: within the timer's range
inline constexpr uint64_t kMaxBacklog = 65'535;       // 1..65535, or -1 = SOMAXCONN
inline constexpr uint64_t kMinClientConnections = 1;
inline constexpr uint64_t kMaxClientConnections = 100'000;
inline constexpr uint64_t kMaxMessageSizeBytes = uint64_t{64} << 20;
inline constexpr uint64_t kMaxSlowReaderBytesPerSec = uint64_t{1} << 32;
inline constexpr double kMinRstIntervalSec = 0.01;  // --rst-every (or 0 = only at the end)
inline constexpr double kMaxRstIntervalSec = 3600;
inline constexpr double kMinTimeoutSec = 0.001;
}  // namespace workload_limits

// ---- Names -----------------------------------------------------------------
// "echo", "discard", "source".
const char* toString(EchoServerConfig::Mode mode);
// "none", "slow-reader", "half-close", "rst", "closed-port".
const char* toString(LoadClientConfig::Fault fault);
// "closed", "open".
const char* toString(LoadClientConfig::LoopMode loop);
std::optional<EchoServerConfig::Mode> parseServerMode(std::string_view name);
std::optional<LoadClientConfig::Fault> parseFault(std::string_view name);
std::optional<LoadClientConfig::LoopMode> parseLoopMode(std::string_view name);
// Every name in order, for lists and messages: "echo, discard, source".
inline constexpr const char* kServerModeNames[] = {"echo", "discard", "source"};
inline constexpr const char* kFaultNames[] = {"none", "slow-reader", "half-close", "rst", "closed-port"};
inline constexpr const char* kLoopModeNames[] = {"closed", "open"};

// ---- Descriptions ------------------------------------------------------------
// What a fault does and where to watch it, one paragraph, for forms and help.
const char* describeFault(LoadClientConfig::Fault fault);
// The settings that differ from a default-constructed config, for session
// titles: "fault rst, 1 KiB messages, open loop 500 msg/s total, 30 s".
// Empty when nothing but the target/port and connections (shown anyway) differs.
std::string nonDefaultSettings(const LoadClientConfig& config);
// "delay 200 ms, output cap 4 MiB, idle timeout 30 s" (mode and address not included).
std::string nonDefaultSettings(const EchoServerConfig& config);

// ---- The loopback rule -----------------------------------------------------
// True for a numeric address in 127.0.0.0/8, ::1 or IPv4-mapped 127.0.0.0/8,
// "[::1]", or "localhost" (exactly; no name is ever looked up).
bool isLoopbackHost(std::string_view host);
// How the rule reads in messages: "127.0.0.0/8, ::1, localhost".
inline constexpr const char* kLoopbackRuleText = "127.0.0.0/8, ::1, localhost";

// ---- Validation ------------------------------------------------------------
// Empty when the config can be started; otherwise one line saying what failed
// and why (no trailing newline). The first failing rule wins, in a fixed order.
std::string validate(const EchoServerConfig& config);
// Port 0 is refused unless the fault is closed-port (which picks its own port).
std::string validate(const LoadClientConfig& config);

}  // namespace rs
