// Every trace record one EventBase writes, encoded in one place: state
// transitions, the activations one wait found (a burst opened by the wait-end
// record), the dispatch/callback protocol (pairs and triples with an owed end),
// signal callbacks, loop waits and buffer levels. The loop decides *when*
// something happened and calls the named hooks below; it never builds a record.
// The hot hooks are always-inline and the loop instantiates its hot paths per
// tracing mode, so the untraced path carries none of this.
//
// Stamps: TraceStamp (raw: tagged TSC or monotonic ns, see TraceClock.h) and
// StampTicks (the difference of two stamps); neither is nanoseconds until
// traceclock converts it.
//
// Thread contract: loop thread only (the owning EventBase's), except tracer(),
// which follows Tracer's contract (enable/disable and drain from any thread).
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/Clock.h"
#include "core/Event.h"
#include "core/Trace.h"
#include "core/TraceClock.h"
#include "core/TraceRing.h"
#include "core/Tracer.h"

namespace rs {

namespace detail {
// An activation record's type..flags word without the kind, by the matched
// result flags (READ/WRITE/CLOSED/ET fit in a byte): pending -> active, the
// readiness cause, the flags.
struct ActivationWords {
  uint64_t w[256];
};
constexpr ActivationWords makeActivationWords() {
  ActivationWords t{};
  for (int m = 0; m < 256; ++m) {
    const auto match = static_cast<short>(m);
    t.w[m] = packRecordWord(TraceType::Transition, EventKind{}, EventState::Pending, EventState::Active,
                            readyCause(match), match);
  }
  return t;
}
inline constexpr ActivationWords kActivationWords = makeActivationWords();
}  // namespace detail

class TraceEmitter {
 public:
  explicit TraceEmitter(size_t capacity) : tracer_(capacity) {}

  Tracer& tracer() { return tracer_; }
  const Tracer& tracer() const { return tracer_; }
  // The one branch tracing costs when off.
  bool enabled() const { return tracer_.enabled(); }
  bool usesTsc() const { return tracer_.usesTsc(); }
  TraceStamp stamp() const { return tracer_.stamp(); }

  // --- State transitions --------------------------------------------------
  // `ev` went from `from` to `to` at `ts`: new, free, add, del, dispatch of a
  // signal event; value = the timer's lateness for a timeout.
  [[gnu::always_inline]] void transition(const Event* ev, EventState from, EventState to, TraceCause cause,
                                         short flags, int64_t value, TraceStamp ts) {
    tracer_.emplace([&](TraceSlot& s) {
      fillSlot(s, ts, ev->id_, value, ev->traceOwnerFd(), TraceType::Transition, ev->kind_, from, to, cause, flags);
    });
  }
  // `ev` became active (from `from`) with result `res`, outside a wait's burst.
  [[gnu::always_inline]] void activated(const Event* ev, EventState from, TraceCause cause, short res,
                                        int64_t lateness, TraceStamp ts) {
    transition(ev, from, EventState::Active, cause, res, lateness, ts);
  }

  // --- The activations one epoll wait found --------------------------------
  // One burst (one room check, one publish) opened by the wait-end record,
  // whose value (the ready fds) is known only at the end. A cold activation
  // inside the wait records on its own: end the burst before it and resume
  // after it.
  struct ActivationBurst {
    TraceRing::Burst ring{};
    TraceSlot* waitEnd = nullptr;
    TraceStamp ts = 0;  // the wait's end: every activation it found shares it
  };
  [[gnu::always_inline]] ActivationBurst beginActivations(int readyFds, TraceStamp ts) {
    ActivationBurst b;
    b.ts = ts;
    b.ring = tracer_.beginBurst(static_cast<size_t>(readyFds) + 1);
    b.waitEnd = tracer_.next(b.ring);
    return b;
  }
  [[gnu::always_inline]] void activatedInBurst(ActivationBurst& b, const Event* ev, short match) {
    const uint64_t w1 = detail::kActivationWords.w[static_cast<uint8_t>(match)] | (uint64_t{static_cast<uint8_t>(ev->kind_)} << 8);
    tracer_.ring().fillNext(b.ring, [&](TraceSlot& s) { fillSlot(s, b.ts, ev->id_, 0, ev->traceOwnerFd(), w1); });
  }
  // Publishes the burst; the first call also completes its wait-end record.
  [[gnu::always_inline]] void endActivations(ActivationBurst& b, int readyFds) {
    if (b.waitEnd)
      fillSlot(*b.waitEnd, b.ts, 0, readyFds, packOwnerFd(0, -1), TraceType::WaitEnd, EventKind::Internal,
               EventState::Invalid, EventState::Invalid, TraceCause::None, 0);
    b.waitEnd = nullptr;
    tracer_.endBurst(b.ring);
  }
  [[gnu::always_inline]] void resumeActivations(ActivationBurst& b, int maxRecords) {
    b.ring = tracer_.beginBurst(static_cast<size_t>(maxRecords));
  }

  // --- Dispatch and callback (every event but a signal event) --------------
  // The Dispatch transition (active -> `to`) and the CallbackBegin share one
  // stamp and one slot (a pair); the slot also carries the CallbackEnd of the
  // callback that ran just before when one is owed (a triple: its duration; the
  // reader knows whose end it is and dates it begin + duration). So nothing of
  // an event is kept across its callback but its start stamp; its end is owed.
  struct OwedEnd {
    bool due = false;
    TraceStamp endStamp = 0;
    StampTicks duration = 0;
  };
  // Writes the pair or triple; returns the callback's begin stamp and sets
  // `opened` (false: the slot was dropped). kReuseEndStamp: nothing happened
  // since the owed end, whose stamp serves as this begin.
  template <bool kTsc, bool kReuseEndStamp>
  [[gnu::always_inline]] TraceStamp dispatchBegin(const Event* ev, EventState to, const OwedEnd& owed, bool& opened) {
    const uint64_t w1 = packRecordWord(TraceRing::kDispatchBeginPair, ev->kind_, EventState::Active, to,
                                       TraceCause::Dispatch, ev->res_);
    TraceStamp begin;
    if (owed.due) {
      begin = kReuseEndStamp ? owed.endStamp : traceclock::stamp(kTsc);
      const StampTicks dur = owed.duration;
      constexpr uint64_t kToTriple = static_cast<uint64_t>(TraceRing::kDispatchBeginPair) ^
                                     static_cast<uint64_t>(TraceRing::kEndDispatchBegin);
      opened = tracer_.emplaceGroup<3>(
          [&](TraceSlot& d) { fillSlot(d, begin, ev->id_, dur, ev->traceOwnerFd(), w1 ^ kToTriple); });
    } else {
      begin = traceclock::stamp(kTsc);
      opened = tracer_.emplaceGroup<2>(
          [&](TraceSlot& d) { fillSlot(d, begin, ev->id_, 0, ev->traceOwnerFd(), w1); });
    }
    return begin;
  }
  // After the callback: its end is owed (to the next dispatchBegin() or to
  // flushOwedEnd()). Returns the callback's duration. A dropped pair or triple:
  // the reader does not know the callback, so its end is lost with it (counted).
  template <bool kTsc>
  [[gnu::always_inline]] StampTicks callbackEnd(TraceStamp begin, bool opened, OwedEnd& owed) {
    const TraceStamp end = traceclock::stamp(kTsc);
    owed = {opened, end, end - begin};
    if (!opened) [[unlikely]] tracer_.ring().countDropped(1);
    return end - begin;
  }
  // The owed end on its own, when the next record is not a dispatch's slot:
  // only its duration (TraceRing::kEndOfOpen).
  [[gnu::always_inline]] void flushOwedEnd(OwedEnd& owed) {
    if (!owed.due) [[likely]] return;
    owed.due = false;
    tracer_.emplace([&](TraceSlot& s) {
      s.value = owed.duration;
      s.setType(TraceRing::kEndOfOpen);
    });
  }

  // --- A signal event's callback: once per delivery, records of its own -----
  // Whose callback: taken before the first call (a callback may free its event).
  struct CallbackOf {
    uint64_t eventId = 0;
    uint64_t ownerFd = 0;
    EventKind kind = EventKind::Signal;
    short res = 0;
  };
  static CallbackOf callbackOf(const Event* ev) { return {ev->id_, ev->traceOwnerFd(), ev->kind_, ev->res_}; }
  // Returns whether the begin record was written (its end is dropped without it).
  bool signalCallbackBegin(const CallbackOf& cb, TraceStamp begin);
  void signalCallbackEnd(const CallbackOf& cb, TraceStamp begin, TraceStamp end, bool opened);

  // --- The loop and the buffers ---------------------------------------------
  // The loop is about to wait up to `timeout` ns (-1: no limit); `nowNs` is the
  // monotonic time it read (the stamp when not on the TSC).
  void waitBegin(Nanos timeout, Nanos nowNs) {
    loopRecord(TraceType::WaitBegin, timeout, tracer_.usesTsc() ? tracer_.stamp() : nowNs);
  }
  // The wait returned `readyFds` at `ts` (the poll backend; epoll's wait end
  // opens its activation burst).
  void waitEnd(int readyFds, TraceStamp ts) { loopRecord(TraceType::WaitEnd, readyFds, ts); }
  // A buffer level of a connection (bufferevents, through EventBase).
  void bufferLevel(uint64_t eventId, uint32_t owner, int fd, BufferId which, int64_t bytes);

 private:
  void loopRecord(TraceType type, int64_t value, TraceStamp ts);


  Tracer tracer_;
};

}  // namespace rs
