// Chrome trace-event JSON (the "JSON Object Format": {"traceEvents":[...]}), which
// Perfetto UI and chrome://tracing open. Streaming: each call writes its event(s)
// to the file at once, so the export never holds the trace in memory. A session is
// a process (pid = session id), a track a thread (tid = track uuid) named by a
// metadata event; counters are "C" events named after their track; flows are
// "s"/"f" pairs binding the ready instant's enclosing slice to the callback.
// Timestamps are microseconds with ns precision (3 decimals).
// Thread contract: one thread.
#pragma once
#include <cstdio>
#include <map>
#include <string>

#include "ExportSink.h"

namespace rs::exporting {

class ChromeJsonWriter final : public ExportSink {
 public:
  // Writes to `out` (not owned; the caller closes it after finish()).
  explicit ChromeJsonWriter(std::FILE* out);
  void track(const ExportTrack& track) override;
  void sliceBegin(uint64_t track, int64_t tsNs, const std::string& name, uint64_t flowEndId) override;
  void sliceEnd(uint64_t track, int64_t tsNs) override;
  void instant(uint64_t track, int64_t tsNs, const std::string& name, uint64_t flowStartId) override;
  void counter(uint64_t track, int64_t tsNs, int64_t value) override;
  bool finish(std::string* error) override;

 private:
  struct Track {
    int64_t pid = 0;
    std::string name;
  };
  // Starts one event object: {"ph":"X","pid":..,"tid":..,"ts":.. (no closing brace).
  void open(char phase, uint64_t track, int64_t tsNs);
  // A flow event: 's' (start) or 'f' (end) of flow `id`.
  void flow(char phase, uint64_t track, int64_t tsNs, uint64_t id);
  std::FILE* out_;
  std::map<uint64_t, Track> tracks_;
  bool first_ = true;
};

// JSON string contents for `text` (quotes, backslashes, control characters escaped).
std::string jsonEscaped(const std::string& text);

}  // namespace rs::exporting
