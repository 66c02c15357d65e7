// One recorded session's record path, shared by every recorder (reactorscope-cli's
// CliRecorder, the app's AppRecorder, reactorscope-run's RunRecorder): each event is
// described to the writer once, the first time its records are seen (the caller
// fills its label and callback), and again if it had no owner then and a
// later record has one (a traced program's bufferevent tags its events after
// event_new); every kKeyframeIntervalNs of record time a keyframe
// (recording/Keyframes) is added before the records it precedes; then the
// records are queued on the writer (which encodes and writes on its own thread).
// resync() (the app's recorder: a resync from an engine snapshot after its trace
// ring dropped records) makes the snapshot a keyframe at its time and the
// keyframes from then on derive from it (KeyframeMaker::resync; a tee constructed
// with keepForResync can also remake the keyframes already cut past that time).
// Thread contract: one thread at a time (the recorder's); the writer is any-thread.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>

#include "Keyframes.h"
#include "RecordingWriter.h"

namespace rs::recording {

class SessionTee {
 public:
  // Every this much record time, a keyframe.
  static constexpr int64_t kKeyframeIntervalNs = 250'000'000;
  // Fills in what only the recorder knows about a new event (label, callback);
  // kind, fd and owner come from its first record.
  using Describe = std::function<void(EventInfo& event)>;

  // `writer` outlives the tee; `session` is the writer's id for it.
  SessionTee(RecordingWriter& writer, int64_t session, bool keepForResync = false);
  SessionTee(const SessionTee&) = delete;
  SessionTee& operator=(const SessionTee&) = delete;

  int64_t session() const { return session_; }
  void add(const TraceRecord* records, size_t count, const Describe& describe);
  // Describes an already seen event again with this label and callback (learned
  // after its first records; the file keeps the last description, kind and fd
  // as its first record had them, the owner as the first that had one); an
  // event not seen yet, or freed long ago (forgetLater()), is left alone.
  void redescribe(uint64_t eventId, std::string label, std::string callback);
  // The engine's snapshot taken at takenNs (record time): events in it not seen
  // yet are described (kind, fd, owner from it; `describe` adds the label); see
  // KeyframeMaker::resync for what it does to the keyframes and what true means.
  bool resync(int64_t takenNs, const SnapshotEvents& snapshot, const Describe& describe);

  // Descriptions kept: the live events' and the last kFreedKept freed ones' (forgetLater()).
  static constexpr size_t kFreedKept = 4096;
  size_t describedCount() const { return described_.size(); }

 private:
  // Describes the event to the writer unless it was already (with an owner, if it has one now).
  void describeOnce(uint64_t eventId, EventKind kind, int32_t fd, uint32_t owner, const Describe& describe);

  // A freed event's description is kept for the kFreedKept events freed after
  // it (a label learned late, as for a short-lived event, still reaches the
  // file), then forgotten: a long recording's memory does not grow with every
  // event it ever saw.
  void forgetLater(uint64_t eventId);

  RecordingWriter& writer_;
  const int64_t session_;
  std::unordered_map<uint64_t, EventInfo> described_;  // as last written
  std::deque<uint64_t> freed_;                         // described events freed, oldest first
  KeyframeMaker keyframes_;
};

}  // namespace rs::recording
