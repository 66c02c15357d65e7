// reactorscope-cli: the echo server and load client, headless. iperf-like
// per-second lines, a summary, --json for a machine report.
// Exit status: 0 success, 1 a check failed or the run could not start, 2 usage.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/EventBase.h"
#include "workload/EchoServer.h"
#include "workload/Format.h"
#include "workload/LoadClient.h"
#include "workload/Options.h"
#include "CliRecorder.h"
#include "HdrHistogramLog.h"
#include "IntervalJson.h"
#include "RecordOptions.h"
#include "RecordingCommands.h"
#include "StatusWriter.h"

using namespace rs;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitCheckFailed = 1;
constexpr int kExitUsage = 2;

int usageError(const std::string& message) {
  std::fprintf(stderr, "reactorscope-cli: %s\n", message.c_str());
  return kExitUsage;
}

int runtimeError(const std::string& message) {
  std::fprintf(stderr, "reactorscope-cli: %s\n", message.c_str());
  return kExitCheckFailed;
}

std::string jsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

// SIGINT/SIGTERM end a run cleanly through the loop.
struct StopSignals {
  Event sigint, sigterm;
  StopSignals(EventBase* base, std::function<void()> stop) {
    auto fn = [stop](int, short) { stop(); };
    sigint.setInternal(true);
    sigterm.setInternal(true);
    sigint.assign(base, SIGINT, kEvSignal | kEvPersist, fn);
    sigterm.assign(base, SIGTERM, kEvSignal | kEvPersist, fn);
    sigint.add(nullptr);
    sigterm.add(nullptr);
  }
};

// "127.0.0.1:9000", "[::1]:9000".
std::string hostPort(const std::string& host, uint16_t port) {
  const std::string p = std::to_string(port);
  return host.find(':') != std::string::npos ? "[" + host + "]:" + p : host + ":" + p;
}

// Connections opened of those asked, and bytes queued vs handed to the kernel.
void printConnectionsAndBytes(const LoadClientStats& s) {
  // Replacements for connections the rst fault reset count apart.
  const unsigned long long asked = s.connectionsAsked, resets = s.resets;
  const unsigned long long opened = s.connectionsOpened - std::min<uint64_t>(s.resets, s.connectionsOpened);
  std::printf("connections: opened %llu of %llu asked%s\n", opened, asked,
              opened < asked ? (" (" + std::to_string(asked - opened) + " not opened)").c_str() : "");
  if (resets) std::printf("rst fault: %llu connections reset during the run, each replaced by a new one\n", resets);
  std::printf("bytes: queued %llu, written %llu (handed to the kernel), received %llu\n",
              static_cast<unsigned long long>(s.bytesQueued), static_cast<unsigned long long>(s.bytesWritten),
              static_cast<unsigned long long>(s.bytesReceived));
}

void printErrors(const LoadClientStats& s) {
  std::printf("errors: refused %llu, reset %llu, timeout %llu, mismatch %llu, other %llu\n",
              static_cast<unsigned long long>(s.errRefused), static_cast<unsigned long long>(s.errReset),
              static_cast<unsigned long long>(s.errTimeout), static_cast<unsigned long long>(s.errMismatch),
              static_cast<unsigned long long>(s.errOther));
}

// --record: starts recording `base`; a file that cannot be created is reported and
// the run goes on without it.
void startRecording(cli::CliRecorder& recorder, EventBase& base, const recording::RecordOptions& options,
                    recording::SessionInfo session) {
  if (options.path.empty()) return;
  session.pid = getpid();
  session.startNs = monotonicNowNs();
  std::string error;
  if (!recorder.start(base, options, std::move(session), &error))
    std::fprintf(stderr, "reactorscope-cli: --record: %s; the run goes on without recording\n", error.c_str());
}

void finishRecording(cli::CliRecorder& recorder) {
  if (recorder.active()) std::fprintf(stderr, "reactorscope-cli: %s\n", recorder.finish().c_str());
}

std::string joined(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) out += (out.empty() ? "" : " ") + a;
  return out;
}

int runServer(const ServerCommand& cmd, const recording::RecordOptions& record, const std::string& settings) {
  EventBase base;
  if (!base.valid()) return runtimeError(base.error());
  // Everything printed while the server runs goes through `live`: never blocks.
  StatusWriter live;
  cli::CliRecorder recorder;
  EchoServer server(&base, cmd.config);
  server.setLogSink([&](LogLevel level, const std::string& msg) {
    recorder.log(static_cast<int>(level), msg);
    if (level != LogLevel::Info) live.line(stderr, "reactorscope-cli: " + msg);
  });
  std::string error;
  if (!server.start(&error)) return runtimeError(error);
  const std::string where = hostPort(cmd.config.bindAddress, server.port());
  startRecording(recorder, base, record, {"server", "server " + where, 0, 0, settings});
  if (!cmd.json) {
    live.linef(stdout, "listening on %s (mode %s)", where.c_str(), toString(cmd.config.mode));
  }

  const Nanos start = monotonicNowNs();
  EchoServerStats last{};
  Event tick(&base, -1, kEvPersist, [&](int, short) {
    const EchoServerStats s = server.stats();
    const double t = static_cast<double>(monotonicNowNs() - start) / 1e9;
    if (!cmd.json) {
      live.linef(stdout, "[%6.1fs] conns %4llu  accepted %6llu  in %s  out %s  buffered %llu B  paused %llu", t,
                 static_cast<unsigned long long>(s.active), static_cast<unsigned long long>(s.accepted),
                 formatByteRateCompact(static_cast<double>(s.bytesIn - last.bytesIn)).c_str(),
                 formatByteRateCompact(static_cast<double>(s.bytesOut - last.bytesOut)).c_str(),
                 static_cast<unsigned long long>(s.bufferedBytes),
                 static_cast<unsigned long long>(s.pausedConnections));
    }
    last = s;
  });
  tick.addTimeoutNs(kNsPerSec);
  // Stopping (--duration reached, or the first Ctrl-C/SIGTERM): no new
  // connections, and what was received is still sent back before each
  // connection closes -- bounded by kFlushLimit; a second signal stops at once.
  constexpr Nanos kFlushLimit = 5 * kNsPerSec;
  bool stopping = false;
  Nanos flushDeadline = 0;
  Event flushCheck(&base, -1, kEvPersist, [&](int, short) {
    if (server.stats().active == 0 || monotonicNowNs() >= flushDeadline) base.loopbreak();
  });
  auto beginStop = [&](const char* why) {
    if (stopping) {
      base.loopbreak();
      return;
    }
    stopping = true;
    const uint64_t active = server.stats().active;
    server.drain();
    if (server.stats().active == 0) {
      base.loopbreak();
      return;
    }
    live.linef(stderr, "reactorscope-cli: %s; sending back what %llu connection(s) received%s", why,
                static_cast<unsigned long long>(active), *why == 'i' ? " (again to stop now)" : "");
    flushDeadline = monotonicNowNs() + kFlushLimit;
    flushCheck.addTimeoutNs(10 * kNsPerMs);
  };
  Event deadline;
  if (cmd.durationSec > 0) {
    deadline.assign(&base, -1, 0, [&](int, short) { beginStop("duration reached"); });
    deadline.addTimeoutNs(static_cast<Nanos>(cmd.durationSec * 1e9));
  }
  StopSignals signals(&base, [&] { beginStop("interrupted"); });
  base.dispatch();

  const EchoServerStats s = server.stats();
  const double elapsed = static_cast<double>(monotonicNowNs() - start) / 1e9;
  server.stop();
  finishRecording(recorder);
  if (live.droppedLines()) std::fprintf(stderr, "reactorscope-cli: %s\n", live.dropNote().c_str());
  if (cmd.json) {
    std::printf(
        "{\"role\":\"server\",\"address\":\"%s\",\"port\":%u,\"mode\":\"%s\",\"elapsed_s\":%.3f,"
        "\"accepted\":%llu,\"closed\":%llu,\"rejected\":%llu,\"bytes_in\":%llu,\"bytes_out\":%llu,"
        "\"accept_errors\":%llu,\"connection_errors\":%llu,\"peer_resets\":%llu,\"idle_closed\":%llu,\"peak_buffered_bytes\":%llu,"
        "\"memory_budget_bytes\":%llu,\"budget_pauses\":%llu}\n",
        jsonEscape(cmd.config.bindAddress).c_str(), server.port(), toString(cmd.config.mode), elapsed,
        static_cast<unsigned long long>(s.accepted), static_cast<unsigned long long>(s.closed),
        static_cast<unsigned long long>(s.rejected), static_cast<unsigned long long>(s.bytesIn),
        static_cast<unsigned long long>(s.bytesOut), static_cast<unsigned long long>(s.acceptErrors),
        static_cast<unsigned long long>(s.connectionErrors), static_cast<unsigned long long>(s.peerResets),
        static_cast<unsigned long long>(s.idleClosed), static_cast<unsigned long long>(s.peakBufferedBytes), static_cast<unsigned long long>(s.memoryBudgetBytes),
        static_cast<unsigned long long>(s.budgetPauses));
  } else {
    std::printf("summary: %.1fs, accepted %llu, rejected %llu, in %llu B, out %llu B, accept errors %llu, "
                "connection errors %llu, peer resets %llu, idle closed %llu\n",
                elapsed, static_cast<unsigned long long>(s.accepted), static_cast<unsigned long long>(s.rejected),
                static_cast<unsigned long long>(s.bytesIn), static_cast<unsigned long long>(s.bytesOut),
                static_cast<unsigned long long>(s.acceptErrors),
                static_cast<unsigned long long>(s.connectionErrors), static_cast<unsigned long long>(s.peerResets),
                static_cast<unsigned long long>(s.idleClosed));
    std::printf("memory: peak buffered %llu B (budget %s), %llu budget pause(s)\n",
                static_cast<unsigned long long>(s.peakBufferedBytes),
                s.memoryBudgetBytes ? (std::to_string(s.memoryBudgetBytes) + " B").c_str() : "unlimited",
                static_cast<unsigned long long>(s.budgetPauses));
  }
  return kExitOk;
}

int runClient(const ClientCommand& cmd, const recording::RecordOptions& record, const std::string& settings) {
  EventBase base;
  if (!base.valid()) return runtimeError(base.error());
  cli::CliRecorder recorder;
  // Recording starts before the client does: its connections' first records count.
  startRecording(recorder, base, record,
                 {"client", "client " + hostPort(cmd.config.host, cmd.config.port), 0, 0, settings});
  LoadClient client(&base, cmd.config);
  client.setLogSink([&](LogLevel level, const std::string& msg) { recorder.log(static_cast<int>(level), msg); });
  std::string error;
  if (!client.start(&error)) return usageError(error);
  const auto& cfg = client.config();
  const std::string target = hostPort(cfg.host, client.targetPort());
  StatusWriter live;  // everything printed while the client runs: never blocks its loop
  if (!cmd.json) {
    const std::string how =
        cfg.serverMode == LoadClientConfig::ServerMode::Discard  ? "sending only (discard server)"
        : cfg.serverMode == LoadClientConfig::ServerMode::Source ? "reading only (source server)"
        : cfg.loopMode == LoadClientConfig::LoopMode::Open
            ? "open loop at " + formatNumber(cfg.rate) + " msgs/s"
            : "closed loop";
    const std::string pace = cfg.connectRate > 0 ? " at " + formatNumber(cfg.connectRate) + "/s" : "";
    live.linef(stdout, "connecting %d connection(s)%s to %s, %zu B messages, %s%s", cfg.connections, pace.c_str(),
               target.c_str(), cfg.messageSize, how.c_str(),
               cfg.fault != LoadClientConfig::Fault::None
                   ? (std::string(", fault ") + toString(cfg.fault)).c_str()
                   : "");
  }
  // --hdr-log: the interval's histogram, once encoded, goes to the log and the recording.
  recording::HdrIntervalLogWriter hdrLog;
  const double startEpochSec =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (!record.hdrLogPath.empty() &&
      !hdrLog.open(record.hdrLogPath, startEpochSec, "reactorscope-cli client " + target, &error))
    return runtimeError("--hdr-log: " + error);
  client.setIntervalHistogramCallback([&](const IntervalStats& s, const LatencyHistogram& h) {
    if (!hdrLog.isOpen() && !recorder.active()) return;
    const std::string hdr = recording::hdrCompressedBase64(h);
    hdrLog.interval("client", s.startSec, s.endSec - s.startSec, h.max(), hdr);
    recorder.interval(monotonicNowNs(), recording::intervalJson(s, hdr));
  });
  client.setIntervalCallback([&](const IntervalStats& s) {
    if (cmd.json) return;
    const double len = s.endSec - s.startSec > 0 ? s.endSec - s.startSec : 1;
    live.linef(stdout, "[%5.1f-%5.1fs] %9.0f msgs/s  %12s  p50 %9s  p99 %9s  max %9s  errors %llu", s.startSec, s.endSec,
               static_cast<double>(s.messages) / len, formatByteRateCompact(static_cast<double>(s.bytes) / len).c_str(),
               formatDurationCompact(s.p50Ns).c_str(), formatDurationCompact(s.p99Ns).c_str(), formatDurationCompact(s.maxNs).c_str(),
               static_cast<unsigned long long>(s.errors));
  });
  client.setFinishedCallback([&] { base.loopbreak(); });
  // First Ctrl-C/SIGTERM: stop sending and wait for the messages in flight
  // (bounded by --timeout), so an interrupted run still verifies what it sent;
  // a second one stops at once.
  int interrupts = 0;
  StopSignals signals(&base, [&] {
    if (client.finished()) return;
    if (++interrupts == 1) {
      live.line(stderr, "reactorscope-cli: interrupted; waiting for the messages in flight (again to stop now)");
      client.drain();
    } else {
      client.stop();
    }
  });
  if (!client.finished()) base.dispatch();
  if (!client.finished()) client.stop();
  finishRecording(recorder);
  if (!hdrLog.close(&error)) std::fprintf(stderr, "reactorscope-cli: --hdr-log: %s\n", error.c_str());
  else if (!record.hdrLogPath.empty())
    std::fprintf(stderr, "reactorscope-cli: wrote %llu latency intervals to %s\n",
                 static_cast<unsigned long long>(hdrLog.intervalsWritten()), record.hdrLogPath.c_str());
  if (live.droppedLines()) std::fprintf(stderr, "reactorscope-cli: %s\n", live.dropNote().c_str());

  const LoadClientStats s = client.stats();
  const LatencyHistogram& h = client.histogram();
  std::string why;
  const bool ok = client.passed(&why);
  const double elapsed = s.elapsedSec > 0 ? s.elapsedSec : 1e-9;
  if (cmd.json) {
    std::string intervals;
    for (const auto& iv : client.intervals()) intervals += (intervals.empty() ? "" : ",") + recording::intervalJson(iv);
    std::printf(
        "{\"role\":\"client\",\"target\":\"%s\",\"server_mode\":\"%s\",\"connections_asked\":%llu,"
        "\"connections_attempted\":%llu,\"connections_opened\":%llu,\"resets\":%llu,\"message_size\":%zu,\"fault\":\"%s\","
        "\"elapsed_s\":%.3f,\"messages_sent\":%llu,\"messages_received\":%llu,\"bytes_queued\":%llu,"
        "\"bytes_written\":%llu,\"bytes_received\":%llu,\"msgs_per_s\":%.1f,\"mismatched_bytes\":%llu,"
        "\"errors\":{\"refused\":%llu,\"reset\":%llu,\"timeout\":%llu,\"mismatch\":%llu,\"other\":%llu},"
        "\"latency_ns\":{\"count\":%llu,\"min\":%lld,\"p50\":%lld,\"p90\":%lld,\"p99\":%lld,\"p99_9\":%lld,\"max\":%lld},"
        "\"intervals\":[%s],\"passed\":%s,\"error\":\"%s\"}\n",
        jsonEscape(target).c_str(), toString(cfg.serverMode), static_cast<unsigned long long>(s.connectionsAsked),
        static_cast<unsigned long long>(s.connectionsAttempted), static_cast<unsigned long long>(s.connectionsOpened),
        static_cast<unsigned long long>(s.resets), cfg.messageSize, toString(cfg.fault), s.elapsedSec, static_cast<unsigned long long>(s.messagesSent),
        static_cast<unsigned long long>(s.messagesReceived), static_cast<unsigned long long>(s.bytesQueued),
        static_cast<unsigned long long>(s.bytesWritten), static_cast<unsigned long long>(s.bytesReceived),
        static_cast<double>(cfg.serverMode == LoadClientConfig::ServerMode::Discard ? s.messagesSent
                                                                                     : s.messagesReceived) /
            elapsed,
        static_cast<unsigned long long>(s.mismatchedBytes), static_cast<unsigned long long>(s.errRefused),
        static_cast<unsigned long long>(s.errReset), static_cast<unsigned long long>(s.errTimeout),
        static_cast<unsigned long long>(s.errMismatch), static_cast<unsigned long long>(s.errOther),
        static_cast<unsigned long long>(h.count()), static_cast<long long>(h.min()),
        static_cast<long long>(h.percentile(50)), static_cast<long long>(h.percentile(90)),
        static_cast<long long>(h.percentile(99)), static_cast<long long>(h.percentile(99.9)),
        static_cast<long long>(h.max()), intervals.c_str(), ok ? "true" : "false", jsonEscape(ok ? "" : why).c_str());
  } else if (cfg.serverMode != LoadClientConfig::ServerMode::Echo) {
    const bool discard = cfg.serverMode == LoadClientConfig::ServerMode::Discard;
    const uint64_t bytes = discard ? s.bytesWritten : s.bytesReceived;
    std::printf("summary: %.2fs, %s %llu B (%s), mismatched bytes %llu\n", s.elapsedSec, discard ? "sent" : "received",
                static_cast<unsigned long long>(bytes), formatByteRateCompact(static_cast<double>(bytes) / elapsed).c_str(),
                static_cast<unsigned long long>(s.mismatchedBytes));
    printConnectionsAndBytes(s);
    printErrors(s);
    std::printf("%s\n", ok ? "PASS" : ("FAIL: " + why).c_str());
  } else {
    std::printf("summary: %.2fs, sent %llu, received %llu (%.0f msgs/s, %s), mismatched bytes %llu\n", s.elapsedSec,
                static_cast<unsigned long long>(s.messagesSent), static_cast<unsigned long long>(s.messagesReceived),
                static_cast<double>(s.messagesReceived) / elapsed,
                formatByteRateCompact(static_cast<double>(s.bytesReceived) / elapsed).c_str(),
                static_cast<unsigned long long>(s.mismatchedBytes));
    printConnectionsAndBytes(s);
    printErrors(s);
    if (h.count() > 0)
      std::printf("latency: p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (%llu samples)\n",
                  formatDurationCompact(h.percentile(50)).c_str(), formatDurationCompact(h.percentile(90)).c_str(),
                  formatDurationCompact(h.percentile(99)).c_str(), formatDurationCompact(h.percentile(99.9)).c_str(),
                  formatDurationCompact(h.max()).c_str(), static_cast<unsigned long long>(h.count()));
    std::printf("%s\n", ok ? "PASS" : ("FAIL: " + why).c_str());
  }
  std::fflush(stdout);
  if (!ok) {
    // One clear line on stderr naming the cause (refused, reset, mismatch...).
    std::fprintf(stderr, "reactorscope-cli: %s\n", client.firstError().empty() ? why.c_str() : client.firstError().c_str());
    return kExitCheckFailed;
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs((cliUsage() + cli::recordingCommandsUsage()).c_str(), stderr);
    return kExitUsage;
  }
  const std::string verb = args[0];
  args.erase(args.begin());
  if (verb == "--help" || verb == "-h" || verb == "help") {
    if (!args.empty() && args[0] == "server") std::fputs((serverUsage() + recording::recordUsage()).c_str(), stdout);
    else if (!args.empty() && args[0] == "client") std::fputs((clientUsage() + recording::recordUsage()).c_str(), stdout);
    else if (args.empty() || args[0] == "info" || args[0] == "export")
      std::fputs((cliUsage() + cli::recordingCommandsUsage()).c_str(), stdout);
    else return usageError("no help for '" + args[0] + "' (commands: server, client, info, export)");
    return kExitOk;
  }
  std::string error;
  if (verb == "info" || verb == "export") {
    if (std::find_if(args.begin(), args.end(), [](const std::string& a) { return a == "--help" || a == "-h"; }) !=
        args.end()) {
      std::fputs((cliUsage() + cli::recordingCommandsUsage()).c_str(), stdout);
      return kExitOk;
    }
    return cli::runRecordingCommand(verb, args);
  }
  const std::string settings = joined(args);
  const auto record = (verb == "server" || verb == "client") ? recording::takeRecordOptions(args, &error)
                                                             : std::optional<recording::RecordOptions>();
  if ((verb == "server" || verb == "client") && !record) return usageError(error);
  if (verb == "server" && !record->hdrLogPath.empty())
    return usageError("--hdr-log is a client option (the client measures the latency)");
  if (verb == "server") {
    auto cmd = parseServerArgs(args, &error);
    if (!cmd) return usageError(error);
    if (cmd->help) {
      std::fputs((serverUsage() + recording::recordUsage()).c_str(), stdout);
      return kExitOk;
    }
    return runServer(*cmd, *record, settings);
  }
  if (verb == "client") {
    auto cmd = parseClientArgs(args, &error);
    if (!cmd) return usageError(error);
    if (cmd->help) {
      std::fputs((clientUsage() + recording::recordUsage()).c_str(), stdout);
      return kExitOk;
    }
    return runClient(*cmd, *record, settings);
  }
  return usageError("unknown command '" + verb + "' (expected server, client, info or export; see --help)");
}
