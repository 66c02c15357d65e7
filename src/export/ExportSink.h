// What an exporter writes, in trace-viewer terms: tracks (a process track per
// session; under it the loop, one callback track and one state track per event,
// and one counter track per connection buffer), slices on them, instants, counter
// values and flows. TraceWalker turns a recording into these calls in time order;
// ChromeJsonWriter and PerfettoWriter put them in their formats, streaming.
// Thread contract: one thread.
#pragma once
#include <cstdint>
#include <string>

namespace rs::exporting {

struct ExportTrack {
  uint64_t uuid = 0;         // unique in the export, never 0
  uint64_t parentUuid = 0;   // 0 for a session's process track
  int64_t session = 0;       // the recording's session (the "process")
  std::string name;
  bool counter = false;      // a counter track (values in bytes)
};

class ExportSink {
 public:
  virtual ~ExportSink() = default;
  // Declared before its first use.
  virtual void track(const ExportTrack& track) = 0;
  // flowEndId: a flow this slice terminates (0: none).
  virtual void sliceBegin(uint64_t track, int64_t tsNs, const std::string& name, uint64_t flowEndId) = 0;
  virtual void sliceEnd(uint64_t track, int64_t tsNs) = 0;
  // flowStartId: a flow that starts here (0: none).
  virtual void instant(uint64_t track, int64_t tsNs, const std::string& name, uint64_t flowStartId) = 0;
  virtual void counter(uint64_t track, int64_t tsNs, int64_t value) = 0;
  // Flushes; false with *error when writing failed (disk full, ...).
  virtual bool finish(std::string* error) = 0;
};

}  // namespace rs::exporting
