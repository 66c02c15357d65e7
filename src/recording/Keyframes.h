// Keyframes for replay: KeyframeMaker follows a session's records (in time order)
// and, every intervalNs of record time or every maxRecords records, whichever comes
// first, hands out the state of every event before the record where it cuts
// (EventStates::encode), keyed by that record's time K: the keyframe holds exactly
// the records with tsNs < K (it only cuts where the time steps up, so no record
// before the cut has time K). The record bound caps a seek's replay work at busy
// times (2.4 M records/s would be 600 K records per 250 ms); the time bound caps it
// at quiet ones. stateAt() is the seek: the latest keyframe at or before t, then
// the records in [K, t]; without a keyframe, every record up to t.
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
  // 64 Ki records: a seek replays at most this many (plus one loop iteration).
  static constexpr uint64_t kDefaultMaxRecords = uint64_t{1} << 16;
  KeyframeMaker(int64_t intervalNs, Emit onKeyframe, uint64_t maxRecords = kDefaultMaxRecords)
      : intervalNs_(intervalNs), maxRecords_(maxRecords), onKeyframe_(std::move(onKeyframe)) {}
  void feed(const TraceRecord* records, size_t count);
  const EventStates& states() const { return states_; }
  uint64_t keyframesMade() const { return made_; }

 private:
  const int64_t intervalNs_;
  const uint64_t maxRecords_;
  Emit onKeyframe_;
  EventStates states_;
  int64_t nextNs_ = 0;
  int64_t previousTsNs_ = 0;
  uint64_t sinceKeyframe_ = 0;  // records fed since the last keyframe
  uint64_t made_ = 0;
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
