// Keyframes for replay: KeyframeMaker follows a session's records (in time order)
// and, every intervalNs of record time, hands out the state of every event before
// the first record at or past the boundary (EventStates::encode), keyed by that
// record's time K: the keyframe holds exactly the records with tsNs < K. stateAt()
// is the seek: the latest keyframe at or before t, then the records in [K, t];
// without a keyframe, every record up to t.
// Thread contract: KeyframeMaker is one thread's (the recorder's drain thread);
// stateAt() uses the reader's thread.
#pragma once
#include <cstdint>
#include <functional>
#include <utility>
#include <string>
#include <vector>

#include "EventStates.h"
#include "RecordingReader.h"

namespace rs::recording {

class KeyframeMaker {
 public:
  using Emit = std::function<void(int64_t keyframeTsNs, std::vector<uint8_t> state)>;
  KeyframeMaker(int64_t intervalNs, Emit onKeyframe) : intervalNs_(intervalNs), onKeyframe_(std::move(onKeyframe)) {}
  void feed(const TraceRecord* records, size_t count);
  const EventStates& states() const { return states_; }

 private:
  const int64_t intervalNs_;
  Emit onKeyframe_;
  EventStates states_;
  int64_t nextNs_ = 0;
  bool started_ = false;
};

// A keyframe as stored (`keyframes.data`): one zstd frame, with its content size,
// of the EventStates::encode() table. unpackKeyframe() refuses anything else, or a
// frame declaring more than kMaxKeyframeBytes, with a message ("bad keyframe: ...").
constexpr size_t kMaxKeyframeBytes = size_t{256} << 20;
std::vector<uint8_t> packKeyframe(const std::vector<uint8_t>& table);
bool unpackKeyframe(const uint8_t* data, size_t size, std::vector<uint8_t>& table, std::string* error);

struct SeekCost {
  int64_t keyframeTsNs = 0;  // the keyframe used (0: none)
  size_t recordsReplayed = 0;
  size_t blocksRead = 0;
};

// The state of `session` as of tNs (every record with tsNs <= tNs). False with
// *error on a bad keyframe, block or query.
bool stateAt(RecordingReader& reader, int64_t session, int64_t tNs, EventStates& out, std::string* error,
             SeekCost* cost = nullptr);

}  // namespace rs::recording
