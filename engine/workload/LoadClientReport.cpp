#include "workload/LoadClientReport.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/Socket.h"

namespace rs {

namespace {
std::string msText(Nanos ns) { return std::to_string(ns / kNsPerMs) + " ms"; }
std::string plural(uint64_t n, const char* noun) { return std::to_string(n) + " " + noun + (n == 1 ? "" : "s"); }
}  // namespace

std::pair<LoadClientReport::ErrorKind, std::string> LoadClientReport::classify(int err, bool connecting) {
  switch (err) {
    case ECONNREFUSED: return {ErrorKind::Refused, "connect refused"};
    case ECONNRESET:
    case EPIPE: return {ErrorKind::Reset, "reset by the server"};
    case ETIMEDOUT: return {ErrorKind::Timeout, connecting ? "connect timed out" : "timed out"};
    default: return {ErrorKind::Other, std::string(connecting ? "connect: " : "") + std::strerror(err)};
  }
}

void LoadClientReport::log(LogLevel level, const std::string& message) const {
  if (sink_) sink_(level, message);
}

// ---- errors ------------------------------------------------------------------

void LoadClientReport::noteError(const std::string& detail) {
  if (firstError_.empty()) {
    firstError_ = detail;
    log(LogLevel::Warning, detail);
  }
}

void LoadClientReport::connectionError(ErrorKind kind, const std::string& reason, const std::string& detail) {
  switch (kind) {
    case ErrorKind::Refused: ++stats_.errRefused; break;
    case ErrorKind::Reset: ++stats_.errReset; break;
    case ErrorKind::Timeout: ++stats_.errTimeout; break;
    case ErrorKind::Other: ++stats_.errOther; break;
  }
  auto it = std::find_if(errorTally_.begin(), errorTally_.end(), [&](const auto& e) { return e.first == reason; });
  if (it == errorTally_.end()) errorTally_.emplace_back(reason, 1);
  else ++it->second;
  noteError(detail);
}

void LoadClientReport::mismatch(uint64_t bytes, const std::string& detail) {
  stats_.mismatchedBytes += bytes;
  ++stats_.errMismatch;
  noteError(detail);
}

// ---- traffic -----------------------------------------------------------------

void LoadClientReport::messageQueued(size_t bytes, bool countsAsDone) {
  ++stats_.messagesSent;
  stats_.bytesQueued += bytes;
  if (countsAsDone) {
    current_.messages += 1;
    current_.bytes += bytes;
  }
}

void LoadClientReport::bytesReceived(size_t bytes) {
  stats_.bytesReceived += bytes;
  current_.bytes += bytes;
}

void LoadClientReport::messageEchoed(Nanos latencyNs) {
  ++stats_.messagesReceived;
  ++current_.messages;
  histogram_.record(latencyNs);
  intervalHistogram_.record(latencyNs);
}

// ---- one-second intervals ----------------------------------------------------

void LoadClientReport::startIntervals(Nanos startNs) {
  startNs_ = intervalStartNs_ = startNs;
  current_.startSec = 0;
}

void LoadClientReport::closeInterval(Nanos now) {
  current_.startSec = static_cast<double>(intervalStartNs_ - startNs_) / 1e9;
  current_.endSec = static_cast<double>(now - startNs_) / 1e9;
  current_.p50Ns = intervalHistogram_.percentile(50);
  current_.p99Ns = intervalHistogram_.percentile(99);
  current_.maxNs = intervalHistogram_.max();
  current_.errors = stats_.errors() - errorsAtIntervalStart_;
  intervals_.push_back(current_);
  if (intervalCb_) intervalCb_(current_);
  if (intervalHistogramCb_) intervalHistogramCb_(current_, intervalHistogram_);
  current_ = IntervalStats();
  intervalHistogram_.reset();
  errorsAtIntervalStart_ = stats_.errors();
  intervalStartNs_ = now;
}

void LoadClientReport::closeLastInterval(Nanos now) {
  if (current_.messages || current_.bytes || stats_.errors() != errorsAtIntervalStart_ || intervals_.empty())
    closeInterval(now);
}

// ---- verdicts ----------------------------------------------------------------

bool LoadClientReport::passed(const LoadClientConfig& cfg, const InetAddress& target, const char* sendingEndedBy,
                              std::string* why) const {
  using Fault = LoadClientConfig::Fault;
  using Mode = LoadClientConfig::ServerMode;
  const LoadClientStats& s = stats_;
  auto fail = [&](const std::string& text) {
    if (why) *why = text;
    return false;
  };
  if (cfg.fault == Fault::ClosedPort) {
    const uint64_t n = static_cast<uint64_t>(cfg.connections);
    if (s.errRefused == n) return true;
    return fail("closed-port fault: expected " + std::to_string(n) + " refused connects to " + target.toString() +
                ", got " + std::to_string(s.errRefused));
  }
  if (s.mismatchedBytes || s.errMismatch)
    return fail(std::to_string(s.mismatchedBytes) + " mismatched bytes in " + std::to_string(s.errMismatch) +
                " message(s); first: " + firstError_);
  if (!errorTally_.empty()) {
    std::string text;
    for (const auto& [reason, n] : errorTally_)
      text += (text.empty() ? "" : "; ") + plural(n, "connection") + ": " + reason;
    return fail(text + "; first: " + firstError_);
  }
  if (s.connectionsOpened < s.connectionsAsked)
    return fail("opened " + std::to_string(s.connectionsOpened) + " of " + std::to_string(s.connectionsAsked) +
                " connections asked: " + sendingEndedBy + " before " +
                (cfg.connectRate > 0 ? "--connect-rate reached the rest" : "the rest were opened"));
  if (cfg.serverMode == Mode::Source) {
    if (s.bytesReceived == 0) return fail("nothing was received from the source server");
    return true;
  }
  if (s.messagesSent == 0) return fail("no message was sent");
  if (cfg.fault == Fault::SlowReader && s.bytesReceived == 0)
    return fail("slow reader: nothing came back from the server (" + std::to_string(s.bytesQueued) +
                " B queued); is it an echo server?");
  const bool expectAllAnswered =
      cfg.serverMode == Mode::Echo && (cfg.fault == Fault::None || cfg.fault == Fault::HalfClose);
  if (expectAllAnswered && s.messagesReceived != s.messagesSent)
    return fail(std::to_string(s.messagesSent - s.messagesReceived) + " of " + std::to_string(s.messagesSent) +
                " messages were not echoed");
  return true;
}

std::pair<std::string, std::string> describeUnfinished(const LoadConnection& c, const LoadClientConfig& cfg,
                                                       const InetAddress& target, bool runEnded) {
  const std::string within = " within " + msText(cfg.timeout);
  const std::string by =
      runEnded ? " by the end of the run (" + msText(cfg.timeout) + " after sending ended)" : within;
  if (c.state == LoadConnection::State::Connecting)
    return {"connect not completed" + by, sockets::describeError("connect", target, ETIMEDOUT)};
  const std::string name = c.name(target);
  if (!c.inflight.empty())
    return {"message not echoed" + by,
            name + ": message " + std::to_string(c.recvSeq) + " not echoed" + by + " (" +
                std::to_string(c.recvOffset) + " of " + std::to_string(cfg.messageSize) + " B back, " +
                std::to_string(c.inflight.size()) + " message(s) unanswered)"};
  const size_t unsent = c.bev ? c.bev->output().length() : 0;
  if (unsent > 0)
    return {"the server did not take the last bytes" + within,
            name + ": the server did not take the last " + std::to_string(unsent) + " B" + within};
  if (c.shutdownSent)
    return {"no close from the server after EOF (waited " + msText(cfg.timeout) + ")",
            name + ": every message answered, but no close from the server" + within + " of our EOF"};
  return {"still open " + msText(cfg.timeout) + " after sending ended",
          name + ": still open " + msText(cfg.timeout) + " after sending ended"};
}

}  // namespace rs
