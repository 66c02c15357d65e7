#include "core/TraceEmitter.h"

namespace rs {

bool TraceEmitter::signalCallbackBegin(const CallbackOf& cb, TraceStamp begin) {
  return tracer_.emplace([&](TraceSlot& s) {
    fillSlot(s, begin, cb.eventId, 0, cb.ownerFd, TraceType::CallbackBegin, cb.kind, EventState::Active,
             EventState::Active, TraceCause::None, cb.res);
  });
}

void TraceEmitter::signalCallbackEnd(const CallbackOf& cb, TraceStamp begin, TraceStamp end, bool opened) {
  // An end whose begin was dropped is lost with it (and counted): a reader
  // would pair it with an older begin.
  if (!opened) {
    tracer_.ring().countDropped(1);
    return;
  }
  tracer_.emplace([&](TraceSlot& s) {
    fillSlot(s, end, cb.eventId, end - begin, cb.ownerFd, TraceType::CallbackEnd, cb.kind, EventState::Active,
             EventState::Active, TraceCause::None, cb.res);
  });
}

void TraceEmitter::loopRecord(TraceType type, int64_t value, TraceStamp ts) {
  tracer_.emplace([&](TraceSlot& s) {
    fillSlot(s, ts, 0, value, packOwnerFd(0, -1), type, EventKind::Internal, EventState::Invalid, EventState::Invalid,
             TraceCause::None, 0);
  });
}

void TraceEmitter::bufferLevel(uint64_t eventId, uint32_t owner, int fd, BufferId which, int64_t bytes) {
  // Written in place: kind Io, states Invalid, no cause or flags, `which` in
  // the buffer byte (byte 5 of the type..flags word).
  const TraceStamp ts = tracer_.stamp();
  const uint64_t ownerFd = packOwnerFd(owner, fd);
  const uint64_t w1 = packRecordWord(TraceType::BufferLevel, EventKind::Io, EventState::Invalid, EventState::Invalid,
                                     TraceCause::None, 0) |
                      (uint64_t{static_cast<uint8_t>(which)} << 40);
  tracer_.emplace([&](TraceSlot& s) { fillSlot(s, ts, eventId, bytes, ownerFd, w1); });
}

}  // namespace rs
