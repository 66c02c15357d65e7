// Reads a recording's sessions through RecordingReader, a time chunk at a time
// (never the whole file in memory), and describes them to an ExportSink:
//   - per session a process track, and a "loop" track with its poll waits as slices;
//   - per event a callbacks track (callbacks as slices) and a states track (each
//     state from one transition to the next as a slice, named after the state);
//   - per connection buffer and watermark a counter track (bytes);
//   - a flow from each "ready" transition (fd readable/writable/closed, timeout,
//     signal) to the callback it caused.
// Slices still open at the end of the range are closed at the session's last record.
// Thread contract: one thread (the reader's).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "ExportSink.h"
#include "RecordingReader.h"

namespace rs::exporting {

struct ExportRange {
  int64_t fromNs = INT64_MIN;  // CLOCK_MONOTONIC ns, as in the recording
  int64_t toNs = INT64_MAX;
};

struct WalkCounts {
  uint64_t records = 0, slices = 0, flows = 0, counterValues = 0, tracks = 0;
  // Sessions walked whole whose blocks held fewer records than their session
  // row counts (an edited or damaged file: blocks missing, moved to another
  // session, or out of the reach of the time index); one sentence each, "" when none.
  std::string shortSessions;
};

class TraceWalker {
 public:
  // Records read per query: a chunk of at most this much record time.
  static constexpr int64_t kChunkNs = 100'000'000;

  TraceWalker(recording::RecordingReader& reader, ExportSink& sink) : reader_(reader), sink_(sink) {}
  // Every session, in id order; false with *error on a bad block or query.
  bool walk(const ExportRange& range, std::string* error);
  const WalkCounts& counts() const { return counts_; }

 private:
  struct EventTracks {
    uint64_t callbacks = 0, states = 0;
    bool callbackOpen = false, stateOpen = false;
    uint64_t pendingFlow = 0;  // a ready transition waiting for its callback
  };
  bool walkSession(const recording::SessionSummary& session, const ExportRange& range, std::string* error);
  // The session's records in range, a chunk at a time; false with *error on a bad block or query.
  bool walkRecords(const recording::SessionSummary& session, const ExportRange& range,
                   const recording::TimeSpan& span, std::string* error);
  void apply(int64_t session, const TraceRecord& r);
  EventTracks& tracksOf(int64_t session, const TraceRecord& r);
  uint64_t counterTrack(int64_t session, uint32_t owner, int32_t fd, BufferId buffer);
  uint64_t declare(int64_t session, uint64_t parent, std::string name, bool counter);
  void closeOpen(int64_t tsNs);

  recording::RecordingReader& reader_;
  ExportSink& sink_;
  WalkCounts counts_;
  uint64_t nextUuid_ = 1, nextFlow_ = 1;
  // Per session (reset by walkSession):
  uint64_t processTrack_ = 0, loopTrack_ = 0;
  bool waitOpen_ = false;
  std::map<uint64_t, std::string> labels_;
  std::map<uint64_t, EventTracks> events_;
  std::map<std::pair<uint32_t, BufferId>, uint64_t> counters_;
};

}  // namespace rs::exporting
