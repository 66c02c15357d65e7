// Everything a consumer (the GUI, a test, a benchmark reader) needs from one base:
// the record ring, the run-time on/off switch and a directory of event labels.
#pragma once
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/Trace.h"
#include "core/TraceClock.h"
#include "core/TraceRing.h"

namespace rs {

// Static description of an event; records carry only its id.
struct EventInfo {
  uint64_t id = 0;
  uint32_t owner = 0;
  EventKind kind = EventKind::Io;
  int fd = -1;
  short events = 0;
  int priority = 0;
  std::string label;
};

class Tracer {
 public:
  explicit Tracer(size_t capacity = size_t{1} << 17) : ring_(capacity), tsc_(traceclock::useTsc()) {}

  // Loop thread: the one branch tracing costs when off.
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  // Loop thread: a record timestamp (raw TSC when invariant, else monotonic ns;
  // drain() hands out monotonic ns). Differences of two stamps are durations in
  // stamp units: traceclock::durationToNs() converts them.
  TraceStamp stamp() const { return traceclock::stamp(tsc_); }
  bool usesTsc() const { return tsc_; }
  // Writes the next slot in place (TraceRing::emplace); false: dropped.
  template <class Fill>
  bool emplace(Fill&& fill) {
    return ring_.emplace(static_cast<Fill&&>(fill));
  }
  TraceRing::Burst beginBurst(size_t max) { return ring_.beginBurst(max); }
  TraceSlot* next(TraceRing::Burst& b) { return ring_.next(b); }
  void endBurst(const TraceRing::Burst& b) { ring_.endBurst(b); }
  // A slot standing for kRecords records (TraceRing::emplaceGroup).
  template <unsigned kRecords, class Fill>
  bool emplaceGroup(Fill&& fill) {
    return ring_.emplaceGroup<kRecords>(static_cast<Fill&&>(fill));
  }

  // Safe from any thread.
  void setEnabled(bool on) { enabled_.store(on, std::memory_order_relaxed); }
  uint64_t dropped() const { return ring_.dropped(); }

  // Consumer thread only.
  size_t drain(TraceRecord* out, size_t max) { return ring_.drain(out, max); }
  TraceRing& ring() { return ring_; }

  // Label directory: events with a label (setLabel) are published, once per
  // event, not per dispatch; any thread looks up. Unlabelled events have no
  // entry: their records carry kind, fd and owner, and their "new" record the
  // flags. Retired entries linger so a late reader still finds them.
  void publishInfo(const EventInfo& info);
  void retireInfo(uint64_t id);
  std::optional<EventInfo> info(uint64_t id) const;

 private:
  TraceRing ring_;
  const bool tsc_;
  std::atomic<bool> enabled_{false};
  mutable std::mutex mutex_;
  std::unordered_map<uint64_t, EventInfo> infos_;
  std::deque<uint64_t> retired_;  // oldest first; bounded
};

}  // namespace rs
