// The trace vocabulary: fixed-size records the loop appends for every event state
// transition, callback begin/end, loop wait begin/end and buffer level change.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace rs {

// The tutorial's diagram: Invalid -> NonPending -> Pending -> Active.
enum class EventState : uint8_t { Invalid = 0, NonPending = 1, Pending = 2, Active = 3 };

enum class EventKind : uint8_t { Io = 0, Timer = 1, Signal = 2, Internal = 3 };

// Why a transition happened.
enum class TraceCause : uint8_t {
  None = 0,
  New,             // invalid -> non-pending (event_new / event_assign)
  Add,             // non-pending -> pending (event_add)
  Del,             // pending/active -> non-pending (event_del)
  Free,            // non-pending -> invalid (event_free)
  ReadyRead,       // pending -> active: fd readable
  ReadyWrite,      // pending -> active: fd writable
  ReadyClosed,     // pending -> active: peer closed (EPOLLRDHUP)
  Timeout,         // pending -> active: timeout expired
  Signal,          // pending -> active: signal delivered
  ManualActivate,  // any -> active: event_active()
  Dispatch,        // active -> pending (PERSIST) or non-pending (not PERSIST)
  Count
};

enum class TraceType : uint8_t {
  Transition = 0,  // from/to/cause/flags; value = timer lateness ns for Timeout
  CallbackBegin,   // flags = result flags passed to the callback
  CallbackEnd,     // value = callback duration ns
  WaitBegin,       // value = requested timeout ns (-1 = infinite)
  WaitEnd,         // value = number of ready fds
  BufferLevel,     // buffer = which, value = bytes, owner = connection
  Count
};

// The four buffers of a connection (tutorial section 5) and its watermarks.
enum class BufferId : uint8_t {
  None = 0,
  KernelRecv,     // SIOCINQ
  Input,          // bufferevent input evbuffer
  Output,         // bufferevent output evbuffer
  KernelSend,     // SIOCOUTQ
  ReadLowWater,
  ReadHighWater,
  WriteLowWater,
  WriteHighWater,
  Count
};

struct TraceRecord {
  int64_t tsNs = 0;      // CLOCK_MONOTONIC ns (the ring holds raw stamps: TraceSlot)
  uint64_t eventId = 0;  // never reused within a base; 0 for loop-level records
  int64_t value = 0;     // meaning depends on type (see TraceType)
  uint32_t owner = 0;    // owner tag (e.g. connection id) for grouping
  int32_t fd = -1;
  TraceType type = TraceType::Transition;
  EventKind kind = EventKind::Io;
  EventState from = EventState::Invalid;
  EventState to = EventState::Invalid;
  TraceCause cause = TraceCause::None;
  BufferId buffer = BufferId::None;
  int16_t flags = 0;  // EV_* result flags, or the event's flags for New
};
static_assert(sizeof(TraceRecord) == 40, "trace records are fixed-size");

// The ring writes a record as five words (TraceSlot, core/TraceRing.h): ts, id,
// value, then owner|fd (bytes 24..31) and type..flags (bytes 32..39) packed below.

// owner (low half) and fd (high half) in one word, as Event keeps them
// (Event::traceOwnerFd()).
constexpr uint64_t packOwnerFd(uint32_t owner, int32_t fd) {
  return uint64_t{owner} | (uint64_t{static_cast<uint32_t>(fd)} << 32);
}

// The record's type..flags word (bytes 32..39; buffer = None) as one value,
// for hot paths that build it once and reuse it.
constexpr uint64_t packRecordWord(TraceType type, EventKind kind, EventState from, EventState to, TraceCause cause,
                                  int16_t flags) {
  return uint64_t{static_cast<uint8_t>(type)} | (uint64_t{static_cast<uint8_t>(kind)} << 8) |
         (uint64_t{static_cast<uint8_t>(from)} << 16) | (uint64_t{static_cast<uint8_t>(to)} << 24) |
         (uint64_t{static_cast<uint8_t>(cause)} << 32) | (uint64_t{static_cast<uint16_t>(flags)} << 48);
}

// Sets every field of a record (buffer = None), as a reader or a test builds one.
inline void fillRecord(TraceRecord& r, int64_t tsNs, uint64_t eventId, int64_t value, uint32_t owner, int32_t fd,
                       TraceType type, EventKind kind, EventState from, EventState to, TraceCause cause,
                       int16_t flags) {
  r.tsNs = tsNs;
  r.eventId = eventId;
  r.value = value;
  r.owner = owner;
  r.fd = fd;
  r.type = type;
  r.kind = kind;
  r.from = from;
  r.to = to;
  r.cause = cause;
  r.buffer = BufferId::None;
  r.flags = flags;
}

// The record that ends an event's life (event_free, or its idle record
// reclaimed): every reader that keeps something per event forgets it here.
inline bool freesEvent(const TraceRecord& r) {
  return r.type == TraceType::Transition && r.cause == TraceCause::Free;
}

// Process-wide unique owner tags (connections, listeners, sessions); never 0.
uint32_t allocateOwnerTag();

const char* toString(EventState s);
const char* toString(EventKind k);
const char* toString(TraceCause c);
const char* toString(TraceType t);
const char* toString(BufferId b);
// "READ|WRITE|PERSIST" style rendering of EV_* flags.
std::string eventFlagsToString(int flags);

}  // namespace rs
