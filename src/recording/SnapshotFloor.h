// The rule a resync from an engine snapshot sets for the records that follow it:
// the snapshot, taken at snapshotNs, already holds the effect of every record
// older than it, so such a record (drained late) no longer changes an event's
// state; a record at or after snapshotNs does. The live view (TraceAggregator)
// and the recording's keyframes (EventStates, KeyframeMaker) both ask this.
// Thread contract: a pure function.
#pragma once
#include <cstdint>

namespace rs::recording {

// No snapshot yet: every record changes state.
constexpr int64_t kNoSnapshotNs = INT64_MIN;

constexpr bool changesStateAfterSnapshot(int64_t recordTsNs, int64_t snapshotNs) {
  return recordTsNs >= snapshotNs;
}

}  // namespace rs::recording
