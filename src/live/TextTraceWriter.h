// --trace-text: one line per message of a live trace stream, records labelled
// with the program's own callback names (SymbolResolver). Line formats are in
// docs/trace-protocol.md ("Text form"); e.g.
//   0.002113 pid=4242 base=1 ev=7 read_cb[bufferevent-read,event_cb] io fd=8 pending -> active (fd ready: read)
// Thread contract: one thread (the TraceDecoder's).
#pragma once
#include <cstdio>
#include <map>
#include <string>
#include <utility>

#include "live/EventLabels.h"
#include "live/PeerAddress.h"
#include "live/TraceDecoder.h"

namespace rs::live {

// The tutorial's names for states and the causes of transitions.
const char* stateName(EventState s);
const char* causeName(TraceCause c);

class TextTraceWriter : public TraceSink {
 public:
  // Writes to `out` (not owned), flushed after every records message.
  explicit TextTraceWriter(std::FILE* out) : out_(out) {}

  void hello(const Hello& h) override;
  void baseCreated(uint64_t base, const std::string& method) override;
  void baseFreed(uint64_t base) override;
  void callback(const CallbackInfo& info) override;
  void records(uint64_t base, const TraceRecord* records, size_t count) override;
  void log(int severity, const std::string& text) override;
  void dropped(const DropCounts& counts) override;
  void exited(const ProgramExit& x) override;

 private:
  void writeRecord(uint64_t base, const TraceRecord& r);
  // (In double: hostile stamps may be any int64, the difference must not overflow.)
  double seconds(int64_t ns) const { return (static_cast<double>(ns) - static_cast<double>(startNs_)) / 1e9; }

  std::FILE* out_;
  uint32_t pid_ = 0;
  int64_t startNs_ = 0;
  EventLabels labels_;
  PeerAddresses peers_;
  // Per base, the event whose callback runs (callbacks of one base never
  // nest): an event freed inside its own callback (event_base_once, a
  // bufferevent freed in its event callback) keeps its label for its
  // "callback end" line, and is forgotten there.
  struct RunningCallback {
    uint64_t eventId = 0;
    bool freed = false;
  };
  std::map<uint64_t, RunningCallback> running_;
  static constexpr size_t kMaxBasesTracked = 256;  // (a hostile stream names any base ids)
};

}  // namespace rs::live
