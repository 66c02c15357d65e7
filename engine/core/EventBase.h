// One reactor loop: the libevent event_base. Owns the poller, the timer heap, the
// signal source, the active queues (one per priority) and the trace ring.
//
// Thread contract: everything is loop thread only (the thread running loop(), or
// the constructing thread while no loop runs), except loopbreak(), loopexit(),
// runInLoop(), queueInLoop(), wakeup(), isInLoopThread() and tracer(), which are
// safe from any thread. The two fields those read across threads are atomics:
// loop() stores loopThread_ (relaxed) and then running_ = true (release), and
// running_ = false (release) when it returns; runInLoop() loads running_
// (acquire) before loopThread_, so a caller that sees the loop running also sees
// which thread runs it, and only that thread runs `fn` inline.
#pragma once
#include <sys/time.h>

#include <atomic>
#include <functional>
#include <list>
#include <string_view>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/Clock.h"
#include "core/EpollPoller.h"
#include "core/Event.h"
#include "core/Poller.h"
#include "core/Trace.h"
#include "core/Tracer.h"

namespace rs {

// libevent's loop flags.
constexpr int kLoopOnce = 0x01;
constexpr int kLoopNonblock = 0x02;
constexpr int kLoopNoExitOnEmpty = 0x04;

// One live event as snapshot() sees it: its description plus state and counters.
struct EventSnapshot : EventInfo {
  EventState state = EventState::Invalid;
  uint64_t activations = 0;
  Nanos totalCallbackNs = 0;
  Nanos lastCallbackNs = 0;
  TraceCause lastCause = TraceCause::None;
};

// The cause of a pending -> active step for I/O readiness `res` (EV_* bits).
constexpr TraceCause readyCause(short res) {
  return (res & kEvClosed) ? TraceCause::ReadyClosed : (res & kEvRead) ? TraceCause::ReadyRead : TraceCause::ReadyWrite;
}

struct LoopStats {
  uint64_t iterations = 0;
  uint64_t dispatched = 0;  // callbacks run
  Nanos waitNs = 0;         // time spent blocked in the poller
};

class EventBase {
 public:
  struct Options {
    Poller::Backend backend = Poller::Backend::Epoll;
    size_t traceCapacity = size_t{1} << 17;
    bool tracing = false;
    // epoll_pwait2/ppoll timeouts are precise to the ns, but the kernel adds the
    // thread's timer slack (50 us by default) to every sleep. On: the loop thread
    // runs with 1 ns slack (libevent's EVENT_BASE_FLAG_PRECISE_TIMER; see
    // scripts/bench-timer for the measured difference).
    bool preciseTimer = false;
  };

  EventBase();
  explicit EventBase(const Options& options);
  // Deletes every remaining event it tracks -- every engine-side event, and a
  // compat (C API) event while pending or active -- which become detached:
  // freeing them later is safe. A compat event that is not pending is not
  // tracked (C programs may free() its memory), so, as in libevent, free it
  // before its base.
  ~EventBase();
  EventBase(const EventBase&) = delete;
  EventBase& operator=(const EventBase&) = delete;

  // "epoll" or "poll" (event_base_get_method).
  const char* method() const;
  bool valid() const { return poller_ != nullptr; }
  const std::string& error() const { return error_; }

  // event_base_loop: 0 after exit/break or ONCE/NONBLOCK completion, 1 when no
  // events are pending or active, -1 on a backend error.
  int loop(int flags = 0);
  int dispatch() { return loop(0); }
  // Safe from any thread.
  int loopexit(const timeval* tv);
  int loopbreak();
  bool gotExit() const { return gotTerm_; }
  bool gotBreak() const { return gotBreak_; }

  // event_base_priority_init: fails while events are active; n in [1, 256).
  int priorityInit(int n);
  int priorities() const { return static_cast<int>(activeQueues_.size()); }

  // Cross-thread work, muduo style: a mutex-guarded vector swapped out and run in
  // the loop, eventfd wakeup (repeated wakeups merged). Safe from any thread.
  void runInLoop(std::function<void()> fn);
  void queueInLoop(std::function<void()> fn);
  void wakeup();
  // True on the thread bound last (constructor, bindToCurrentThread() or loop()).
  // From another thread it may still name the previous loop thread while a new
  // loop() starts: runInLoop() decides with running_ first, never with this alone.
  bool isInLoopThread() const {
    return std::this_thread::get_id() == loopThread_.load(std::memory_order_acquire);
  }
  // Binds the loop thread (e.g. a worker that will call loop()).
  void bindToCurrentThread() { loopThread_.store(std::this_thread::get_id(), std::memory_order_release); }

  // Cached loop time (set after each wait), like libevent's time cache.
  Nanos now();

  // Tracing. tracer() is safe from any thread.
  Tracer& tracer() { return tracer_; }
  bool tracing() const { return tracer_.enabled(); }
  // Loop thread: every live event's current state and counters.
  std::vector<EventSnapshot> snapshot() const;
  LoopStats stats() const { return stats_; }
  size_t liveEventCount() const { return liveEvents_; }

  // Records a buffer level (bufferevents call this). Loop thread only.
  void traceBufferLevel(uint64_t eventId, uint32_t owner, int fd, BufferId which, int64_t bytes) {
    if (tracer_.enabled()) traceBufferLevelSlow(eventId, owner, fd, which, bytes);
  }

  // event_base_once: a one-shot timer (events == kEvTimeout) or fd event that frees
  // itself after its callback; timeout < 0 means none (a timer then runs at once,
  // as does a timer with timeout 0). -1 for SIGNAL/PERSIST or no event. Loop thread only.
  int once(int fd, short events, EventCallback cb, void* arg, Nanos timeout);
  // Makes `ev` active at the start of the next loop iteration (libevent's
  // "active later", used for deferred callbacks). Loop thread only.
  void activateLater(Event* ev, short res);

  // event_add(ev, NULL) / event_del(ev) of a plain I/O event (epoll, no timeout,
  // no other event on its fd, tracing and debug checks off), inline for the C
  // API: a program that re-adds its events every round (libevent's bench.c)
  // pays one epoll_ctl and a few stores. Everything else goes to Event::add() /
  // Event::del(), with identical results.
  static int addPlainIo(Event* ev);
  static int delPlainIo(Event* ev);
  // event_assign() of an initialized, non-pending, unlabelled event of `base`
  // (the same transitions as Event::assign(), which it falls back to).
  static int assignPlain(Event* ev, EventBase* base, int fd, short events, EventCallback cb, void* arg);

 private:
  template <bool kTraced>
  static int addPlainIoImpl(Event* ev);
  template <bool kTraced>
  static int delPlainIoImpl(Event* ev);
  template <bool kTraced>
  static int assignPlainImpl(Event* ev, EventBase* base, int fd, short events, EventCallback cb, void* arg);

  friend class Event;
  struct FdSlot {
    Event* head = nullptr;
    short interest = 0;
  };

  int pollerUpdate(int fd, short oldInterest, short newInterest);
  struct ActiveQueue {
    Event* head = nullptr;
    Event* tail = nullptr;
  };
  // Paired insert/remove helpers, like libevent's event_queue_insert_* /
  // event_queue_remove_*: the only places list bits (Event::kList{Inserted,
  // Timeout,Active,ActiveLater}) change. Each checks its precondition (the event
  // is / is not in that list) when debug checks are on.
  int insertIo(Event* ev);
  void removeIo(Event* ev);
  int insertSignal(Event* ev);
  void removeSignal(Event* ev);
  // The fd/signal map's bit, set / cleared once the event is linked / unlinked
  // there (insertIo, insertSignal / removeIo, removeSignal, and compat's plain
  // fast path).
  // `checks`: false only where the caller's own test is the precondition.
  void markInserted(Event* ev, bool checks = debugChecksEnabled()) {
    if (checks) [[unlikely]] checkNotIn(ev, Event::kListInserted, "insert into the fd/signal map");
    trackBusy(ev);
    ev->flags_ |= Event::kListInserted;
  }
  void markRemoved(Event* ev, bool checks = debugChecksEnabled()) {
    if (checks) [[unlikely]] checkIn(ev, Event::kListInserted, "remove from the fd/signal map");
    ev->flags_ = static_cast<uint16_t>(ev->flags_ & ~Event::kListInserted);
    trackIdle(ev);
  }
  void insertTimeout(Event* ev, Nanos deadline);
  void removeTimeout(Event* ev);
  void insertActive(Event* ev);
  // Out of either active queue (whichever its bit says).
  void removeActive(Event* ev);
  void makeLaterEventsActive();
  // The queue primitives under those: `ev` (whose flags are `f`) enters `q` at
  // the tail with list bit `bit`; leaves `q` with `prev` its predecessor (nullptr
  // for the head, which the dispatch loop always takes). Neither touches the
  // busy tracking nor the active count of the queue it does not know (later).
  [[gnu::always_inline]] static void linkActive(ActiveQueue& q, Event* ev, uint16_t f, uint16_t bit, bool checks) {
    if (checks) [[unlikely]] checkNotIn(ev, Event::kListActive | Event::kListActiveLater, "insert into an active queue");
    Event* const tail = q.tail;
    ev->activeNext_ = nullptr;
    ev->activePrev_ = tail;
    if (tail) tail->activeNext_ = ev;
    else q.head = ev;
    q.tail = ev;
    ev->flags_ = static_cast<uint16_t>(f | bit);
  }
  [[gnu::always_inline]] static void unlinkActive(ActiveQueue& q, Event* ev, Event* prev, uint16_t bit, bool checks) {
    if (checks) [[unlikely]] checkIn(ev, bit, "remove from an active queue");
    Event* const next = ev->activeNext_;
    if (prev) prev->activeNext_ = next;
    else q.head = next;
    if (next) next->activePrev_ = prev;
    else q.tail = prev;
    ev->activeNext_ = nullptr;
    if (prev) ev->activePrev_ = nullptr;  // a head's is already
    ev->flags_ = static_cast<uint16_t>(ev->flags_ & ~bit);
  }
  // Every activation route's bookkeeping (activateEvent(), the ready-fd paths,
  // activateLater()): the result, the counters, the cause, then the queue.
  [[gnu::always_inline]] static void enterActive(ActiveQueue& q, Event* ev, uint16_t f, uint16_t bit, short res,
                                                 TraceCause cause, bool checks) {
    ev->res_ = res;
    ++ev->activations_;
    ev->lastCause_ = cause;
    linkActive(q, ev, f, bit, checks);
  }
  // Debug-check reports for the helpers' preconditions (cold).
  [[gnu::cold, gnu::noinline]] static void checkNotIn(const Event* ev, uint16_t bits, const char* op);
  [[gnu::cold, gnu::noinline]] static void checkIn(const Event* ev, uint16_t bits, const char* op);
  // muduo's assertInLoopThread: a loop-thread-only entry point called from
  // another thread while the loop runs is reported (debug checks only).
  void assertInLoopThread(const char* op) const {
    if (debugChecksEnabled()) [[unlikely]] checkInLoopThread(op);
  }
  [[gnu::cold, gnu::noinline]] void checkInLoopThread(const char* op) const;

  int addEvent(Event* ev, Nanos relTimeout, bool absolute, Nanos absDeadline, bool trace = true);
  int delEvent(Event* ev, TraceCause cause, bool trace);
  void activateEvent(Event* ev, short res, short ncalls, TraceCause cause, int64_t lateness);
  // `from` is the state to report (a timed-out event is deleted before activation).
  void activateEvent(Event* ev, short res, short ncalls, TraceCause cause, int64_t lateness,
                     EventState from);
  struct OnceEvent;
  int runOnce(int fd, short events, Nanos delay, std::function<void()> fn, EventCallback cb,
              void* arg, std::string_view label);
  static void onceCallback(int fd, short what, void* arg);
  void registerEvent(Event* ev);
  // event_assign on an initialized, non-pending, unlabelled event of this base.
  void reassign(Event* ev, int fd, short events, EventCallback cb, void* arg) {
    if (tracer_.enabled()) [[unlikely]] {
      reassignTraced(ev, fd, events, cb, arg);
      return;
    }
    reassignFields(ev, fd, events, cb, arg);
  }
  [[gnu::noinline]] void reassignTraced(Event* ev, int fd, short events, EventCallback cb, void* arg);
  void reassignFields(Event* ev, int fd, short events, EventCallback cb, void* arg);
  void unregisterEvent(Event* ev);
  void linkAll(Event* ev) {
    ev->allPrev_ = nullptr;
    ev->allNext_ = allHead_;
    if (allHead_) allHead_->allPrev_ = ev;
    allHead_ = ev;
  }
  void unlinkAll(Event* ev) {
    if (ev->allPrev_) ev->allPrev_->allNext_ = ev->allNext_;
    else allHead_ = ev->allNext_;
    if (ev->allNext_) ev->allNext_->allPrev_ = ev->allPrev_;
    ev->allNext_ = ev->allPrev_ = nullptr;
  }
  // Called before a list bit is set / after one is cleared. An event in no list
  // becoming busy (or the reverse) changes the loop's "have events" count (unless
  // internal) and, for a detach-when-idle event, its all-events list membership.
  // One branch on the hot path: a dispatched PERSIST event stays inserted.
  void trackBusy(Event* ev) {
    if (!(ev->flags_ & Event::kListAny)) becameBusy(ev);
  }
  void trackIdle(Event* ev) {
    if (!(ev->flags_ & Event::kListAny)) becameIdle(ev);
  }
  void becameBusy(Event* ev) {
    userEventCount_ += !(ev->flags_ & Event::kListInternal);
    if (ev->flags_ & Event::kListDetachIdle) linkAll(ev);
  }
  void becameIdle(Event* ev) {
    userEventCount_ -= !(ev->flags_ & Event::kListInternal);
    if (ev->flags_ & Event::kListDetachIdle) unlinkAll(ev);
  }
  void publishInfo(const Event* ev);
  static EventInfo infoOf(const Event* ev);

  int processActive();
  // Tracing on or off for the whole queue (read once), and the kind of stamps
  // (Tracer::usesTsc()): one instantiation each, so the untraced one carries no
  // trace code and the traced ones no switches.
  template <bool kTraced, bool kTsc>
  int processActiveQueue(int priority);
  // processActiveQueue() traced: the callback-end record of the last dispatch,
  // written into the next dispatch's slot when one follows.
  struct OwedEnd {
    bool due = false;
    Nanos ts = 0;   // end stamp
    Nanos dur = 0;  // stamp units
  };
  void flushOwedEnd(OwedEnd& owed);
  template <bool kTsc, bool kReuseEndStamp>
  void runTracedCallback(Event* ev, EventState to, OwedEnd& owed);
  void activateReady(int n);
  template <bool kTraced>
  void activateEpollReady(const epoll_event* events, int n);
  [[gnu::noinline, gnu::cold]] void activateEventCold(Event* ev, short match);
  void processTimeouts();
  void runCallbackSlow(Event* ev, bool tracing, Nanos dispatchTs);
  bool haveEvents() const { return userEventCount_ > 0; }
  Nanos nextTimeout(bool* has);
  void doPendingFunctors();

  // Heap helpers (min-heap on deadline, index stored in the event).
  void heapPush(Event* ev);
  void heapErase(Event* ev);
  void heapShiftUp(size_t hole, Event* ev);
  void heapShiftDown(size_t hole, Event* ev);

  void traceTransition(Event* ev, EventState from, TraceCause cause, short flags, int64_t value = 0);
  // Writes one transition record in place.
  void traceTransitionAt(Event* ev, EventState from, EventState to, TraceCause cause, short flags,
                         int64_t value, Nanos ts) {
    tracer_.emplace([&](TraceRecord& r) {
      fillRecordPacked(r, ts, ev->id_, value, ev->traceOwnerFd(), TraceType::Transition, ev->kind_, from, to, cause,
                       flags);
    });
  }
  void traceBufferLevelSlow(uint64_t eventId, uint32_t owner, int fd, BufferId which, int64_t bytes);
  void traceLoop(TraceType type, int64_t value, Nanos ts);

  static void wakeupCallback(int fd, short what, void* arg);
  static void signalCallback(int fd, short what, void* arg);

  std::unique_ptr<Poller> poller_;
  class EpollPoller* epoll_ = nullptr;  // poller_ when it is epoll: calls without the vtable
  std::string error_;
  Tracer tracer_;
  std::atomic<std::thread::id> loopThread_;  // read from any thread (see the contract)
  uint64_t nextId_ = 1;

  std::vector<FdSlot> fds_;
  std::unique_ptr<ReadyFd[]> ready_;  // Poller::kMaxReady entries, filled by each wait
  std::vector<Event*> heap_;
  std::vector<ActiveQueue> activeQueues_;  // one per priority, FIFO
  ActiveQueue laterQueue_;                 // activateLater(): made active at the next iteration
  int activeCount_ = 0;       // events in active queues (incl. internal)
  int userEventCount_ = 0;    // non-internal events in at least one list
  size_t liveEvents_ = 0;
  Event* allHead_ = nullptr;
  int runningPriority_ = -1;
  Event* currentEvent_ = nullptr;
  short signalCallsLeft_ = 0;  // whose callback runs; cleared if it frees itself
  std::list<std::unique_ptr<OnceEvent>> onces_;
  bool continue_ = false;

  std::atomic<bool> running_{false};  // written by loop() only; read from any thread
  bool preciseTimer_ = false;
  std::atomic<bool> gotBreak_{false};
  std::atomic<bool> gotTerm_{false};
  Nanos cachedNow_ = 0;     // 0: no cache (outside the post-wait window)
  int64_t cachedStamp_ = 0;  // trace stamp of the same instant (valid while cachedNow_ is)
  LoopStats stats_;

  // Cross-thread queue.
  int wakeupFd_ = -1;
  std::unique_ptr<Event> wakeupEvent_;
  std::atomic<bool> wakeupPending_{false};
  std::mutex pendingMutex_;
  std::vector<std::function<void()>> pendingFunctors_;
  bool callingPendingFunctors_ = false;

  // Signals: a self-pipe written by the process-wide handler.
  int signalPipe_[2] = {-1, -1};
  std::unique_ptr<Event> signalEvent_;
  std::vector<Event*> signalHeads_;  // per signal number, newest first
  std::vector<int> signalAdds_;      // events per signal
};

// ---------------------------------------------------------------------------
// Inline hot paths

// What release() + assign() do to an initialized, non-pending event, minus the
// trace records (reassignTraced() adds them): a fresh id, reset counters.
inline void EventBase::reassignFields(Event* ev, int fd, short events, EventCallback cb, void* arg) {
  if (ev == currentEvent_) currentEvent_ = nullptr;
  // Unlink + link: the event moves to the head of the all-events list.
  if (!(ev->flags_ & Event::kListDetachIdle)) {
    unlinkAll(ev);
    linkAll(ev);
  }
  ev->fd_ = fd;
  ev->events_ = events;
  ev->flags_ = static_cast<uint16_t>((ev->flags_ & Event::kListDetachIdle) | Event::kListInit);
  ev->callback_ = cb;
  ev->arg_ = arg;
  ev->priority_ = static_cast<int>(activeQueues_.size() / 2);
  ev->res_ = 0;
  ev->lastCause_ = TraceCause::None;
  ev->activeNext_ = ev->activePrev_ = nullptr;
  ev->ioNext_ = ev->ioPrev_ = nullptr;
  ev->activations_ = 0;
  ev->ioTimeout_ = -1;
  ev->deadline_ = 0;
  ev->heapIndex_ = -1;
  ev->ncalls_ = 0;
  ev->pncalls_ = nullptr;
  ev->id_ = nextId_++;
  ev->owner_ = 0;
  ev->kind_ = (events & kEvSignal)                          ? EventKind::Signal
              : (events & (kEvRead | kEvWrite | kEvClosed)) ? EventKind::Io
                                                            : EventKind::Timer;
  ev->totalCallbackNs_ = ev->lastCallbackNs_ = 0;
}

inline int EventBase::assignPlain(Event* ev, EventBase* base, int fd, short events, EventCallback cb,
                                   void* arg) {
  // Traced or not: one instantiation each, chosen once (same transitions/records).
  if (base && base->tracer_.enabled()) return assignPlainImpl<true>(ev, base, fd, events, cb, arg);
  return assignPlainImpl<false>(ev, base, fd, events, cb, arg);
}

template <bool kTraced>
inline int EventBase::assignPlainImpl(Event* ev, EventBase* base, int fd, short events, EventCallback cb,
                                       void* arg) {
  if ((ev->flags_ & (Event::kListInit | Event::kListAny)) != Event::kListInit || base != ev->base_ || !base ||
      !ev->label_.empty() || ev->fn_ || debugChecksEnabled() ||
      ((events & kEvSignal) && (events & (kEvRead | kEvWrite | kEvClosed)))) [[unlikely]]
    return ev->assign(base, fd, events, cb, arg);
  if constexpr (kTraced) {
    // The records release() + assign() write: free (old id), then new (fresh id).
    const int64_t ts = base->tracer_.stamp();
    base->traceTransitionAt(ev, EventState::NonPending, EventState::Invalid, TraceCause::Free, ev->events_, 0, ts);
    base->reassignFields(ev, fd, events, cb, arg);
    base->traceTransitionAt(ev, EventState::Invalid, EventState::NonPending, TraceCause::New, events, 0, ts);
    return 0;
  }
  base->reassignFields(ev, fd, events, cb, arg);
  return 0;
}

inline int EventBase::addPlainIo(Event* ev) {
  if (ev->base_ && ev->base_->tracer_.enabled()) return addPlainIoImpl<true>(ev);
  return addPlainIoImpl<false>(ev);
}

template <bool kTraced>
inline int EventBase::addPlainIoImpl(Event* ev) {
  EventBase* const b = ev->base_;
  const uint16_t f = ev->flags_;
  const short events = ev->events_;
  const int fd = ev->fd_;
  if ((f & (Event::kListInit | Event::kListAny)) != Event::kListInit || !b || !b->epoll_ ||
      (events & kEvSignal) || !(events & (kEvRead | kEvWrite | kEvClosed)) || fd < 0 ||
      static_cast<size_t>(fd) >= b->fds_.size() || b->fds_[static_cast<size_t>(fd)].head || debugChecksEnabled())
      [[unlikely]]
    return ev->add(nullptr);
  FdSlot& slot = b->fds_[static_cast<size_t>(fd)];
  const short want = static_cast<short>(events & (kEvRead | kEvWrite | kEvClosed | kEvET));
  if (want != slot.interest) {
    if (b->epoll_->update(fd, slot.interest, want) < 0) return -1;
    slot.interest = want;
  }
  ev->ioPrev_ = ev->ioNext_ = nullptr;
  slot.head = ev;
  b->markInserted(ev, false);  // the entry test above is its precondition
  if constexpr (kTraced)
    b->traceTransitionAt(ev, EventState::NonPending, EventState::Pending, TraceCause::Add, events, 0,
                         b->tracer_.stamp());
  return 0;
}

inline int EventBase::delPlainIo(Event* ev) {
  if (ev->base_ && ev->base_->tracer_.enabled()) return delPlainIoImpl<true>(ev);
  return delPlainIoImpl<false>(ev);
}

template <bool kTraced>
inline int EventBase::delPlainIoImpl(Event* ev) {
  EventBase* const b = ev->base_;
  const uint16_t f = ev->flags_;
  const int fd = ev->fd_;
  if ((f & (Event::kListInit | Event::kListAny)) != (Event::kListInit | Event::kListInserted) || !b ||
      !b->epoll_ || (ev->events_ & kEvSignal) || fd < 0 || ev->ioNext_ || ev->ioPrev_ || debugChecksEnabled())
      [[unlikely]]
    return ev->del();
  // The only event on its fd (no neighbours in the fd's list): the fd leaves epoll.
  FdSlot& slot = b->fds_[static_cast<size_t>(fd)];
  slot.head = nullptr;
  if (slot.interest) {
    b->epoll_->update(fd, slot.interest, 0);
    slot.interest = 0;
  }
  b->markRemoved(ev, false);  // the entry test above is its precondition
  if constexpr (kTraced)
    b->traceTransitionAt(ev, EventState::Pending, EventState::NonPending, TraceCause::Del, 0, 0, b->tracer_.stamp());
  return 0;
}

}  // namespace rs
