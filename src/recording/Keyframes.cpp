#include "Keyframes.h"

#include <climits>

namespace rs::recording {

void KeyframeMaker::feed(const TraceRecord* records, size_t count) {
  size_t applied = 0;  // records [0, applied) are in states_
  for (size_t i = 0; i < count; ++i) {
    const int64_t ts = records[i].tsNs;
    if (!started_) {
      started_ = true;
      nextNs_ = ts + intervalNs_;
    }
    // Records come in time order: every record before i is older than ts.
    if (ts >= nextNs_) {
      states_.apply(records + applied, i - applied);
      applied = i;
      onKeyframe_(ts, states_.encode());
      nextNs_ = ts + intervalNs_;
    }
  }
  states_.apply(records + applied, count - applied);
}

bool stateAt(RecordingReader& reader, int64_t session, int64_t tNs, EventStates& out, std::string* error,
             SeekCost* cost) {
  int64_t keyTs = 0;
  std::vector<uint8_t> blob;
  std::string why;
  out = EventStates();
  int64_t fromNs = INT64_MIN;
  if (reader.keyframeAtOrBefore(session, tNs, keyTs, blob, &why)) {
    if (!out.decode(blob.data(), blob.size(), error)) return false;
    fromNs = keyTs;
  } else if (!why.empty()) {
    if (error) *error = why;
    return false;
  }
  std::vector<TraceRecord> records;
  if (!reader.records(session, fromNs, tNs, records, error)) return false;
  out.apply(records.data(), records.size());
  if (cost) *cost = {fromNs == INT64_MIN ? 0 : keyTs, records.size(), reader.lastBlocksRead()};
  return true;
}

}  // namespace rs::recording
