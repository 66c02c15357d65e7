// The load client the app and the CLI spawn: N connections to a loopback target,
// closed loop (ping-pong) or open loop at a target rate with latency measured from
// the intended send time (no coordinated omission, as wrk2), byte-exact
// verification of echoes, a latency histogram, per-second intervals, and fault
// modes. Every run ends by itself: sending stops at the duration (or the count;
// a count alone stops after kCountOnlyTimeLimitSec), each connection then has
// one timeout to finish, and the whole run ends by duration + timeout at the
// latest whatever the server does (a per-message deadline that bytes trickling
// in do not reset; no close after EOF; a server that takes nothing). Work per
// callback is bounded (kFloodBytesPerYield), so timers, signals and intervals
// keep running while the client floods.
// Thread contract: loop thread only, like EchoServer.
// The implementation is split by concern: LoadClient.cpp (connection state
// machine, modes and faults), LoadConnection, RunDeadlines, LoadPacing,
// EchoVerifier, LoadClientReport.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/EventBase.h"
#include "workload/EchoServer.h"  // LogLevel, LogSink
#include "workload/LatencyHistogram.h"

namespace rs {

struct LoadClientConfig {
  // Bounds start() checks (so every derived time fits a 64-bit ns count).
  static constexpr double kMaxDurationSec = 365.0 * 24 * 3600;  // one year
  // A run bounded by messageCount alone still stops by itself after this long
  // (a server that stops answering must not keep a load loop alive forever).
  static constexpr double kCountOnlyTimeLimitSec = 600;
  static constexpr double kMaxTimeoutSec = 24.0 * 3600;
  static constexpr double kMinRate = 0.001;  // --rate and --connect-rate, per second
  static constexpr double kMaxRate = 1e9;
  // Every connection holds up to one message in its output buffer (the payload
  // is copied in): connections x messageSize above this is refused rather than
  // run into the OOM killer.
  static constexpr uint64_t kMaxBufferedBytes = uint64_t{2} << 30;
  // Sending as fast as the server takes (discard mode, slow reader) queues at
  // most this much before yielding to the loop (a zero-delay timer resumes),
  // so a server that never pushes back cannot starve timers and signals.
  static constexpr size_t kFloodBytesPerYield = size_t{1} << 20;
  enum class LoopMode { Closed, Open };
  enum class PayloadKind { Text, Hex, Random };
  enum class Fault { None, SlowReader, HalfClose, AbortRst, ClosedPort };
  // What the server does with the bytes (EchoServerConfig::Mode): Echo is
  // verified message by message; Discard: the client only sends (as fast as
  // the server takes) and expects nothing back; Source: the client only reads
  // and verifies the chargen stream (needs a duration).
  using ServerMode = EchoServerConfig::Mode;
  ServerMode serverMode = ServerMode::Echo;
  std::string host = "127.0.0.1";  // loopback only: 127.0.0.0/8, ::1, localhost
  uint16_t port = 0;
  int connections = 1;
  double connectRate = 0;  // new connections per second; 0 = all at once
  size_t messageSize = 64;
  PayloadKind payload = PayloadKind::Random;
  std::string payloadSpec;  // Text: the text (repeated); Hex: "de ad be ef"
  uint64_t seed = 1;
  LoopMode loopMode = LoopMode::Closed;
  double rate = 0;             // open loop: total messages per second (<= kMaxRate)
  double durationSec = 10;     // 0 = until messageCount; <= kMaxDurationSec
  uint64_t messageCount = 0;   // total messages; 0 = until duration
  Fault fault = Fault::None;
  uint64_t slowReaderBytesPerSec = 1024;
  // Fault::AbortRst: one open connection is reset (RST) every this many
  // seconds during the run and replaced by a new one; 0 = only at the end.
  double rstIntervalSec = 1;
  Nanos timeout = 5 * kNsPerSec;  // connect / response timeout (<= kMaxTimeoutSec)
};

struct LoadClientStats {
  // Connections: asked for (config), connects started, connects that succeeded.
  // Fewer attempted than asked means the run ended (duration, count, drain,
  // stop) before --connect-rate reached the rest; passed() then fails.
  uint64_t connectionsAsked = 0;
  uint64_t connectionsAttempted = 0;
  uint64_t connectionsOpened = 0;
  uint64_t connecting = 0;
  uint64_t connected = 0;   // currently open
  uint64_t messagesSent = 0;      // queued for sending
  uint64_t messagesReceived = 0;  // fully echoed and verified
  // Bytes queued into the connections' output buffers, and the part of them
  // handed to the kernel (written to the sockets). The server's byte count
  // trails bytesWritten by what still sits in the socket buffers.
  uint64_t bytesQueued = 0;
  uint64_t bytesWritten = 0;
  uint64_t bytesReceived = 0;
  uint64_t mismatchedBytes = 0;
  uint64_t errRefused = 0;
  uint64_t errReset = 0;
  uint64_t errTimeout = 0;
  uint64_t errMismatch = 0;
  uint64_t errOther = 0;
  uint64_t resets = 0;  // rst fault: connections reset during the run (each replaced)
  uint64_t errors() const { return errRefused + errReset + errTimeout + errMismatch + errOther; }
  bool finished = false;
  double elapsedSec = 0;
};

struct IntervalStats {
  double startSec = 0;
  double endSec = 0;
  uint64_t messages = 0;
  uint64_t bytes = 0;
  int64_t p50Ns = 0;
  int64_t p99Ns = 0;
  int64_t maxNs = 0;
  uint64_t errors = 0;
};

class LoadClient {
 public:
  LoadClient(EventBase* base, LoadClientConfig config);
  ~LoadClient();
  LoadClient(const LoadClient&) = delete;
  LoadClient& operator=(const LoadClient&) = delete;

  // Checks the config with validate() (WorkloadSpec.h: loopback target,
  // ranges, mode/fault combinations) and starts connecting. False
  // with one clear line in *error when it cannot start.
  bool start(std::string* error);
  // Ends the run now: open connections are closed, unanswered messages stay
  // unanswered (passed() then reports them).
  void stop();
  // Ends the run gracefully (what Ctrl-C means): no new message or connection,
  // the messages in flight are awaited, then the run finishes as if its
  // duration had ended -- within one timeout at the latest. No-op once finished.
  void drain();
  bool finished() const;
  const LoadClientConfig& config() const;
  LoadClientStats stats() const;
  // The open connections' ends, at most `max` of them.
  std::vector<ConnectionEnds> ends(size_t max) const;
  const LatencyHistogram& histogram() const;
  std::vector<IntervalStats> intervals() const;  // one per elapsed second
  void setLogSink(LogSink sink);
  // Called once in the loop thread when the run ends (duration/count reached,
  // stop(), or every connection failed).
  void setFinishedCallback(std::function<void()> cb);
  uint32_t ownerTag() const;

  // Added for the CLI and tests (loop thread only):
  // Called in the loop thread as each one-second interval closes (and for the
  // final partial one).
  void setIntervalCallback(std::function<void(const IntervalStats&)> cb);
  // The same moment, with the interval's own latency histogram (--hdr-log).
  void setIntervalHistogramCallback(std::function<void(const IntervalStats&, const LatencyHistogram&)> cb);
  // The run's verdict once finished: every echoed byte matched, no unexpected
  // error, every connection asked was opened, every sent message answered
  // (fault modes adjust what is expected: closed-port expects every connect
  // refused; slow-reader expects some verified echo). False with one line in
  // *why naming what happened ("2 connections: no close from the server after
  // EOF (waited 500 ms); first: ...").
  bool passed(std::string* why) const;
  // The first error seen, as one clear line ("connect 127.0.0.1:9: Connection refused").
  std::string firstError() const;
  // The target actually used (differs from config() for Fault::ClosedPort).
  uint16_t targetPort() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rs
