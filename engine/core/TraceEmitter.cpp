#include "core/TraceEmitter.h"

namespace rs {

bool TraceEmitter::signalCallbackBegin(const CallbackOf& cb, TraceStamp begin) {
  TraceRecord r;
  fillRecordPacked(r, begin, cb.eventId, 0, cb.ownerFd, TraceType::CallbackBegin, cb.kind, EventState::Active,
                   EventState::Active, TraceCause::None, cb.res);
  return tracer_.record(r);
}

void TraceEmitter::signalCallbackEnd(const CallbackOf& cb, TraceStamp begin, TraceStamp end, bool opened) {
  // An end whose begin was dropped is lost with it (and counted): a reader
  // would pair it with an older begin.
  if (!opened) {
    tracer_.ring().countDropped(1);
    return;
  }
  TraceRecord r;
  fillRecordPacked(r, end, cb.eventId, end - begin, cb.ownerFd, TraceType::CallbackEnd, cb.kind, EventState::Active,
                   EventState::Active, TraceCause::None, cb.res);
  tracer_.record(r);
}

void TraceEmitter::loopRecord(TraceType type, int64_t value, TraceStamp ts) {
  TraceRecord r;
  r.tsNs = ts;
  r.type = type;
  r.kind = EventKind::Internal;
  r.value = value;
  tracer_.record(r);
}

void TraceEmitter::bufferLevel(uint64_t eventId, uint32_t owner, int fd, BufferId which, int64_t bytes) {
  // Written in place: kind Io, states Invalid, no cause or flags, `which` in
  // the buffer byte (byte 5 of the type..flags word).
  const TraceStamp ts = tracer_.stamp();
  const uint64_t ownerFd = packOwnerFd(owner, fd);
  const uint64_t w1 = packRecordWord(TraceType::BufferLevel, EventKind::Io, EventState::Invalid, EventState::Invalid,
                                     TraceCause::None, 0) |
                      (uint64_t{static_cast<uint8_t>(which)} << 40);
  tracer_.emplace([&](TraceRecord& r) { fillRecordWords(r, ts, eventId, bytes, ownerFd, w1); });
}

}  // namespace rs
