#include "core/EventBase.h"

#include <sys/prctl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace rs {

namespace {
constexpr int kMaxPriorities = 256;

// readyCause() by the matched result flags (READ/WRITE/CLOSED/ET fit in a
// byte): one load on the traced activation path.
struct ReadyCauses {
  TraceCause c[256];
};
constexpr ReadyCauses makeReadyCauses() {
  ReadyCauses t{};
  for (int m = 0; m < 256; ++m) t.c[m] = readyCause(static_cast<short>(m));
  return t;
}
constexpr ReadyCauses kReadyCauses = makeReadyCauses();
}  // namespace

// ---------------------------------------------------------------------------
// Construction

EventBase::EventBase() : EventBase(Options{}) {}

EventBase::EventBase(const Options& options)
    : backend_(options.backend),
      poller_(Poller::create(options.backend)),
      trace_(options.traceCapacity),
      loopThread_(std::this_thread::get_id()),
      signals_(this, &EventBase::signalPipeCallback, this) {
  trace_.tracer().setEnabled(options.tracing);
  preciseTimer_ = options.preciseTimer;
  epoll_ = dynamic_cast<EpollPoller*>(poller_.get());
  activeQueues_.assign(1, ActiveQueue{});
  ready_ = std::make_unique<ReadyFd[]>(Poller::kMaxReady);
  if (!poller_) {
    error_ = std::string("cannot create the ") + Poller::backendName(options.backend) +
             " backend: " + std::strerror(errno);
    return;
  }
  // libevent's order of fds: the backend's, the signal pipe, the eventfd.
  if (options.signalPipeAtStart && signals_.open() != 0) {
    error_ = std::string("signal pipe: ") + std::strerror(errno);
    poller_.reset();
    return;
  }
  if (options.notifiable && !tasks_.open(this, &error_)) poller_.reset();
}

int EventBase::makeNotifiable() {
  assertInLoopThread("evthread_make_base_notifiable");
  if (!poller_) return -1;
  return tasks_.open(this, &error_) ? 0 : -1;
}

int EventBase::reinitBackend() {
  assertInLoopThread("event_reinit");
  if (!poller_) return -1;
  const bool hadWakeup = tasks_.isOpen();
  const bool hadSignalPipe = signals_.isOpen();
  // The internal events leave through a poller that changes nothing: the
  // inherited backend may be the parent's too. Letting it go closes its fd.
  poller_ = Poller::createDetached();
  epoll_ = nullptr;
  signals_.shut();
  tasks_.shut();
  poller_.reset();
  std::unique_ptr<Poller> fresh = Poller::create(backend_);
  if (!fresh) {
    error_ = std::string("event_reinit: cannot create the ") + Poller::backendName(backend_) +
             " backend: " + std::strerror(errno);
    return -1;
  }
  for (size_t fd = 0; fd < fds_.size(); ++fd) {
    if (!fds_[fd].interest) continue;
    if (const int rc = fresh->update(static_cast<int>(fd), 0, fds_[fd].interest); rc != 0) {
      error_ = "event_reinit: fd " + std::to_string(fd) + ": " + std::strerror(-rc);
      return -1;
    }
  }
  poller_ = std::move(fresh);
  epoll_ = dynamic_cast<EpollPoller*>(poller_.get());
  if (hadSignalPipe && signals_.reopen() != 0) {
    error_ = std::string("event_reinit: signal pipe: ") + std::strerror(errno);
    return -1;
  }
  if (hadWakeup && !tasks_.open(this, &error_)) return -1;
  return 0;
}

EventBase::~EventBase() {
  // The internal events first; then detach every remaining user event so a
  // later free() is harmless. The pipe and the eventfd close with their units.
  signals_.close();
  tasks_.close();
  for (Event* ev = allHead_; ev;) {
    Event* next = ev->allNext_;
    delEvent(ev, TraceCause::Del, false);
    ev->base_ = nullptr;
    ev->allNext_ = ev->allPrev_ = nullptr;
    ev = next;
  }
  allHead_ = nullptr;
}

const char* EventBase::method() const { return poller_ ? poller_->name() : "none"; }

Nanos EventBase::now() { return cachedNow_ ? cachedNow_ : monotonicNowNs(); }

void EventBase::refreshCachedTime() {
  if (cachedNow_) cachedNow_ = monotonicNowNs();
}

int EventBase::priorityInit(int n) {
  assertInLoopThread("event_base_priority_init");
  if (activeCount_ > 0 || n < 1 || n >= kMaxPriorities) return -1;
  if (n == priorities()) return 0;
  activeQueues_.assign(static_cast<size_t>(n), ActiveQueue{});
  return 0;
}

// ---------------------------------------------------------------------------
// Registration (all initialized events, for snapshots)

void EventBase::registerEvent(Event* ev) {
  assertInLoopThread("event_assign");
  ev->id_ = nextId_++;
  ev->flags_ |= Event::kListInit;
  ev->priority_ = priorities() / 2;
  if (!(ev->flags_ & Event::kListDetachIdle)) linkAll(ev);
  ++liveEvents_;
  // Labels are published by setLabel(); a fresh assignment has none.
  if (trace_.enabled()) traceTransition(ev, EventState::Invalid, TraceCause::New, ev->events_);
}

void EventBase::unregisterEvent(Event* ev) {
  assertInLoopThread("event_free");
  // Called after delEvent(): a detach-when-idle event is already unlinked.
  if (!(ev->flags_ & Event::kListDetachIdle)) unlinkAll(ev);
  --liveEvents_;
  if (ev == currentEvent_) currentEvent_ = nullptr;
  const EventState from = trace_.enabled() ? ev->state() : EventState::Invalid;
  ev->flags_ = static_cast<uint16_t>(ev->flags_ & ~Event::kListInit);
  if (trace_.enabled()) {
    traceTransition(ev, from, TraceCause::Free, ev->events_);
    if (!ev->label_.empty()) trace_.tracer().retireInfo(ev->id_);
  }
}

void EventBase::reassignTraced(Event* ev, int fd, short events, EventCallback cb, void* arg) {
  // The records release() + assign() write: free (old id), then new (fresh id).
  const TraceStamp ts = trace_.stamp();
  trace_.transition(ev, EventState::NonPending, EventState::Invalid, TraceCause::Free, ev->events_, 0, ts);
  reassignFields(ev, fd, events, cb, arg);
  trace_.transition(ev, EventState::Invalid, EventState::NonPending, TraceCause::New, events, 0, ts);
}

EventInfo EventBase::infoOf(const Event* ev) {
  EventInfo info;
  info.id = ev->id_;
  info.owner = ev->owner_;
  info.kind = ev->kind_;
  info.fd = ev->fd_;
  info.events = ev->events_;
  info.priority = ev->priority_;
  info.label = ev->label_;
  return info;
}

void EventBase::publishInfo(const Event* ev) {
  assertInLoopThread("setLabel");
  if (!trace_.enabled()) return;
  trace_.tracer().publishInfo(infoOf(ev));
}

// ---------------------------------------------------------------------------
// Paired insert/remove helpers: the only places list bits change. Defined
// inline: the engine is built with -fPIC, where GCC does not inline a global
// function into another (semantic interposition) unless it is inline.

inline int EventBase::pollerUpdate(int fd, short oldInterest, short newInterest) {
  return epoll_ ? epoll_->update(fd, oldInterest, newInterest) : poller_->update(fd, oldInterest, newInterest);
}

void EventBase::checkNotIn(const Event* ev, uint16_t bits, const char* op) {
  if (!(ev->flags_ & bits)) return;
  char msg[160];
  std::snprintf(msg, sizeof msg, "list helper: %s: event %llu is already there (list bits 0x%x)", op,
                static_cast<unsigned long long>(ev->id_), static_cast<unsigned>(ev->flags_));
  debugReport(msg);
}

void EventBase::checkIn(const Event* ev, uint16_t bits, const char* op) {
  if ((ev->flags_ & bits) == bits) return;
  char msg[160];
  std::snprintf(msg, sizeof msg, "list helper: %s: event %llu is not there (list bits 0x%x)", op,
                static_cast<unsigned long long>(ev->id_), static_cast<unsigned>(ev->flags_));
  debugReport(msg);
}

void EventBase::checkInLoopThread(const char* op) const {
  // While no loop runs, the constructing (or bound) thread owns the base.
  if (!running_.load(std::memory_order_acquire) ||
      loopThread_.load(std::memory_order_relaxed) == std::this_thread::get_id())
    return;
  char msg[160];
  std::snprintf(msg, sizeof msg, "%s called from another thread while the loop runs (loop thread only)", op);
  debugReport(msg);
}

inline short EventBase::eventsInterest(const FdSlot& slot) {
  short interest = 0;
  for (const Event* e = slot.head; e; e = e->ioNext_)
    interest = static_cast<short>(interest | (e->events_ & (kEvRead | kEvWrite | kEvClosed | kEvET)));
  return interest;
}

inline int EventBase::insertIo(Event* ev, bool assumeWritable) {
  const int fd = ev->fd_;
  if (fd < 0) {
    // libevent inserts an I/O event on a negative fd without telling the backend:
    // it never fires but keeps the loop alive.
    markInserted(ev);
    return 0;
  }
  const auto ufd = static_cast<size_t>(fd);
  if (ufd >= fds_.size()) fds_.resize(ufd + 1);
  FdSlot& slot = fds_[ufd];
  const short want = static_cast<short>(ev->events_ & (kEvRead | kEvWrite | kEvClosed | kEvET));
  // Like libevent's debug mode: mixing edge- and level-triggered events on one fd
  // is refused (without the check the whole fd becomes edge-triggered).
  if (slot.head && ((slot.interest & kEvET) != (want & kEvET)) && debugChecksEnabled()) {
    debugReport("event_add: tried to mix edge-triggered and level-triggered events on one fd");
    return -1;
  }
  short watch = want;  // what the poller must watch for it
  bool endsAssumption = false;
  if (want & kEvWrite) {
    // Assumed when asked on the epoll backend, level-triggered, with no write
    // event the poller already watches. Any other write event on the fd (a
    // program's own, whose writes the base never sees) ends the assumption:
    // the poller watches the fd's WRITE from then on.
    // (Ended only once the poller took WRITE: when it refuses, the fd's other
    // write events stay assumed, not stranded.)
    endsAssumption = slot.writeAssumed && !assumeWritable;
    if (!slot.writeAssumed && assumeWritable && epoll_ && !(want & kEvET) && !(slot.interest & kEvWrite)) {
      slot.writeAssumed = true;
      if (!slot.assumedListed) {
        slot.assumedListed = true;
        assumedWritable_.push_back(fd);
      }
    }
    if (slot.writeAssumed && !endsAssumption) watch = static_cast<short>(watch & ~kEvWrite);
  }
  const short next = static_cast<short>(slot.interest | watch);
  if (next != slot.interest) {
    if (pollerUpdate(fd, slot.interest, next) < 0) return -1;
    slot.interest = next;
  }
  if (endsAssumption) slot.writeAssumed = false;
  ev->ioPrev_ = nullptr;
  ev->ioNext_ = slot.head;
  if (slot.head) slot.head->ioPrev_ = ev;
  slot.head = ev;
  markInserted(ev);
  return 0;
}

inline void EventBase::removeIo(Event* ev) {
  if (ev->fd_ < 0) {
    markRemoved(ev);
    return;
  }
  FdSlot& slot = fds_[static_cast<size_t>(ev->fd_)];
  if (ev->ioPrev_) ev->ioPrev_->ioNext_ = ev->ioNext_;
  else slot.head = ev->ioNext_;
  if (ev->ioNext_) ev->ioNext_->ioPrev_ = ev->ioPrev_;
  ev->ioNext_ = ev->ioPrev_ = nullptr;
  short next = eventsInterest(slot);
  if (slot.writeAssumed) {
    if (next & kEvWrite) next = static_cast<short>(next & ~kEvWrite);  // still assumed
    else slot.writeAssumed = false;  // its last write event left
  }
  if (next != slot.interest) {
    pollerUpdate(ev->fd_, slot.interest, next);
    slot.interest = next;
  }
  markRemoved(ev);
}

void EventBase::stopAssumingWritable(int fd) {
  assertInLoopThread("stopAssumingWritable");
  if (fd < 0 || static_cast<size_t>(fd) >= fds_.size()) return;
  FdSlot& slot = fds_[static_cast<size_t>(fd)];
  if (!slot.writeAssumed) return;
  short next = eventsInterest(slot);
  // When the poller refuses the fd (a regular file: EPERM; the watch limit),
  // it stays assumed writable: its write events go on firing, never stranded.
  if (next != slot.interest && pollerUpdate(fd, slot.interest, next) < 0) return;
  slot.interest = next;
  slot.writeAssumed = false;
}

bool EventBase::pruneAssumedWritable() {
  size_t kept = 0;
  for (const int fd : assumedWritable_) {
    FdSlot& slot = fds_[static_cast<size_t>(fd)];
    if (slot.writeAssumed) assumedWritable_[kept++] = fd;
    else slot.assumedListed = false;
  }
  assumedWritable_.resize(kept);
  return kept != 0;
}

inline void EventBase::insertTimeout(Event* ev, Nanos deadline) {
  if (debugChecksEnabled()) [[unlikely]] checkNotIn(ev, Event::kListTimeout, "insert into the timer heap");
  trackBusy(ev);
  ev->deadline_ = deadline;
  timers_.push(ev);
  ev->flags_ |= Event::kListTimeout;
}

inline void EventBase::removeTimeout(Event* ev) {
  if (debugChecksEnabled()) [[unlikely]] checkIn(ev, Event::kListTimeout, "remove from the timer heap");
  timers_.erase(ev);
  ev->flags_ = static_cast<uint16_t>(ev->flags_ & ~Event::kListTimeout);
  trackIdle(ev);
}

inline void EventBase::insertActive(Event* ev) {
  trackBusy(ev);
  linkActive(activeQueues_[static_cast<size_t>(ev->priority_)], ev, ev->flags_, Event::kListActive,
             debugChecksEnabled());
  ++activeCount_;
}

inline void EventBase::removeActive(Event* ev) {
  const bool checks = debugChecksEnabled();
  if (ev->flags_ & Event::kListActiveLater)
    unlinkActive(laterQueue_, ev, ev->activePrev_, Event::kListActiveLater, checks);
  else
    unlinkActive(activeQueues_[static_cast<size_t>(ev->priority_)], ev, ev->activePrev_, Event::kListActive, checks);
  --activeCount_;
  trackIdle(ev);
}

void EventBase::requeueActive(Event* ev, int priority) {
  removeActive(ev);
  ev->priority_ = priority;
  insertActive(ev);
}

void EventBase::makeLaterEventsActive() {
  while (Event* ev = laterQueue_.head) {
    removeActive(ev);
    insertActive(ev);
  }
}

// ---------------------------------------------------------------------------
// add / del / activate

int EventBase::addEvent(Event* ev, Nanos relTimeout, bool absolute, Nanos absDeadline, bool trace,
                        bool assumeWritable) {
  assertInLoopThread("event_add");
  const bool tracing = trace && trace_.enabled();
  const EventState from = tracing ? ev->state() : EventState::Invalid;
  const bool hasTimeout = absolute || relTimeout >= 0;

  // Make room in the heap first, like libevent, so a failure leaves no trace.
  if (hasTimeout && !(ev->flags_ & Event::kListTimeout)) timers_.reserveOne();

  if ((ev->events_ & (kEvRead | kEvWrite | kEvClosed | kEvSignal)) &&
      !(ev->flags_ & (Event::kListInserted | Event::kListActive | Event::kListActiveLater))) {
    const int rc = (ev->events_ & kEvSignal) ? insertSignal(ev) : insertIo(ev, assumeWritable);
    if (rc < 0) return -1;
  }

  if (hasTimeout) {
    // libevent remembers the interval only for its PERSIST closure; a signal
    // event's timeout is never re-armed, PERSIST or not.
    if ((ev->events_ & (kEvPersist | kEvSignal)) == kEvPersist && !absolute)
      ev->ioTimeout_ = relTimeout;
    if (ev->flags_ & Event::kListTimeout) removeTimeout(ev);
    // Re-adding an event that is active because of its timeout cancels that
    // activation: the new timeout replaces the old one.
    if ((ev->flags_ & Event::kListActive) && (ev->res_ & kEvTimeout)) {
      if (ev->events_ & kEvSignal) {
        if (ev->pncalls_) *ev->pncalls_ = 0;
        ev->ncalls_ = 0;
      }
      removeActive(ev);
    }
    insertTimeout(ev, absolute ? absDeadline : now() + relTimeout);
  }

  if (tracing && ev->state() != from)
    traceTransition(ev, from, TraceCause::Add, ev->events_);
  return 0;
}

int EventBase::delEvent(Event* ev, TraceCause cause, bool trace) {
  assertInLoopThread("event_del");
  // Non-pending: nothing to remove, nothing to trace (a running signal
  // callback's remaining calls are still cancelled below).
  if (!(ev->flags_ & Event::kListAny) && !(ev->events_ & kEvSignal)) return 0;
  const bool tracing = trace && trace_.enabled();
  const EventState from = tracing ? ev->state() : EventState::Invalid;
  if ((ev->events_ & kEvSignal) && ev->ncalls_ && ev->pncalls_) *ev->pncalls_ = 0;
  if (ev->flags_ & Event::kListTimeout) removeTimeout(ev);
  if (ev->flags_ & (Event::kListActive | Event::kListActiveLater)) removeActive(ev);
  if (ev->flags_ & Event::kListInserted) {
    if (ev->events_ & kEvSignal) removeSignal(ev);
    else removeIo(ev);
  }
  if (tracing && ev->state() != from) traceTransition(ev, from, cause, 0);
  return 0;
}

void EventBase::activateEvent(Event* ev, short res, short ncalls, TraceCause cause,
                              int64_t lateness, EventState from) {
  if (ev->flags_ & Event::kListActive) {
    ev->res_ = static_cast<short>(ev->res_ | res);
    return;
  }
  if (ev->flags_ & Event::kListActiveLater) {
    res = static_cast<short>(ev->res_ | res);
    removeActive(ev);
  }
  if (ev->priority_ < runningPriority_) continue_ = true;
  if (ev->events_ & kEvSignal) {
    ev->ncalls_ = ncalls;
    ev->pncalls_ = nullptr;
  }
  trackBusy(ev);
  enterActive(activeQueues_[static_cast<size_t>(ev->priority_)], ev, ev->flags_, Event::kListActive, res, cause,
              debugChecksEnabled());
  ++activeCount_;
  if (trace_.enabled()) traceTransition(ev, from, cause, res, lateness);
}

void EventBase::activateEvent(Event* ev, short res, short ncalls, TraceCause cause, int64_t lateness) {
  assertInLoopThread("event_active");
  // The state before activation is needed only for the trace record.
  const EventState from = trace_.enabled() ? ev->state() : EventState::Invalid;
  activateEvent(ev, res, ncalls, cause, lateness, from);
}

void EventBase::activateLater(Event* ev, short res) {
  assertInLoopThread("activateLater");
  if (ev->flags_ & (Event::kListActive | Event::kListActiveLater)) {
    ev->res_ = static_cast<short>(ev->res_ | res);
    return;
  }
  const EventState from = ev->state();
  trackBusy(ev);
  enterActive(laterQueue_, ev, ev->flags_, Event::kListActiveLater, res, TraceCause::ManualActivate,
              debugChecksEnabled());
  ++activeCount_;
  if (trace_.enabled()) traceTransition(ev, from, TraceCause::ManualActivate, res);
}

// ---------------------------------------------------------------------------
// The loop

void EventBase::processTimeouts() {
  if (timers_.empty()) return;
  const Nanos nowNs = now();
  while (!timers_.empty()) {
    Event* ev = timers_.top();
    if (ev->deadline_ > nowNs) break;
    // libevent deletes a timed-out event before activating it; only the net
    // pending -> active step is traced.
    const EventState from = ev->state();
    delEvent(ev, TraceCause::Timeout, false);
    activateEvent(ev, kEvTimeout, 1, TraceCause::Timeout, nowNs - ev->deadline_, from);
  }
}

// A signal event's callback, traced or not: once per delivery, each traced call
// with begin/end records and duration counters of its own. Every other
// dispatch runs in processActiveQueue() (runTracedCallback() when traced).
void EventBase::runSignalCallback(Event* ev, bool tracing, TraceStamp dispatchStamp) {
  const EventCallback cb = ev->callback_;
  void* const arg = ev->arg_;
  const int fd = ev->fd_;
  const short res = ev->res_;
  const TraceEmitter::CallbackOf whose = TraceEmitter::callbackOf(ev);
  // currentEvent_ is cleared by unregisterEvent() if the callback frees its event.
  currentEvent_ = ev;
  TraceStamp begin = dispatchStamp;  // the first call's begin shares the dispatch's stamp
  auto callOnce = [&] {
    if (!tracing) {
      cb(fd, res, arg);
      return;
    }
    if (!begin) begin = trace_.stamp();
    const bool opened = trace_.signalCallbackBegin(whose, begin);
    cb(fd, res, arg);
    const TraceStamp end = trace_.stamp();
    trace_.signalCallbackEnd(whose, begin, end, opened);
    if (currentEvent_) {
      currentEvent_->lastCallbackTicks_ = end - begin;
      currentEvent_->totalCallbackTicks_ += end - begin;
    }
    begin = 0;
  };

  // Several deliveries before dispatch run the callback that many times; a
  // del() inside the callback zeroes the remaining count through pncalls_.
  signalCallsLeft_ = ev->ncalls_;
  if (signalCallsLeft_) ev->pncalls_ = &signalCallsLeft_;
  while (signalCallsLeft_ > 0) {
    --signalCallsLeft_;
    if (currentEvent_) currentEvent_->ncalls_ = signalCallsLeft_;
    callOnce();
    if (gotBreak_.load(std::memory_order_relaxed)) break;
  }
  if (currentEvent_) currentEvent_->pncalls_ = nullptr;
  signalCallsLeft_ = 0;
  currentEvent_ = nullptr;
}

// A traced dispatch and callback (not a signal event's): TraceEmitter writes the
// dispatch + callback-begin pair (or triple with the owed end of the previous
// callback) and owes this callback's end in turn.
template <bool kTsc, bool kReuseEndStamp>
[[gnu::always_inline]] inline void EventBase::runTracedCallback(Event* ev, EventState to,
                                                                TraceEmitter::OwedEnd& owed) {
  bool opened;
  const TraceStamp begin = trace_.dispatchBegin<kTsc, kReuseEndStamp>(ev, to, owed, opened);
  currentEvent_ = ev;  // cleared by unregisterEvent() if the callback frees the event
  ev->callback_(ev->fd_, ev->res_, ev->arg_);
  const StampTicks duration = trace_.callbackEnd<kTsc>(begin, opened, owed);
  if (Event* const cur = currentEvent_) {
    cur->lastCallbackTicks_ = duration;
    cur->totalCallbackTicks_ += duration;
  }
}

template <bool kTraced, bool kTsc>
int EventBase::processActiveQueue(int priority) {
  ActiveQueue& q = activeQueues_[static_cast<size_t>(priority)];
  constexpr bool tracing = kTraced;
  int count = 0;
  TraceEmitter::OwedEnd owed{};
  const bool checks = debugChecksEnabled();  // read once per queue pass
  while (Event* ev = q.head) {
    // Leave the active queue exactly as libevent does: a PERSIST event only
    // stops being active (it stays pending); any other event is deleted.
    if (ev->events_ & kEvPersist) {
      unlinkActive(q, ev, nullptr, Event::kListActive, checks);
      --activeCount_;
      if ((ev->flags_ & Event::kListInserted) && ev->ioTimeout_ <= 0 && !(ev->events_ & kEvSignal)) [[likely]] {
        // Hot path: a pending PERSIST I/O event without timeout. It stays
        // inserted (so busy: no trackIdle) and runs its callback directly.
        count += !(ev->flags_ & Event::kListInternal);
        ++stats_.dispatched;
        if constexpr (!kTraced) {
          currentEvent_ = ev;  // runningEvent(); cleared by unregisterEvent() if the callback frees it
          ev->callback_(ev->fd_, ev->res_, ev->arg_);
        } else {
          runTracedCallback<kTsc, true>(ev, EventState::Pending, owed);
        }
        if (gotBreak_.load(std::memory_order_relaxed)) [[unlikely]] {
          trace_.flushOwedEnd(owed);
          currentEvent_ = nullptr;
          return -1;
        }
        if (continue_) break;
        continue;
      }
      trackIdle(ev);
      // A PERSIST event's timeout re-arms at each activation: relative to the
      // expired deadline when it timed out, otherwise relative to now.
      if (ev->ioTimeout_ > 0) [[unlikely]] {
        const Nanos nowNs = now();
        Nanos runAt = ((ev->res_ & kEvTimeout) ? ev->deadline_ : nowNs) + ev->ioTimeout_;
        if (runAt < nowNs) runAt = nowNs + ev->ioTimeout_;
        addEvent(ev, -1, true, runAt, false);
      }
    } else {
      delEvent(ev, TraceCause::Dispatch, false);
    }
    if (!(ev->flags_ & Event::kListInternal)) ++count;
    ++stats_.dispatched;
    if (!(ev->events_ & kEvSignal)) [[likely]] {
      // Nothing above wrote a record (del and re-arm are untraced here): the
      // dispatch can share the slot of an owed end, as on the hot path.
      if constexpr (!kTraced) {
        currentEvent_ = ev;  // as on the hot path
        ev->callback_(ev->fd_, ev->res_, ev->arg_);
      } else {
        runTracedCallback<kTsc, false>(ev, ev->state(), owed);
      }
    } else {
      // A signal event: its callback runs once per delivery, each call with
      // begin/end records of its own; any owed end goes out first.
      TraceStamp ts = 0;
      if constexpr (kTraced) {
        trace_.flushOwedEnd(owed);
        // The dispatch record and the callback-begin record share one clock read.
        ts = trace_.stamp();
        trace_.transition(ev, EventState::Active, ev->state(), TraceCause::Dispatch, ev->res_, 0, ts);
      }
      runSignalCallback(ev, tracing, ts);
    }
    if (gotBreak_.load(std::memory_order_relaxed)) {
      trace_.flushOwedEnd(owed);
      currentEvent_ = nullptr;
      return -1;
    }
    // A higher-priority event became active: back to processActive(), which
    // rescans from the top (libevent's event_continue).
    if (continue_) break;
  }
  trace_.flushOwedEnd(owed);
  currentEvent_ = nullptr;
  return count;
}

int EventBase::processActive() {
  int c = 0;
  for (size_t i = 0; i < activeQueues_.size(); ++i) {
    if (activeQueues_[i].head) {
      runningPriority_ = static_cast<int>(i);
      const int p = static_cast<int>(i);
      if (!trace_.enabled()) c = processActiveQueue<false, false>(p);
      else if (trace_.usesTsc()) c = processActiveQueue<true, true>(p);
      else c = processActiveQueue<true, false>(p);
      if (c < 0) break;
      if (c > 0) break;  // a real event ran: lower priorities wait for the next pass
    }
  }
  runningPriority_ = -1;
  return c;
}


// The fds one wait reported -> active events (libevent's evmap_io_active_):
// every event on the fd interested in one of the ready conditions, newest first.
void EventBase::activateReady(int n) {
  const bool tracing = cachedStamp_ != 0;  // this iteration is traced (loop())
  FdSlot* const fdSlots = fds_.data();
  const size_t nfds = fds_.size();
  const ReadyFd* const ready = ready_.get();
  ActiveQueue* const queues = activeQueues_.data();
  int activated = 0;  // added to activeCount_ at the end (nothing reads it meanwhile)
  for (int i = 0; i < n; ++i) {
    const ReadyFd r = ready[i];
    if (static_cast<size_t>(r.fd) >= nfds) continue;
    for (Event* ev = fdSlots[static_cast<size_t>(r.fd)].head; ev;) {
      Event* next = ev->ioNext_;
      const short match = static_cast<short>(ev->events_ & r.what);
      const uint16_t f = ev->flags_;
      if (!(match & (kEvRead | kEvWrite | kEvClosed))) {
        ev = next;
        continue;
      }
      if (!(f & (Event::kListActive | Event::kListActiveLater))) [[likely]] {
        // A pending I/O event becomes active (the branch is enterActive()'s
        // precondition; inserted, hence busy). No priority check: nothing runs
        // during this phase (runningPriority_ is -1). Untraced, the cause stays
        // "I/O readiness", which snapshot() derives from res_.
        const TraceCause cause = tracing ? readyCause(match) : TraceCause::None;
        enterActive(queues[static_cast<size_t>(ev->priority_)], ev, f, Event::kListActive, match, cause, false);
        ++activated;
        // Stamped with the wait's end, like every activation this wait found.
        if (tracing) trace_.activated(ev, EventState::Pending, cause, match, 0, cachedStamp_);
      } else {
        activateEvent(ev, match, 1, readyCause(match), 0);
      }
      ev = next;
    }
  }
  activeCount_ += activated;
}

// activateReady() for the epoll backend, from the raw epoll events (no ReadyFd
// copy): the same activations in the same order. Then the fds assumed writable
// that the kernel did not name, each as if it had reported them writable (one
// it named gets WRITE with what it reported, as one epoll event would carry both).
template <bool kTraced>
void EventBase::activateEpollReady(const epoll_event* events, int n) {
  FdSlot* const fdSlots = fds_.data();
  const size_t nfds = fds_.size();
  ActiveQueue* const queues = activeQueues_.data();
  const uint64_t thisWait = stats_.iterations;
  int assumedOnly = 0;  // fds assumed writable this wait did not name
  if (!assumedWritable_.empty()) [[unlikely]] {
    for (int i = 0; i < n; ++i) {
      const auto fd = static_cast<size_t>(events[i].data.fd);
      if (fd < nfds && fdSlots[fd].writeAssumed) fdSlots[fd].assumedSeenIn = thisWait;
    }
    for (const int fd : assumedWritable_)
      if (fdSlots[fd].writeAssumed && fdSlots[fd].assumedSeenIn != thisWait) ++assumedOnly;
  }
  // What the wait reports for entry i: the kernel's conditions, plus WRITE when assumed.
  auto resOf = [&](int i) {
    const auto fd = static_cast<size_t>(events[i].data.fd);
    short res = EpollPoller::toRes(events[i].events);
    if (fd < nfds && fdSlots[fd].writeAssumed) [[unlikely]] res = static_cast<short>(res | kEvWrite);
    return res;
  };
  int activated = 0;  // added to activeCount_ at the end (nothing reads it meanwhile)
  // Traced: the activation records go out as one burst (one room check, one
  // publish), opened by the wait-end record and closed around the rare cold
  // path, which records on its own.
  TraceEmitter::ActivationBurst burst{};
  if constexpr (kTraced) burst = trace_.beginActivations(n + assumedOnly, cachedStamp_);
  auto activateFd = [&](size_t fd, short res) {
    const short what = static_cast<short>(res | kEvET);
    for (Event* ev = fdSlots[fd].head; ev;) {
      Event* const next = ev->ioNext_;
      const short match = static_cast<short>(ev->events_ & what);
      const uint16_t f = ev->flags_;
      if ((match & (kEvRead | kEvWrite | kEvClosed)) && !(f & (Event::kListActive | Event::kListActiveLater)))
          [[likely]] {
        // A pending I/O event becomes active, as in activateReady().
        const TraceCause cause = kTraced ? kReadyCauses.c[static_cast<uint8_t>(match)] : TraceCause::None;
        enterActive(queues[static_cast<size_t>(ev->priority_)], ev, f, Event::kListActive, match, cause, false);
        ++activated;
        // Stamped with the wait's end, like every activation this wait found.
        if constexpr (kTraced) trace_.activatedInBurst(burst, ev, match);
      } else if (match & (kEvRead | kEvWrite | kEvClosed)) {
        activeCount_ += activated;  // activateEvent() counts on its own
        activated = 0;
        if constexpr (kTraced) {
          // Finish the wait-end record before publishing: count every fd it reports.
          int reported = assumedOnly;
          for (int j = 0; j < n; ++j) reported += resOf(j) != 0;
          trace_.endActivations(burst, reported);
        }
        activateEventCold(ev, match);
        if constexpr (kTraced) trace_.resumeActivations(burst, n + assumedOnly);
      }
      ev = next;
    }
  };
  int unmapped = 0;  // fds with no condition we map (the wait-end record counts the others)
  for (int i = 0; i < n; ++i) {
    const auto fd = static_cast<size_t>(events[i].data.fd);
    const short res = resOf(i);
    if (!res) [[unlikely]] {
      ++unmapped;
      continue;
    }
    if (fd >= nfds) continue;
    activateFd(fd, res);
  }
  if (assumedOnly) [[unlikely]] {
    for (const int fd : assumedWritable_)
      if (fdSlots[fd].writeAssumed && fdSlots[fd].assumedSeenIn != thisWait) activateFd(static_cast<size_t>(fd), kEvWrite);
  }
  activeCount_ += activated;
  if constexpr (kTraced) trace_.endActivations(burst, n - unmapped + assumedOnly);
}

void EventBase::activateEventCold(Event* ev, short match) {
  activateEvent(ev, match, 1, readyCause(match), 0);
}

int EventBase::loop(int flags) {
  if (!poller_) return -1;
  if (running_.load(std::memory_order_relaxed)) {
    std::fprintf(stderr, "[reactorscope] event_base_loop: reentrant invocation\n");
    return -1;
  }
  // The thread first, then running_ (release): runInLoop() reads them the other way.
  loopThread_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  running_.store(true, std::memory_order_release);
  if (preciseTimer_) prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  cachedNow_ = 0;
  gotTerm_.store(false);
  gotBreak_.store(false);
  int retval = 0;
  bool done = false;
  bool ranQueued = false;  // (once per call: a functor that queues another cannot spin an empty loop)

  while (!done) {
    continue_ = false;
    if (gotTerm_.load(std::memory_order_relaxed) || gotBreak_.load(std::memory_order_relaxed)) break;

    Nanos timeout = 0;
    if (activeCount_ == 0 && !(flags & kLoopNonblock))
      timeout = timers_.empty() ? -1 : timers_.timeUntilNext(monotonicNowNs());
    if (!(flags & kLoopNoExitOnEmpty) && !haveEvents() && activeCount_ == 0) {
      // What other threads queued runs first: a loopexit() from another thread
      // is a timer made here (libevent adds it at once, under its lock, so the
      // next dispatch of an empty base runs it and returns 0).
      if (!ranQueued && tasks_.runQueued()) {
        ranQueued = true;
        continue;
      }
      retval = 1;
      break;
    }
    makeLaterEventsActive();
    cachedNow_ = 0;

    const bool tracing = trace_.enabled();
    Nanos waitBeginNs = 0;
    if (tracing) {
      waitBeginNs = monotonicNowNs();
      trace_.waitBegin(timeout, waitBeginNs);
    }
    // epoll: the raw events go straight to activation (no ReadyFd copy).
    const epoll_event* raw = nullptr;
    const bool rawPath = epoll_ != nullptr;
    // An fd assumed writable is ready now: the wait only collects (the trace
    // keeps the timeout the loop would have waited, as libevent's wait on a
    // writable socket returns at once).
    const bool assumedReady = !assumedWritable_.empty() && pruneAssumedWritable();
    const Nanos waitNs = assumedReady ? 0 : timeout;
    int n = rawPath ? epoll_->waitRaw(waitNs, Poller::kMaxReady, &raw)
                    : poller_->wait(waitNs, ready_.get(), Poller::kMaxReady);
    if (n < 0) {
      error_ = std::string(poller_->name()) + " wait failed: " + std::strerror(-n);
      retval = -1;
      break;
    }
    cachedNow_ = monotonicNowNs();
    // The trace stamp of everything this wait found (one rdtsc, or the same ns);
    // 0 when this iteration is not traced (no rdtsc on the untraced path).
    cachedStamp_ = !tracing ? 0 : trace_.usesTsc() ? trace_.stamp() : cachedNow_;
    ++stats_.iterations;
    if (tracing) {
      stats_.waitNs += cachedNow_ - waitBeginNs;
      // The raw epoll path writes its wait-end record itself, first of its burst.
      if (!rawPath) trace_.waitEnd(n, cachedStamp_);
    }

    if (!rawPath) activateReady(n);
    else if (tracing) activateEpollReady<true>(raw, n);
    else activateEpollReady<false>(raw, n);
    processTimeouts();

    if (activeCount_) {
      const int processed = processActive();
      if ((flags & kLoopOnce) && activeCount_ == 0 && processed != 0) done = true;
    } else if (flags & kLoopNonblock) {
      done = true;
    }
  }
  cachedNow_ = 0;
  running_.store(false, std::memory_order_release);
  return retval;
}

int EventBase::loopbreak() {
  gotBreak_.store(true);
  if (!isInLoopThread()) wakeup();
  return 0;
}

int EventBase::loopexit(const timeval* tv) {
  const Nanos delay = tv ? timeoutNsOf(*tv) : -1;
  auto schedule = [this, delay] {
    tasks_.once(this, -1, 0, delay, [this] { gotTerm_.store(true); }, nullptr, nullptr, "loopexit");
  };
  if (isInLoopThread()) schedule();
  else queueInLoop(schedule);
  return 0;
}

// ---------------------------------------------------------------------------
// One-shot timers (event_base_once)

int EventBase::once(int fd, short events, EventCallback cb, void* arg, Nanos timeout) {
  assertInLoopThread("event_base_once");
  // Like event_base_once: no signals, no PERSIST; a pure timer or an fd event.
  if (!cb || (events & (kEvSignal | kEvPersist))) return -1;
  const bool timerOnly = (events & (kEvTimeout | kEvRead | kEvWrite | kEvClosed)) == kEvTimeout;
  if (!timerOnly && !(events & (kEvRead | kEvWrite | kEvClosed))) return -1;
  const short ioEvents = static_cast<short>(events & (kEvRead | kEvWrite | kEvClosed));
  return tasks_.once(this, timerOnly ? -1 : fd, timerOnly ? 0 : ioEvents, timeout, nullptr, cb, arg,
                     timerOnly ? "once" : "once io");
}

// ---------------------------------------------------------------------------
// Cross-thread queue

void EventBase::runInLoop(std::function<void()> fn) {
  // running_ first (acquire): seeing it true makes that loop's loopThread_ visible.
  const bool running = running_.load(std::memory_order_acquire);
  if (running && loopThread_.load(std::memory_order_relaxed) == std::this_thread::get_id()) fn();
  else queueInLoop(std::move(fn));
}

// ---------------------------------------------------------------------------
// Signals

int EventBase::insertSignal(Event* ev) {
  if (signals_.link(ev) != 0) return -1;
  markInserted(ev);
  return 0;
}

void EventBase::removeSignal(Event* ev) {
  signals_.unlink(ev);
  markRemoved(ev);
}

void EventBase::signalPipeCallback(int fd, short, void* arg) {
  auto* base = static_cast<EventBase*>(arg);
  base->signals_.forEachCaught(fd, [base](Event* ev, short count) {
    base->activateEvent(ev, kEvSignal, count, TraceCause::Signal, 0);
  });
}

// ---------------------------------------------------------------------------
// Tracing

void EventBase::traceTransition(Event* ev, EventState from, TraceCause cause, short flags,
                                int64_t value) {
  // Activations found by one wait share its timestamp; everything else happens
  // inside callbacks or API calls and reads the clock. That includes a signal's
  // activation: the loop's internal signal event makes it from its callback,
  // after that callback's begin record.
  const bool batch = cause == TraceCause::ReadyRead || cause == TraceCause::ReadyWrite ||
                     cause == TraceCause::ReadyClosed || cause == TraceCause::Timeout;
  trace_.transition(ev, from, ev->state(), cause, flags, value,
                    batch && cachedNow_ && cachedStamp_ ? cachedStamp_ : trace_.stamp());
}

void EventBase::traceBufferLevelSlow(uint64_t eventId, uint32_t owner, int fd, BufferId which,
                                     int64_t bytes) {
  assertInLoopThread("traceBufferLevel");
  trace_.bufferLevel(eventId, owner, fd, which, bytes);
}

std::vector<EventSnapshot> EventBase::snapshot() const {
  assertInLoopThread("snapshot");
  std::vector<EventSnapshot> out;
  out.reserve(liveEvents_);
  // Callback durations are kept in trace-stamp units (TSC ticks or ns).
  traceclock::Converter conv = traceclock::Converter::sample();
  for (const Event* ev = allHead_; ev; ev = ev->allNext_) {
    EventSnapshot s;
    static_cast<EventInfo&>(s) = infoOf(ev);
    s.state = ev->state();
    s.activations = ev->activations_;
    s.totalCallbackNs = conv.ticksToNs(ev->totalCallbackTicks_);
    s.lastCallbackNs = conv.ticksToNs(ev->lastCallbackTicks_);
    s.lastCause = ev->lastCause_ == TraceCause::None && ev->activations_ ? readyCause(ev->res_) : ev->lastCause_;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace rs
