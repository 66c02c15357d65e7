// Every event's state and every buffer's level as of one instant, built by applying
// trace records in time order: what a recording's keyframe holds (its `keyframes.data`
// blob, docs/recording-format.md "Keyframe codec 1") and what a replay shows at a
// time t (keyframe at or before t, then the records after it up to t).
// Thread contract: a plain value; one thread at a time.
#pragma once
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <string>
#include <utility>
#include <vector>

#include "SnapshotFloor.h"
#include "core/Trace.h"

namespace rs::recording {

struct EventSnapshot {
  EventKind kind = EventKind::Io;
  EventState state = EventState::Invalid;
  TraceCause lastCause = TraceCause::None;
  int32_t fd = -1;
  uint32_t owner = 0;
  uint64_t activations = 0;      // transitions into Active (as the events table counts them)
  uint64_t transitions = 0;      // state changes seen
  int64_t lastChangeNs = 0;      // time of the latest transition
  int64_t lastCallbackNs = 0;    // duration of the latest finished callback
  int64_t totalCallbackNs = 0;   // sum of finished callbacks' durations
};

// An engine snapshot as a resync hands it over: (event id, its state and counters;
// transitions and lastChangeNs are not the engine's to know and are ignored).
using SnapshotEvents = std::vector<std::pair<uint64_t, EventSnapshot>>;

class EventStates {
 public:
  static constexpr uint32_t kCodecId = 1;
  // decode() refuses a blob naming more (a hostile count must not allocate).
  static constexpr uint64_t kMaxEntries = uint64_t{1} << 24;

  void apply(const TraceRecord& record);
  void apply(const TraceRecord* records, size_t count) {
    for (size_t i = 0; i < count; ++i) apply(records[i]);
  }

  // A resync from an engine snapshot taken at takenNs: its events' states and
  // counters replace these (transitions and last change as the records left them);
  // an event it lacks was freed before it (Invalid, cause Free, changed at takenNs,
  // as the live view marks it). From then on a record older than takenNs changes
  // no event's state (SnapshotFloor.h); buffer levels stay the records'.
  void resync(int64_t takenNs, const SnapshotEvents& snapshot);
  int64_t snapshotNs() const { return snapshotNs_; }

  // Event id -> state (hashed: apply() runs per record; encode() sorts).
  const std::unordered_map<uint64_t, EventSnapshot>& events() const { return events_; }
  // levelKey(owner, BufferId) -> bytes (buffer levels and watermarks) at the last record.
  static uint64_t levelKey(uint32_t owner, BufferId buffer) {
    return (uint64_t{owner} << 8) | static_cast<uint8_t>(buffer);
  }
  const std::unordered_map<uint64_t, int64_t>& levels() const { return levels_; }
  uint64_t recordsApplied() const { return recordsApplied_; }

  // The keyframe blob: header "RSK1", counts, then fixed-width little-endian entries.
  std::vector<uint8_t> encode() const;
  // Replaces this table with the blob's; false with *error naming what is wrong.
  bool decode(const uint8_t* data, size_t size, std::string* error);

 private:
  std::unordered_map<uint64_t, EventSnapshot> events_;
  std::unordered_map<uint64_t, int64_t> levels_;
  uint64_t recordsApplied_ = 0;
  int64_t snapshotNs_ = kNoSnapshotNs;  // the latest resync's (not encoded: see Keyframes.h)
};

}  // namespace rs::recording
