// Keyframes for replay: KeyframeMaker follows a session's records (in time order)
// and, every intervalNs of record time or every maxRecords records, whichever comes
// first, hands out the state of every event before the record where it cuts
// (EventStates::encode), keyed by that record's time K: the keyframe holds exactly
// the records with tsNs < K (it only cuts where the time steps up, so no record
// before the cut has time K). The record bound caps a seek's replay work at busy
// times (2.4 M records/s would be 600 K records per 250 ms); the time bound caps it
// at quiet ones. stateAt() is the seek: the latest keyframe at or before t, then
// the records in [K, t]; without a keyframe, every record up to t.
// resync() (the app's recorder, after its trace ring dropped records) adds a
// keyframe at the snapshot's time R holding the snapshot's events
// (KeyframeSource::Snapshot), so a seek to t >= R starts from the engine's states,
// not from records that missed transitions. Records at or past R may already have
// been fed (they are drained before the snapshot is handed over), and keyframes
// cut past R from them: with keepForResync the maker keeps its last kKeptKeyframes
// keyframes' states and the records fed since the oldest, and makes those
// keyframes again (same times, so the file's replace them) from the snapshot plus
// the records at or past R; the state it goes on from is built the same way.
// Without them (R older than what is kept) the keyframe at R is still written, and
// the keyframes already cut past R stay as they were.
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
  // A keyframe at keyframeTsNs (again at the same time: it replaces the first).
  using Emit = std::function<void(int64_t keyframeTsNs, std::vector<uint8_t> state, KeyframeSource source)>;
  // 64 Ki records: a seek replays at most this many (plus one loop iteration).
  static constexpr uint64_t kDefaultMaxRecords = uint64_t{1} << 16;
  // keepForResync: keyframes whose states are kept (with the records since the
  // oldest: about kKeptKeyframes x maxRecords records at most, 7.5 MiB by default).
  // It costs feed() about a third of its speed (echo-like records, 1000
  // connections: 39 -> 25 M records/s); only the app's recorder, which resyncs, keeps.
  static constexpr size_t kKeptKeyframes = 3;
  KeyframeMaker(int64_t intervalNs, Emit onKeyframe, uint64_t maxRecords = kDefaultMaxRecords,
                bool keepForResync = false);
  void feed(const TraceRecord* records, size_t count);
  // An engine snapshot taken at takenNs (record time) replaces the states (see
  // above). True: the keyframes past takenNs were made again; false: what was kept
  // starts after takenNs (or nothing is kept), they stay as made.
  bool resync(int64_t takenNs, const SnapshotEvents& snapshot);
  const EventStates& states() const { return states_; }
  uint64_t keyframesMade() const { return made_; }
  size_t keptRecords() const { return kept_.size(); }

 private:
  // A keyframe made at tsNs: its state, and the index in kept_ of the first record past it.
  struct Kept {
    int64_t tsNs;
    EventStates states;
    size_t firstRecord;
  };
  void makeKeyframe(int64_t tsNs, const EventStates& states, KeyframeSource source);
  void dropOldKept();  // down to kKeptKeyframes

  const int64_t intervalNs_;
  const uint64_t maxRecords_;
  const bool keepForResync_;
  Emit onKeyframe_;
  EventStates states_;
  std::vector<Kept> keptKeyframes_;  // keepForResync_: ascending time; the first is the start (empty state)
  std::vector<TraceRecord> kept_;    // keepForResync_: every record fed since keptKeyframes_.front()
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
