// What a load-client run measured and how it went: the counters
// (LoadClientStats), the latency histograms, the one-second intervals, the
// connection errors tallied by short reason, the first error's detailed line,
// and the words for both verdicts -- why a connection had not finished
// (describeUnfinished) and whether the run passed (passed). The client's core
// feeds it as things happen; nothing here decides when anything happens.
// Thread contract: loop thread only (the client's loop); other threads get
// copies taken there (LoadClient::stats(), histogram(), intervals()).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "net/InetAddress.h"
#include "workload/LatencyHistogram.h"
#include "workload/LoadClient.h"
#include "workload/LoadConnection.h"

namespace rs {

class LoadClientReport {
 public:
  enum class ErrorKind { Refused, Reset, Timeout, Other };
  // A socket errno as an error kind and short reason ("connect refused").
  static std::pair<ErrorKind, std::string> classify(int err, bool connecting);

  void setLogSink(LogSink sink) { sink_ = std::move(sink); }
  void setIntervalCallback(std::function<void(const IntervalStats&)> cb) { intervalCb_ = std::move(cb); }
  // Called as each interval closes, with that interval's own latency histogram
  // (reset right after): what --hdr-log writes. Nothing extra on the hot path.
  using IntervalHistogramCallback = std::function<void(const IntervalStats&, const LatencyHistogram&)>;
  void setIntervalHistogramCallback(IntervalHistogramCallback cb) { intervalHistogramCb_ = std::move(cb); }
  void log(LogLevel level, const std::string& message) const;

  // ---- errors ----
  // Keeps (and logs once) the first error's detailed line.
  void noteError(const std::string& detail);
  // One connection error: its counter, its short reason in the tally passed()
  // reports ("2 connections: reset by the server"), and the first error line.
  void connectionError(ErrorKind kind, const std::string& reason, const std::string& detail);
  // Bytes that did not match what was expected: never counted as received.
  void mismatch(uint64_t bytes, const std::string& detail);

  // ---- traffic ----
  void messageQueued(size_t bytes, bool countsAsDone);  // countsAsDone: discard mode
  void bytesReceived(size_t bytes);
  void messageEchoed(Nanos latencyNs);

  // ---- one-second intervals ----
  void startIntervals(Nanos startNs);
  void closeInterval(Nanos now);
  // At the end: closes the partial interval if anything happened in it (or if
  // there is none yet), so every run has at least one.
  void closeLastInterval(Nanos now);

  // The connection counters are the core's to keep up to date.
  LoadClientStats& stats() { return stats_; }
  const LoadClientStats& stats() const { return stats_; }
  const LatencyHistogram& histogram() const { return histogram_; }
  const std::vector<IntervalStats>& intervals() const { return intervals_; }
  const std::string& firstError() const { return firstError_; }

  // The verdict of a finished run (LoadClient::passed() documents it);
  // `sendingEndedBy` says what stopped sending ("the duration ended").
  bool passed(const LoadClientConfig& config, const InetAddress& target, const char* sendingEndedBy,
              std::string* why) const;

 private:
  LoadClientStats stats_;
  LatencyHistogram histogram_;
  LatencyHistogram intervalHistogram_;
  std::vector<IntervalStats> intervals_;
  IntervalStats current_;
  uint64_t errorsAtIntervalStart_ = 0;
  Nanos startNs_ = 0;
  Nanos intervalStartNs_ = 0;
  // Connection errors by short reason, in first-seen order ("reset by the server" -> 2).
  std::vector<std::pair<std::string, uint64_t>> errorTally_;
  std::string firstError_;
  LogSink sink_;
  std::function<void(const IntervalStats&)> intervalCb_;
  IntervalHistogramCallback intervalHistogramCb_;
};

// Why a connection that is not closed has not finished: the short reason the
// tally shows and one detailed line -- the one place these are worded.
// `runEnded`: the run's own deadline (duration + timeout) cut it short rather
// than the connection's.
std::pair<std::string, std::string> describeUnfinished(const LoadConnection& c, const LoadClientConfig& config,
                                                       const InetAddress& target, bool runEnded);

}  // namespace rs
