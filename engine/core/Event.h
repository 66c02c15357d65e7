// One event: an fd, a timer or a signal, with a callback. Its state follows the
// tutorial's diagram with libevent 2.1's exact semantics (see docs/architecture.md, "Event states"):
//
//   Invalid --assign--> NonPending --add--> Pending --ready/timeout/signal--> Active
//   Active --dispatch--> Pending (PERSIST) | NonPending (not PERSIST)
//   Pending/Active --del--> NonPending,  NonPending --free--> Invalid
//
// Every transition is traced by the owning EventBase (grep "EventState::Active").
// Thread contract: loop thread only, except where a method says otherwise.
#pragma once
#include <sys/time.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/Clock.h"
#include "core/Trace.h"
#include "core/TraceClock.h"

namespace rs {

class EventBase;
struct PlainFastPath;

// libevent's flag values, so the compat layer passes them straight through.
constexpr short kEvTimeout = 0x01;
constexpr short kEvRead = 0x02;
constexpr short kEvWrite = 0x04;
constexpr short kEvSignal = 0x08;
constexpr short kEvPersist = 0x10;
constexpr short kEvET = 0x20;
constexpr short kEvClosed = 0x80;

using EventCallback = void (*)(int fd, short what, void* arg);

// The cause of a pending -> active step for I/O readiness `res` (EV_* bits).
constexpr TraceCause readyCause(short res) {
  return (res & kEvClosed) ? TraceCause::ReadyClosed : (res & kEvRead) ? TraceCause::ReadyRead : TraceCause::ReadyWrite;
}

class Event {
 public:
  Event();
  // Same as Event() followed by assign().
  Event(EventBase* base, int fd, short events, EventCallback cb, void* arg);
  Event(EventBase* base, int fd, short events, std::function<void(int fd, short what)> fn);
  // Frees the event: a pending or active event is deleted first (both traced).
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  // event_assign: -> NonPending. Returns -1 if the event is pending (debug check).
  int assign(EventBase* base, int fd, short events, EventCallback cb, void* arg);
  int assign(EventBase* base, int fd, short events, std::function<void(int fd, short what)> fn);

  // event_add: timeout is relative; nullptr means none. Re-adding a pending event
  // only replaces its timeout.
  int add(const timeval* timeout);
  int addTimeoutNs(Nanos timeout);  // timeout < 0: no timeout
  // addTimeoutNs() for a write event on a socket believed writable (its last
  // write took every byte): see EventBase::addEvent's assumeWritable.
  int addAssumingWritable(Nanos timeout);
  // event_del: Pending/Active -> NonPending; an active event's callback won't run.
  int del();
  // event_active: makes the event active with `res` (ncalls for signals).
  void activate(short res, short ncalls = 1);
  // event_pending: which of `what` the event is pending/active on; tv gets the
  // absolute expiry (gettimeofday based, like libevent) when a timeout is set.
  int pending(short what, timeval* tv) const;
  // event_free without deallocation: -> Invalid. The object may be assigned again.
  void release();
  // event_priority_set: fails (-1) on an active event or an out-of-range priority.
  int setPriority(int priority);
  // setPriority() for an event the library made active in place of a pending
  // one that would fire at once (BufferEvent::enable()'s write event): it
  // moves to the tail of the new priority's active queue (no transition).
  int setPriorityRequeued(int priority);

  bool initialized() const;
  EventState state() const {
    if (!(flags_ & kListInit)) return EventState::Invalid;
    if (flags_ & (kListActive | kListActiveLater)) return EventState::Active;
    if (flags_ & (kListInserted | kListTimeout)) return EventState::Pending;
    return EventState::NonPending;
  }
  int fd() const { return fd_; }
  short events() const { return events_; }
  EventBase* base() const { return base_; }
  int priority() const { return priority_; }
  EventCallback callback() const { return callback_; }
  void* callbackArg() const { return arg_; }
  uint64_t id() const { return id_; }
  // libevent's list bits and active result, for event_base_dump_events.
  bool isInserted() const { return (flags_ & kListInserted) != 0; }
  bool hasTimeout() const { return (flags_ & kListTimeout) != 0; }
  bool isActiveNow() const { return (flags_ & kListActive) != 0; }
  bool isActiveLater() const { return (flags_ & kListActiveLater) != 0; }
  short activeResult() const { return res_; }
  EventKind kind() const { return kind_; }

  // Grouping for consumers: an owner tag (e.g. a connection id) and a short label.
  void setLabel(std::string_view label, uint32_t owner = 0);
  const std::string& label() const { return label_; }
  uint32_t owner() const { return owner_; }
  // Internal events (the library's own: loop wakeup, signal pipe, buffer
  // sampler) don't keep the loop alive, and their records say kind Internal.
  // Call it before assign(), so that the event's first record (event_new)
  // says so too (a consumer hides internal events by that kind); it holds
  // across re-assignment.
  void setInternal(bool internal);
  // For events of the C API, whose memory a program may release with plain free()
  // once the event is non-pending (the tutorial's server does): the base then
  // lists the event (snapshots, teardown) only while it is pending or active.
  // Set before assign(); survives re-assignment.
  void setDetachWhenIdle(bool detach);
  // True when this memory holds an Event object (live or released), as opposed
  // to raw storage: lets the C API's event_assign() decide whether to construct.
  bool hasEventMagic() const { return magic_ == kMagicLive || magic_ == kMagicReleased; }

 private:
  // The loop and its parts keep their per-event state here (libevent style).
  friend class EventBase;
  friend class TimerQueue;
  friend class SignalSource;
  friend class TraceEmitter;
  friend struct PlainFastPath;

  // libevent-style list membership bits; state() is derived from them.
  enum : uint16_t {
    kListTimeout = 0x01,
    kListInserted = 0x02,
    kListActive = 0x08,
    kListInternal = 0x10,
    kListActiveLater = 0x20,
    kListInit = 0x80,
    kListDetachIdle = 0x100,  // not a list: see setDetachWhenIdle()
    kListAny = kListTimeout | kListInserted | kListActive | kListActiveLater,
  };
  static constexpr uint32_t kMagicLive = 0x52534576;      // "RSEv"
  static constexpr uint32_t kMagicReleased = 0x64656164;  // "dead"

  static void functionTrampoline(int fd, short what, void* self);
  // owner_ (low half) and fd_ (high half): TraceRecord's owner and fd fields.
  uint64_t traceOwnerFd() const {
    uint64_t w;
    __builtin_memcpy(&w, reinterpret_cast<const unsigned char*>(&owner_), sizeof w);
    return w;
  }
  int assignSlow(EventBase* base, int fd, short events, EventCallback cb, void* arg);
  void resetFields();

  // Hot fields first: activation and dispatch touch only the first 80 bytes.
  // Identity and callback.
  // owner_ then fd_, adjacent: a trace record's bytes 24..31 in one load.
  uint32_t owner_ = 0;
  int fd_ = -1;
  short events_ = 0;
  uint16_t flags_ = 0;
  EventCallback callback_ = nullptr;
  void* arg_ = nullptr;
  int priority_ = 0;

  // Activation.
  short res_ = 0;
  TraceCause lastCause_ = TraceCause::None;
  Event* activeNext_ = nullptr;
  Event* activePrev_ = nullptr;

  // Per-fd / per-signal list (newest first, as libevent activates them).
  Event* ioNext_ = nullptr;
  Event* ioPrev_ = nullptr;
  uint64_t activations_ = 0;

  // Timeout: the relative one PERSIST re-arms with, and the absolute deadline.
  Nanos ioTimeout_ = -1;
  Nanos deadline_ = 0;
  int heapIndex_ = -1;

  EventBase* base_ = nullptr;
  short ncalls_ = 0;
  short* pncalls_ = nullptr;  // lets del() stop a signal callback's remaining calls

  // All initialized events of the base (for snapshots).
  Event* allNext_ = nullptr;
  Event* allPrev_ = nullptr;

  // Tracing and grouping.
  uint64_t id_ = 0;
  EventKind kind_ = EventKind::Io;
  uint32_t magic_ = 0;
  std::string label_;
  std::function<void(int, short)> fn_;

  // Counters (activations_ and lastCause_ live with the hot fields). Callback
  // durations in trace-stamp units (TSC ticks or ns; snapshot() converts).
  StampTicks totalCallbackTicks_ = 0;
  StampTicks lastCallbackTicks_ = 0;
};

// libevent's debug mode: misuse (adding a freed or never-initialized event,
// assigning a pending event, freeing twice) is reported instead of being undefined.
// On when REACTORSCOPE_DEBUG_CHECKS=1 or after setDebugChecks(true).
void setDebugChecks(bool on);
namespace detail {
extern std::atomic<bool> g_debugChecks;
}
inline bool debugChecksEnabled() { return detail::g_debugChecks.load(std::memory_order_relaxed); }
// Receives each failed check's message; default prints to stderr.
void setDebugCheckHandler(void (*handler)(const char* message));
uint64_t debugCheckFailures();
// Reports a failed check through the handler (counts it). Used by the engine.
void debugReport(const char* message);
// True when `p` is a live (initialized, not freed) event. Debug checks only.
bool debugIsLiveEvent(const void* p);

}  // namespace rs
