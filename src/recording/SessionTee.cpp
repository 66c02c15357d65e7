#include "SessionTee.h"

#include <utility>

namespace rs::recording {

SessionTee::SessionTee(RecordingWriter& writer, int64_t session)
    : writer_(writer),
      session_(session),
      keyframes_(kKeyframeIntervalNs, [this](int64_t tsNs, std::vector<uint8_t> state) {
        writer_.addKeyframe(session_, tsNs, std::move(state));
      }) {}

void SessionTee::add(const TraceRecord* records, size_t count, const Describe& describe) {
  for (size_t i = 0; i < count; ++i) {
    const TraceRecord& r = records[i];
    if (r.eventId == 0 || described_.count(r.eventId)) continue;
    EventInfo info;
    info.eventId = r.eventId;
    info.kind = r.kind;
    info.fd = r.fd;
    info.owner = r.owner;
    if (describe) describe(info);
    described_[r.eventId] = info;
    writer_.addEvent(session_, std::move(info));
  }
  // Keyframes before the records they precede: a reader never sees records past a keyframe without it.
  keyframes_.feed(records, count);
  if (count) writer_.append(session_, records, count);
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
