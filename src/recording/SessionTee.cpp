#include "SessionTee.h"

#include <utility>

namespace rs::recording {

SessionTee::SessionTee(RecordingWriter& writer, int64_t session, bool keepForResync)
    : writer_(writer),
      session_(session),
      keyframes_(
          kKeyframeIntervalNs,
          [this](int64_t tsNs, std::vector<uint8_t> state, KeyframeSource source) {
            writer_.addKeyframe(session_, tsNs, std::move(state), source);
          },
          KeyframeMaker::kDefaultMaxRecords, keepForResync) {}

void SessionTee::describeOnce(uint64_t eventId, EventKind kind, int32_t fd, uint32_t owner, const Describe& describe) {
  if (eventId == 0) return;
  if (const auto it = described_.find(eventId); it != described_.end()) {
    if (it->second.owner == 0 && owner != 0) [[unlikely]] {  // tagged after its first record (a bufferevent's events)
      it->second.owner = owner;
      writer_.addEvent(session_, it->second);
    }
    return;
  }
  EventInfo info;
  info.eventId = eventId;
  info.kind = kind;
  info.fd = fd;
  info.owner = owner;
  if (describe) describe(info);
  described_[eventId] = info;
  writer_.addEvent(session_, std::move(info));
}

void SessionTee::add(const TraceRecord* records, size_t count, const Describe& describe) {
  for (size_t i = 0; i < count; ++i) {
    const TraceRecord& r = records[i];
    describeOnce(r.eventId, r.kind, r.fd, r.owner, describe);
    if (freesEvent(r)) [[unlikely]] forgetLater(r.eventId);
  }
  // Keyframes before the records they precede: a reader never sees records past a keyframe without it.
  keyframes_.feed(records, count);
  if (count) writer_.append(session_, records, count);
}

bool SessionTee::resync(int64_t takenNs, const SnapshotEvents& snapshot, const Describe& describe) {
  for (const auto& [id, e] : snapshot) describeOnce(id, e.kind, e.fd, e.owner, describe);
  return keyframes_.resync(takenNs, snapshot);
}

void SessionTee::forgetLater(uint64_t eventId) {
  freed_.push_back(eventId);
  if (freed_.size() <= kFreedKept) return;
  described_.erase(freed_.front());
  freed_.pop_front();
}

void SessionTee::redescribe(uint64_t eventId, std::string label, std::string callback) {
  const auto it = described_.find(eventId);
  if (it == described_.end()) return;  // described with its first record
  if (it->second.label == label && it->second.callback == callback) return;
  it->second.label = std::move(label);
  it->second.callback = std::move(callback);
  writer_.addEvent(session_, it->second);
}

}  // namespace rs::recording
