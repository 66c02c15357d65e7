// One reactor loop: the libevent event_base, muduo's EventLoop. The loop itself
// (wait, activate, dispatch, the active queues, the fd map and list bits) lives
// here; its parts have their own units:
//   Poller / EpollPoller / PollPoller / SelectPoller  the I/O backend
//   TimerQueue                         the timer heap
//   SignalSource                       signals (self-pipe, per-signal lists)
//   LoopTasks                          once-events and the cross-thread queue
//   TraceEmitter                       every trace record (the loop calls its hooks)
//
// Thread contract: everything is loop thread only (the thread running loop(), or
// the constructing thread while no loop runs), except loopbreak(), loopexit(),
// runInLoop(), queueInLoop(), wakeup(), isInLoopThread() and tracer(), which are
// safe from any thread. The two fields those read across threads are atomics:
// loop() stores loopThread_ (relaxed) and then running_ = true (release), and
// running_ = false (release) when it returns; runInLoop() loads running_
// (acquire) before loopThread_, so a caller that sees the loop running also sees
// which thread runs it, and only that thread runs `fn` inline. With debug checks
// on (REACTORSCOPE_DEBUG_CHECKS=1), a loop-thread-only entry point called from
// another thread while the loop runs is reported.
#pragma once
#include <sys/time.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/Clock.h"
#include "core/EpollPoller.h"
#include "core/Event.h"
#include "core/LoopTasks.h"
#include "core/Poller.h"
#include "core/SignalSource.h"
#include "core/TimerQueue.h"
#include "core/Trace.h"
#include "core/TraceEmitter.h"
#include "core/Tracer.h"

namespace rs {

struct PlainFastPath;  // engine/compat/PlainFastPath.h

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

struct LoopStats {
  uint64_t iterations = 0;
  uint64_t dispatched = 0;  // callbacks run
  Nanos waitNs = 0;         // time spent blocked in the poller (traced iterations)
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
    // The wakeup eventfd (cross-thread calls, loopbreak() from another
    // thread): made at construction (true), or only by makeNotifiable()
    // (false; libevent's rule, which the compat layer follows).
    bool notifiable = true;
    // libevent's evsig_init_: the signal pipe opened at construction, right
    // after the backend's fd (false: at the first signal event).
    bool signalPipeAtStart = false;
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

  // "epoll", "poll" or "select" (event_base_get_method).
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
  // event_base_loopcontinue: the running loop stops running callbacks and polls
  // again (cleared at each iteration's start, so outside a loop it does nothing).
  int loopcontinue() {
    continue_ = true;
    return 0;
  }
  // event_reinit, in a child after fork(), as libevent's: closes the signal
  // pipe and the wakeup eventfd (shared with the parent) and lets go of the
  // backend without changing it (an epoll instance is shared too), then makes
  // a new backend, registers every fd's interest again, and opens a new pipe
  // and eventfd where the base had them (in that order, so fd numbers match
  // libevent's). Loop thread, no loop running. -1 if that fails (the base is
  // then invalid).
  int reinitBackend();
  // evthread_make_base_notifiable: opens the wakeup eventfd if the base has
  // none (Options::notifiable). Loop thread, or no loop running. 0, or -1 when
  // eventfd() fails.
  int makeNotifiable();
  bool notifiable() const { return tasks_.isOpen(); }
  bool gotExit() const { return gotTerm_; }
  // The event whose callback runs now, or null (event_base_get_running_event):
  // set by every dispatch, traced or not; null between callbacks' queue passes
  // and after the callback freed or re-assigned its event.
  const Event* runningEvent() const { return currentEvent_; }
  // True while loop() runs (any thread; acquire, like runInLoop()).
  bool loopRunning() const { return running_.load(std::memory_order_acquire); }
  bool gotBreak() const { return gotBreak_; }

  // event_base_priority_init: fails while events are active; n in [1, 256).
  int priorityInit(int n);
  int priorities() const { return static_cast<int>(activeQueues_.size()); }

  // Cross-thread work, muduo style (LoopTasks). Safe from any thread. A base
  // that is not notifiable keeps the functors until makeNotifiable().
  void runInLoop(std::function<void()> fn);
  void queueInLoop(std::function<void()> fn) { tasks_.queue(std::move(fn)); }
  void wakeup() { tasks_.wakeup(); }
  // True on the thread bound last (constructor, bindToCurrentThread() or loop()).
  // From another thread it may still name the previous loop thread while a new
  // loop() starts: runInLoop() decides with running_ first, never with this alone.
  // muduo's assertInLoopThread (reported, debug checks only).
  void assertInLoopThread(const char* op) const {
    if (debugChecksEnabled()) [[unlikely]] checkInLoopThread(op);
  }
  bool isInLoopThread() const {
    return std::this_thread::get_id() == loopThread_.load(std::memory_order_acquire);
  }
  // Binds the loop thread (e.g. a worker that will call loop()).
  void bindToCurrentThread() { loopThread_.store(std::this_thread::get_id(), std::memory_order_release); }

  // Cached loop time (set after each wait), like libevent's time cache.
  Nanos now();
  // The cached time itself: 0 outside the window after a wait (no cache).
  Nanos cachedTime() const { return cachedNow_; }
  // event_base_update_cache_time: re-reads the clock into the cache, if there is one.
  void refreshCachedTime();

  // Tracing. tracer() is safe from any thread.
  Tracer& tracer() { return trace_.tracer(); }
  bool tracing() const { return trace_.enabled(); }
  // Loop thread: every live event's current state and counters.
  std::vector<EventSnapshot> snapshot() const;
  LoopStats stats() const { return stats_; }
  size_t liveEventCount() const { return liveEvents_; }
  // Event ids (a live trace names an event's callback before the event's first
  // record: engine/compat/AnnounceFirst.h). nextEventId(): the id the next
  // assignment on this base gives. skipEventId(): that id goes unused after the
  // assignment it was read for failed (no later event gets it). Loop thread only.
  uint64_t nextEventId() const { return nextId_; }
  void skipEventId(uint64_t id) {
    if (id == nextId_) ++nextId_;
  }

  // Records a buffer level (bufferevents call this). Loop thread only.
  void traceBufferLevel(uint64_t eventId, uint32_t owner, int fd, BufferId which, int64_t bytes) {
    if (trace_.enabled()) traceBufferLevelSlow(eventId, owner, fd, which, bytes);
  }

  // event_base_once: a one-shot timer (events == kEvTimeout) or fd event that frees
  // itself after its callback; timeout < 0 means none (a timer then runs at once,
  // as does a timer with timeout 0). -1 for SIGNAL/PERSIST or no event. Loop thread only.
  int once(int fd, short events, EventCallback cb, void* arg, Nanos timeout);
  // Makes `ev` active at the start of the next loop iteration (libevent's
  // "active later", used for deferred callbacks). Loop thread only.
  void activateLater(Event* ev, short res);
  // The fd's write events were taken as ready without the poller (Event::
  // addAssumingWritable()) and a write found the kernel's queue full: the
  // poller watches WRITE from now on (if it refuses the fd, e.g. a regular
  // file, the fd stays assumed writable). Loop thread only.
  void stopAssumingWritable(int fd);

 private:
  friend class Event;
  friend struct PlainFastPath;  // compat's inline event_assign/add/del

  struct FdSlot {
    Event* head = nullptr;
    short interest = 0;  // what the poller watches: the union of the fd's events' READ/WRITE/CLOSED/ET
                         // (WRITE left out while writeAssumed)
    // The fd's write events are taken as ready without the poller (addEvent's
    // assumeWritable, below): WRITE is not in `interest`, each wait reports the
    // fd writable. Kept while the fd has a write event; cleared by
    // stopAssumingWritable() (a write found the kernel's queue full).
    bool writeAssumed = false;
    bool assumedListed = false;  // in assumedWritable_
    uint64_t assumedSeenIn = 0;  // the wait whose poller results already named the fd
  };
  struct ActiveQueue {
    Event* head = nullptr;
    Event* tail = nullptr;
  };

  // --- Event entry points (Event's methods call these) -----------------------
  // assumeWritable (a bufferevent's write event, whose socket took every byte
  // of its last write): the epoll backend does not watch WRITE for it (no
  // epoll_ctl on add, none on del); each wait reports the fd writable, as the
  // kernel would report a writable socket, until stopAssumingWritable().
  int addEvent(Event* ev, Nanos relTimeout, bool absolute, Nanos absDeadline, bool trace = true,
               bool assumeWritable = false);
  int delEvent(Event* ev, TraceCause cause, bool trace);
  void activateEvent(Event* ev, short res, short ncalls, TraceCause cause, int64_t lateness);
  // `from` is the state to report (a timed-out event is deleted before activation).
  void activateEvent(Event* ev, short res, short ncalls, TraceCause cause, int64_t lateness, EventState from);
  void registerEvent(Event* ev);
  void unregisterEvent(Event* ev);
  // event_assign on an initialized, non-pending, unlabelled event of this base.
  void reassign(Event* ev, int fd, short events, EventCallback cb, void* arg);
  [[gnu::noinline]] void reassignTraced(Event* ev, int fd, short events, EventCallback cb, void* arg);
  void reassignFields(Event* ev, int fd, short events, EventCallback cb, void* arg);
  void publishInfo(const Event* ev);
  static EventInfo infoOf(const Event* ev);

  // --- Paired insert/remove helpers ------------------------------------------
  // Like libevent's event_queue_insert_* / event_queue_remove_*: the only places
  // list bits (Event::kList{Inserted,Timeout,Active,ActiveLater}) change. Each
  // checks its precondition (the event is / is not in that list) when debug
  // checks are on; `checks` is false only where the caller's own test is that
  // precondition.
  int insertIo(Event* ev, bool assumeWritable);
  void removeIo(Event* ev);
  int insertSignal(Event* ev);
  void removeSignal(Event* ev);
  // kListInserted, once the event is linked into / unlinked from its fd's or
  // signal's list (insertIo/insertSignal, removeIo/removeSignal, PlainFastPath).
  void markInserted(Event* ev, bool checks = debugChecksEnabled());
  void markRemoved(Event* ev, bool checks = debugChecksEnabled());
  void insertTimeout(Event* ev, Nanos deadline);
  void removeTimeout(Event* ev);
  void insertActive(Event* ev);
  void removeActive(Event* ev);  // out of whichever active queue its bit names
  // An active event (kListActive) to the tail of `priority`'s queue (Event::setPriorityRequeued()).
  void requeueActive(Event* ev, int priority);
  void makeLaterEventsActive();
  // The queue primitives under those: `ev` (whose flags are `f`) enters `q` at
  // the tail with list bit `bit`; leaves `q` with `prev` its predecessor (nullptr
  // for the head, which the dispatch loop always takes). Neither tracks busy
  // events nor counts active ones.
  static void linkActive(ActiveQueue& q, Event* ev, uint16_t f, uint16_t bit, bool checks);
  static void unlinkActive(ActiveQueue& q, Event* ev, Event* prev, uint16_t bit, bool checks);
  // Every activation route's bookkeeping (activateEvent(), the ready-fd paths,
  // activateLater()): the result, the counters, the cause, then the queue.
  static void enterActive(ActiveQueue& q, Event* ev, uint16_t f, uint16_t bit, short res, TraceCause cause,
                          bool checks);
  [[gnu::cold, gnu::noinline]] static void checkNotIn(const Event* ev, uint16_t bits, const char* op);
  [[gnu::cold, gnu::noinline]] static void checkIn(const Event* ev, uint16_t bits, const char* op);
  [[gnu::cold, gnu::noinline]] void checkInLoopThread(const char* op) const;
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
  void becameBusy(Event* ev);
  void becameIdle(Event* ev);
  void linkAll(Event* ev);
  void unlinkAll(Event* ev);
  int pollerUpdate(int fd, short oldInterest, short newInterest);
  // The union of the fd's events' READ/WRITE/CLOSED/ET (what the poller
  // would watch without an assumption).
  static short eventsInterest(const FdSlot& slot);
  // Drops the fds no longer assumed writable from assumedWritable_; true when one is left.
  bool pruneAssumedWritable();

  // --- The loop ---------------------------------------------------------------
  bool haveEvents() const { return userEventCount_ > 0; }
  // The ready fds of one wait -> active events (poll backend / raw epoll events).
  void activateReady(int n);
  template <bool kTraced>
  void activateEpollReady(const epoll_event* events, int n);
  [[gnu::noinline, gnu::cold]] void activateEventCold(Event* ev, short match);
  void processTimeouts();
  int processActive();
  // Tracing on or off for the whole queue (read once), and the kind of stamps
  // (Tracer::usesTsc()): one instantiation each, so the untraced one carries no
  // trace code and the traced ones no switches.
  template <bool kTraced, bool kTsc>
  int processActiveQueue(int priority);
  template <bool kTsc, bool kReuseEndStamp>
  void runTracedCallback(Event* ev, EventState to, TraceEmitter::OwedEnd& owed);
  void runSignalCallback(Event* ev, bool tracing, TraceStamp dispatchStamp);
  static void signalPipeCallback(int fd, short what, void* arg);

  // --- Trace hooks the loop needs beyond TraceEmitter's -----------------------
  // A transition to `ev`'s current state, stamped with the wait's end when it is
  // an activation that wait found, else with a fresh stamp.
  void traceTransition(Event* ev, EventState from, TraceCause cause, short flags, int64_t value = 0);
  void traceBufferLevelSlow(uint64_t eventId, uint32_t owner, int fd, BufferId which, int64_t bytes);

  Poller::Backend backend_;
  std::unique_ptr<Poller> poller_;
  class EpollPoller* epoll_ = nullptr;  // poller_ when it is epoll: calls without the vtable
  std::string error_;
  TraceEmitter trace_;
  std::atomic<std::thread::id> loopThread_;  // read from any thread (see the contract)
  uint64_t nextId_ = 1;

  std::vector<FdSlot> fds_;
  std::vector<int> assumedWritable_;  // fds whose slot has writeAssumed (and some stale ones)
  std::unique_ptr<ReadyFd[]> ready_;  // Poller::kMaxReady entries, filled by each wait
  TimerQueue timers_;
  SignalSource signals_;
  LoopTasks tasks_;
  std::vector<ActiveQueue> activeQueues_;  // one per priority, FIFO
  ActiveQueue laterQueue_;                 // activateLater(): made active at the next iteration
  int activeCount_ = 0;                    // events in active queues (incl. internal)
  int userEventCount_ = 0;                 // non-internal events in at least one list
  size_t liveEvents_ = 0;
  Event* allHead_ = nullptr;
  int runningPriority_ = -1;
  Event* currentEvent_ = nullptr;
  short signalCallsLeft_ = 0;  // whose callback runs; cleared if it frees itself
  bool continue_ = false;

  std::atomic<bool> running_{false};  // written by loop() only; read from any thread
  bool preciseTimer_ = false;
  std::atomic<bool> gotBreak_{false};
  std::atomic<bool> gotTerm_{false};
  Nanos cachedNow_ = 0;          // 0: no cache (outside the post-wait window)
  TraceStamp cachedStamp_ = 0;   // trace stamp of the same instant (valid while cachedNow_ is)
  LoopStats stats_;
};

// ---------------------------------------------------------------------------
// Inline internals (hot paths; not part of the interface above)

inline void EventBase::markInserted(Event* ev, bool checks) {
  if (checks) [[unlikely]] checkNotIn(ev, Event::kListInserted, "insert into the fd/signal map");
  trackBusy(ev);
  ev->flags_ |= Event::kListInserted;
}

inline void EventBase::markRemoved(Event* ev, bool checks) {
  if (checks) [[unlikely]] checkIn(ev, Event::kListInserted, "remove from the fd/signal map");
  ev->flags_ = static_cast<uint16_t>(ev->flags_ & ~Event::kListInserted);
  trackIdle(ev);
}

[[gnu::always_inline]] inline void EventBase::linkActive(ActiveQueue& q, Event* ev, uint16_t f, uint16_t bit,
                                                         bool checks) {
  if (checks) [[unlikely]] checkNotIn(ev, Event::kListActive | Event::kListActiveLater, "insert into an active queue");
  Event* const tail = q.tail;
  ev->activeNext_ = nullptr;
  ev->activePrev_ = tail;
  if (tail) tail->activeNext_ = ev;
  else q.head = ev;
  q.tail = ev;
  ev->flags_ = static_cast<uint16_t>(f | bit);
}

[[gnu::always_inline]] inline void EventBase::unlinkActive(ActiveQueue& q, Event* ev, Event* prev, uint16_t bit,
                                                           bool checks) {
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

[[gnu::always_inline]] inline void EventBase::enterActive(ActiveQueue& q, Event* ev, uint16_t f, uint16_t bit,
                                                          short res, TraceCause cause, bool checks) {
  ev->res_ = res;
  ++ev->activations_;
  ev->lastCause_ = cause;
  linkActive(q, ev, f, bit, checks);
}

inline void EventBase::becameBusy(Event* ev) {
  userEventCount_ += !(ev->flags_ & Event::kListInternal);
  if (ev->flags_ & Event::kListDetachIdle) linkAll(ev);
}

inline void EventBase::becameIdle(Event* ev) {
  userEventCount_ -= !(ev->flags_ & Event::kListInternal);
  if (ev->flags_ & Event::kListDetachIdle) unlinkAll(ev);
}

inline void EventBase::linkAll(Event* ev) {
  ev->allPrev_ = nullptr;
  ev->allNext_ = allHead_;
  if (allHead_) allHead_->allPrev_ = ev;
  allHead_ = ev;
}

inline void EventBase::unlinkAll(Event* ev) {
  if (ev->allPrev_) ev->allPrev_->allNext_ = ev->allNext_;
  else allHead_ = ev->allNext_;
  if (ev->allNext_) ev->allNext_->allPrev_ = ev->allPrev_;
  ev->allNext_ = ev->allPrev_ = nullptr;
}

inline void EventBase::reassign(Event* ev, int fd, short events, EventCallback cb, void* arg) {
  if (trace_.enabled()) [[unlikely]] {
    reassignTraced(ev, fd, events, cb, arg);
    return;
  }
  reassignFields(ev, fd, events, cb, arg);
}

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
  ev->totalCallbackTicks_ = ev->lastCallbackTicks_ = 0;
}

}  // namespace rs
