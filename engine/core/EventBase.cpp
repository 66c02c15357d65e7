#include "core/EventBase.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cassert>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <list>

namespace rs {

namespace {
constexpr int kMaxPriorities = 256;

// Signals reach the loop through a self-pipe. Like libevent, the base that most
// recently added a signal event receives every signal (one base per process).
std::atomic<int> g_signalWriteFd{-1};
struct sigaction g_oldActions[NSIG];
int g_handlerInstalled[NSIG];

extern "C" void rsSignalHandler(int sig) {
  const int savedErrno = errno;
  const int fd = g_signalWriteFd.load(std::memory_order_relaxed);
  if (fd >= 0) {
    const unsigned char c = static_cast<unsigned char>(sig);
    [[maybe_unused]] ssize_t n = ::write(fd, &c, 1);
  }
  errno = savedErrno;
}

bool setNonblockCloexec(int fd) {
  const int fl = fcntl(fd, F_GETFL);
  return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}
}  // namespace

// ---------------------------------------------------------------------------
// Construction

EventBase::EventBase() : EventBase(Options{}) {}

EventBase::EventBase(const Options& options)
    : poller_(Poller::create(options.backend)),
      tracer_(options.traceCapacity),
      loopThread_(std::this_thread::get_id()) {
  tracer_.setEnabled(options.tracing);
  preciseTimer_ = options.preciseTimer;
  epoll_ = dynamic_cast<EpollPoller*>(poller_.get());
  activeQueues_.assign(1, ActiveQueue{});
  ready_ = std::make_unique<ReadyFd[]>(Poller::kMaxReady);
  if (!poller_) {
    error_ = std::string("cannot create the ") +
             (options.backend == Poller::Backend::Epoll ? "epoll" : "poll") +
             " backend: " + std::strerror(errno);
    return;
  }
  wakeupFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeupFd_ < 0) {
    error_ = std::string("eventfd: ") + std::strerror(errno);
    poller_.reset();
    return;
  }
  wakeupEvent_ = std::make_unique<Event>();
  wakeupEvent_->assign(this, wakeupFd_, kEvRead | kEvPersist, &EventBase::wakeupCallback, this);
  wakeupEvent_->setInternal(true);
  wakeupEvent_->setLabel("loop wakeup (eventfd)");
  wakeupEvent_->add(nullptr);
}

EventBase::~EventBase() {
  // Detach every remaining user event so a later free() is harmless.
  if (signalEvent_) signalEvent_.reset();
  wakeupEvent_.reset();
  for (Event* ev = allHead_; ev;) {
    Event* next = ev->allNext_;
    delEvent(ev, TraceCause::Del, false);
    ev->base_ = nullptr;
    ev->allNext_ = ev->allPrev_ = nullptr;
    ev = next;
  }
  allHead_ = nullptr;
  if (signalPipe_[0] >= 0) {
    int expected = signalPipe_[1];
    g_signalWriteFd.compare_exchange_strong(expected, -1);
    ::close(signalPipe_[0]);
    ::close(signalPipe_[1]);
  }
  if (wakeupFd_ >= 0) ::close(wakeupFd_);
}

const char* EventBase::method() const { return poller_ ? poller_->name() : "none"; }

Nanos EventBase::now() { return cachedNow_ ? cachedNow_ : monotonicNowNs(); }

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
  if (tracer_.enabled()) traceTransition(ev, EventState::Invalid, TraceCause::New, ev->events_);
}

void EventBase::unregisterEvent(Event* ev) {
  assertInLoopThread("event_free");
  // Called after delEvent(): a detach-when-idle event is already unlinked.
  if (!(ev->flags_ & Event::kListDetachIdle)) unlinkAll(ev);
  --liveEvents_;
  if (ev == currentEvent_) currentEvent_ = nullptr;
  const EventState from = tracer_.enabled() ? ev->state() : EventState::Invalid;
  ev->flags_ = static_cast<uint16_t>(ev->flags_ & ~Event::kListInit);
  if (tracer_.enabled()) {
    traceTransition(ev, from, TraceCause::Free, ev->events_);
    if (!ev->label_.empty()) tracer_.retireInfo(ev->id_);
  }
}

void EventBase::reassignTraced(Event* ev, int fd, short events, EventCallback cb, void* arg) {
  // The records release() + assign() write: free (old id), then new (fresh id).
  const int64_t ts = tracer_.stamp();
  traceTransitionAt(ev, EventState::NonPending, EventState::Invalid, TraceCause::Free, ev->events_, 0, ts);
  reassignFields(ev, fd, events, cb, arg);
  traceTransitionAt(ev, EventState::Invalid, EventState::NonPending, TraceCause::New, events, 0, ts);
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
  if (!tracer_.enabled()) return;
  tracer_.publishInfo(infoOf(ev));
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

inline int EventBase::insertIo(Event* ev) {
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
  const short next = static_cast<short>(slot.interest | want);
  if (next != slot.interest) {
    if (pollerUpdate(fd, slot.interest, next) < 0) return -1;
    slot.interest = next;
  }
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
  short next = 0;
  for (Event* e = slot.head; e; e = e->ioNext_)
    next = static_cast<short>(next | (e->events_ & (kEvRead | kEvWrite | kEvClosed | kEvET)));
  if (next != slot.interest) {
    pollerUpdate(ev->fd_, slot.interest, next);
    slot.interest = next;
  }
  markRemoved(ev);
}

inline void EventBase::insertTimeout(Event* ev, Nanos deadline) {
  if (debugChecksEnabled()) [[unlikely]] checkNotIn(ev, Event::kListTimeout, "insert into the timer heap");
  trackBusy(ev);
  ev->deadline_ = deadline;
  heapPush(ev);
  ev->flags_ |= Event::kListTimeout;
}

inline void EventBase::removeTimeout(Event* ev) {
  if (debugChecksEnabled()) [[unlikely]] checkIn(ev, Event::kListTimeout, "remove from the timer heap");
  heapErase(ev);
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

void EventBase::makeLaterEventsActive() {
  while (Event* ev = laterQueue_.head) {
    removeActive(ev);
    insertActive(ev);
  }
}

// ---------------------------------------------------------------------------
// add / del / activate

int EventBase::addEvent(Event* ev, Nanos relTimeout, bool absolute, Nanos absDeadline, bool trace) {
  assertInLoopThread("event_add");
  const bool tracing = trace && tracer_.enabled();
  const EventState from = tracing ? ev->state() : EventState::Invalid;
  const bool hasTimeout = absolute || relTimeout >= 0;

  // Make room in the heap first, like libevent, so a failure leaves no trace.
  if (hasTimeout && !(ev->flags_ & Event::kListTimeout)) heap_.reserve(heap_.size() + 1);

  if ((ev->events_ & (kEvRead | kEvWrite | kEvClosed | kEvSignal)) &&
      !(ev->flags_ & (Event::kListInserted | Event::kListActive | Event::kListActiveLater))) {
    const int rc = (ev->events_ & kEvSignal) ? insertSignal(ev) : insertIo(ev);
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
  const bool tracing = trace && tracer_.enabled();
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
  if (tracer_.enabled()) traceTransition(ev, from, cause, res, lateness);
}

void EventBase::activateEvent(Event* ev, short res, short ncalls, TraceCause cause, int64_t lateness) {
  assertInLoopThread("event_active");
  // The state before activation is needed only for the trace record.
  const EventState from = tracer_.enabled() ? ev->state() : EventState::Invalid;
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
  if (tracer_.enabled()) traceTransition(ev, from, TraceCause::ManualActivate, res);
}

// ---------------------------------------------------------------------------
// Timer heap: a binary min-heap on the deadline with each event's index stored
// in the event, so erase is O(log n). Same shape of algorithm as libevent's
// min_heap, so equal deadlines pop in the same order.

void EventBase::heapShiftUp(size_t hole, Event* ev) {
  while (hole > 0) {
    const size_t parent = (hole - 1) / 2;
    if (!(heap_[parent]->deadline_ > ev->deadline_)) break;
    heap_[hole] = heap_[parent];
    heap_[hole]->heapIndex_ = static_cast<int>(hole);
    hole = parent;
  }
  heap_[hole] = ev;
  ev->heapIndex_ = static_cast<int>(hole);
}

void EventBase::heapShiftDown(size_t hole, Event* ev) {
  const size_t n = heap_.size();
  size_t child = 2 * (hole + 1);
  while (child <= n) {
    if (child == n || heap_[child]->deadline_ > heap_[child - 1]->deadline_) --child;
    if (!(ev->deadline_ > heap_[child]->deadline_)) break;
    heap_[hole] = heap_[child];
    heap_[hole]->heapIndex_ = static_cast<int>(hole);
    hole = child;
    child = 2 * (hole + 1);
  }
  heap_[hole] = ev;
  ev->heapIndex_ = static_cast<int>(hole);
}

void EventBase::heapPush(Event* ev) {
  heap_.push_back(ev);
  heapShiftUp(heap_.size() - 1, ev);
}

void EventBase::heapErase(Event* ev) {
  if (ev->heapIndex_ < 0) return;
  const auto idx = static_cast<size_t>(ev->heapIndex_);
  Event* last = heap_.back();
  heap_.pop_back();
  if (last != ev) {
    if (idx > 0 && heap_[(idx - 1) / 2]->deadline_ > last->deadline_) heapShiftUp(idx, last);
    else heapShiftDown(idx, last);
  }
  ev->heapIndex_ = -1;
}

// ---------------------------------------------------------------------------
// The loop

Nanos EventBase::nextTimeout(bool* has) {
  if (heap_.empty()) {
    *has = false;
    return -1;
  }
  *has = true;
  const Nanos left = heap_.front()->deadline_ - monotonicNowNs();
  return left < 0 ? 0 : left;
}

void EventBase::processTimeouts() {
  if (heap_.empty()) return;
  const Nanos nowNs = now();
  while (!heap_.empty()) {
    Event* ev = heap_.front();
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
void EventBase::runCallbackSlow(Event* ev, bool tracing, Nanos dispatchTs) {
  const EventCallback cb = ev->callback_;
  void* const arg = ev->arg_;
  const int fd = ev->fd_;
  const short res = ev->res_;

  TraceRecord r;
  r.eventId = ev->id_;
  r.owner = ev->owner_;
  r.fd = fd;
  r.kind = ev->kind_;
  r.flags = res;
  r.from = r.to = EventState::Active;
  // currentEvent_ is cleared by unregisterEvent() if the callback frees its event.
  currentEvent_ = ev;
  Nanos begin = dispatchTs;
  auto callOnce = [&] {
    if (!tracing) {
      cb(fd, res, arg);
      return;
    }
    r.type = TraceType::CallbackBegin;
    r.value = 0;
    if (!begin) begin = tracer_.stamp();
    r.tsNs = begin;
    const bool opened = tracer_.record(r);
    cb(fd, res, arg);
    const Nanos end = tracer_.stamp();
    r.type = TraceType::CallbackEnd;
    r.tsNs = end;
    r.value = end - begin;
    // An end whose begin was dropped is lost with it (and counted): a reader
    // would pair it with an older begin.
    if (opened) tracer_.record(r);
    else tracer_.ring().countDropped(1);
    if (currentEvent_) {
      currentEvent_->lastCallbackNs_ = end - begin;
      currentEvent_->totalCallbackNs_ += end - begin;
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

// The callback-end record a traced dispatch left owed (OwedEnd), written on its
// own when the next record is not another dispatch's slot: only its duration,
// the reader knows whose it is and when it began (TraceRing::kEndOfOpen).
inline void EventBase::flushOwedEnd(OwedEnd& owed) {
  if (!owed.due) [[likely]] return;
  owed.due = false;
  tracer_.emplace([&](TraceRecord& r) {
    r.value = owed.dur;
    r.type = TraceRing::kEndOfOpen;
  });
}

// A traced dispatch and callback (not a signal event's): the Dispatch
// transition (active -> `to`) and the CallbackBegin share one clock read and
// one slot (a pair), and that slot also carries the CallbackEnd of the callback
// that ran just before, when one is owed (a triple: its duration; the reader
// knows whose end it is and dates it begin + duration). So nothing of the event
// is kept across the callback but its start stamp; its end is owed in turn.
template <bool kTsc, bool kReuseEndStamp>
[[gnu::always_inline]] inline void EventBase::runTracedCallback(Event* ev, EventState to, OwedEnd& owed) {
  const uint64_t w1 =
      packRecordWord(TraceRing::kDispatchBeginPair, ev->kind_, EventState::Active, to, TraceCause::Dispatch, ev->res_);
  Nanos begin;
  bool opened;
  if (owed.due) {
    // The hot path dispatches right after the previous callback ended: one
    // stamp serves both. Elsewhere (a del or re-arm ran in between) the
    // dispatch reads the clock; the reader dates the end from its begin.
    begin = kReuseEndStamp ? owed.ts : traceclock::stamp(kTsc);
    const Nanos dur = owed.dur;
    constexpr uint64_t kToTriple =
        static_cast<uint64_t>(TraceRing::kDispatchBeginPair) ^ static_cast<uint64_t>(TraceRing::kEndDispatchBegin);
    opened = tracer_.emplaceGroup<3>(
        [&](TraceRecord& d) { fillRecordWords(d, begin, ev->id_, dur, ev->traceOwnerFd(), w1 ^ kToTriple); });
  } else {
    begin = traceclock::stamp(kTsc);
    opened = tracer_.emplaceGroup<2>(
        [&](TraceRecord& d) { fillRecordWords(d, begin, ev->id_, 0, ev->traceOwnerFd(), w1); });
  }
  currentEvent_ = ev;  // cleared by unregisterEvent() if the callback frees the event
  ev->callback_(ev->fd_, ev->res_, ev->arg_);
  const Nanos end = traceclock::stamp(kTsc);
  if (Event* const cur = currentEvent_) {
    cur->lastCallbackNs_ = end - begin;
    cur->totalCallbackNs_ += end - begin;
  }
  // A dropped pair or triple: the reader does not know this callback, so its
  // end record is lost with it (and counted).
  owed = {opened, end, end - begin};
  if (!opened) [[unlikely]] tracer_.ring().countDropped(1);
}

template <bool kTraced, bool kTsc>
int EventBase::processActiveQueue(int priority) {
  ActiveQueue& q = activeQueues_[static_cast<size_t>(priority)];
  constexpr bool tracing = kTraced;
  int count = 0;
  OwedEnd owed{};
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
        if constexpr (!kTraced) ev->callback_(ev->fd_, ev->res_, ev->arg_);
        else runTracedCallback<kTsc, true>(ev, EventState::Pending, owed);
        if (gotBreak_.load(std::memory_order_relaxed)) [[unlikely]] {
          flushOwedEnd(owed);
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
      if constexpr (!kTraced) ev->callback_(ev->fd_, ev->res_, ev->arg_);
      else runTracedCallback<kTsc, false>(ev, ev->state(), owed);
    } else {
      // A signal event: its callback runs once per delivery, each call with
      // begin/end records of its own; any owed end goes out first.
      Nanos ts = 0;
      if constexpr (kTraced) {
        flushOwedEnd(owed);
        // The dispatch record and the callback-begin record share one clock read.
        ts = tracer_.stamp();
        traceTransitionAt(ev, EventState::Active, ev->state(), TraceCause::Dispatch, ev->res_, 0, ts);
      }
      runCallbackSlow(ev, tracing, ts);
    }
    if (gotBreak_.load(std::memory_order_relaxed)) {
      flushOwedEnd(owed);
      currentEvent_ = nullptr;
      return -1;
    }
    // A higher-priority event became active: back to processActive(), which
    // rescans from the top (libevent's event_continue).
    if (continue_) break;
  }
  flushOwedEnd(owed);
  currentEvent_ = nullptr;
  return count;
}

int EventBase::processActive() {
  int c = 0;
  for (size_t i = 0; i < activeQueues_.size(); ++i) {
    if (activeQueues_[i].head) {
      runningPriority_ = static_cast<int>(i);
      const int p = static_cast<int>(i);
      if (!tracer_.enabled()) c = processActiveQueue<false, false>(p);
      else if (tracer_.usesTsc()) c = processActiveQueue<true, true>(p);
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
        if (tracing) traceTransitionAt(ev, EventState::Pending, EventState::Active, cause, match, 0, cachedStamp_);
      } else {
        activateEvent(ev, match, 1, readyCause(match), 0);
      }
      ev = next;
    }
  }
  activeCount_ += activated;
}

namespace {
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
constexpr ActivationWords kActivationWords = makeActivationWords();
}  // namespace

// activateReady() for the epoll backend, from the raw epoll events (no ReadyFd
// copy): the same activations in the same order.
template <bool kTraced>
void EventBase::activateEpollReady(const epoll_event* events, int n) {
  FdSlot* const fdSlots = fds_.data();
  const size_t nfds = fds_.size();
  ActiveQueue* const queues = activeQueues_.data();
  int activated = 0;  // added to activeCount_ at the end (nothing reads it meanwhile)
  // Traced: the activation records go out as one burst (one room check, one
  // publish), closed around the rare cold path, which records on its own.
  // The burst opens with the wait-end record, whose value (the fds with a
  // condition we map, as poller_->wait() counts them) is known at the end.
  TraceRing::Burst burst{};
  TraceRecord* waitEnd = nullptr;
  const int64_t ts = cachedStamp_;
  const auto finishWaitEnd = [&](int count) {
    if (waitEnd)
      fillRecord(*waitEnd, ts, 0, count, 0, -1, TraceType::WaitEnd, EventKind::Internal, EventState::Invalid,
                 EventState::Invalid, TraceCause::None, 0);
    waitEnd = nullptr;
  };
  if constexpr (kTraced) {
    burst = tracer_.beginBurst(static_cast<size_t>(n) + 1);
    waitEnd = tracer_.next(burst);
  }
  int unmapped = 0;  // fds with no condition we map (the wait-end record counts the others)
  for (int i = 0; i < n; ++i) {
    const auto fd = static_cast<size_t>(events[i].data.fd);
    const short res = EpollPoller::toRes(events[i].events);
    if (!res) [[unlikely]] {
      ++unmapped;
      continue;
    }
    if (fd >= nfds) continue;
    const short what = static_cast<short>(res | kEvET);
    for (Event* ev = fdSlots[fd].head; ev;) {
      Event* const next = ev->ioNext_;
      const short match = static_cast<short>(ev->events_ & what);
      const uint16_t f = ev->flags_;
      if ((match & (kEvRead | kEvWrite | kEvClosed)) && !(f & (Event::kListActive | Event::kListActiveLater)))
          [[likely]] {
        // A pending I/O event becomes active, as in activateReady(). Traced:
        // cause and flags of the record come packed from a table.
        uint64_t causeFlags = 0;
        if constexpr (kTraced) causeFlags = kActivationWords.w[static_cast<uint8_t>(match)];
        const TraceCause cause = kTraced ? static_cast<TraceCause>(causeFlags >> 32) : TraceCause::None;
        enterActive(queues[static_cast<size_t>(ev->priority_)], ev, f, Event::kListActive, match, cause, false);
        ++activated;
        // Stamped with the wait's end, like every activation this wait found.
        if constexpr (kTraced) {
          tracer_.ring().fillNext(burst, [&](TraceRecord& r) {
            fillRecordWords(r, ts, ev->id_, 0, ev->traceOwnerFd(),
                            causeFlags | (uint64_t{static_cast<uint8_t>(ev->kind_)} << 8));
          });
        }
      } else if (match & (kEvRead | kEvWrite | kEvClosed)) {
        activeCount_ += activated;  // activateEvent() counts on its own
        activated = 0;
        if constexpr (kTraced) {
          // Finish the wait-end record before publishing: count the rest.
          int rest = 0;
          for (int j = i + 1; j < n; ++j) rest += EpollPoller::toRes(events[j].events) != 0;
          finishWaitEnd(i + 1 - unmapped + rest);
          tracer_.endBurst(burst);
        }
        activateEventCold(ev, match);
        if constexpr (kTraced) burst = tracer_.beginBurst(static_cast<size_t>(n));
      }
      ev = next;
    }
  }
  activeCount_ += activated;
  if constexpr (kTraced) {
    finishWaitEnd(n - unmapped);
    tracer_.endBurst(burst);
  }
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

  while (!done) {
    continue_ = false;
    if (gotTerm_.load(std::memory_order_relaxed) || gotBreak_.load(std::memory_order_relaxed)) break;

    Nanos timeout = 0;
    if (activeCount_ == 0 && !(flags & kLoopNonblock)) {
      bool has = false;
      timeout = nextTimeout(&has);
      if (!has) timeout = -1;
    }
    if (!(flags & kLoopNoExitOnEmpty) && !haveEvents() && activeCount_ == 0) {
      retval = 1;
      break;
    }
    makeLaterEventsActive();
    cachedNow_ = 0;

    const bool tracing = tracer_.enabled();
    Nanos waitBegin = 0;
    if (tracing) {
      waitBegin = monotonicNowNs();
      traceLoop(TraceType::WaitBegin, timeout, tracer_.usesTsc() ? tracer_.stamp() : waitBegin);
    }
    // epoll: the raw events go straight to activation (no ReadyFd copy).
    const epoll_event* raw = nullptr;
    const bool rawPath = epoll_ != nullptr;
    int n = rawPath ? epoll_->waitRaw(timeout, Poller::kMaxReady, &raw)
                    : poller_->wait(timeout, ready_.get(), Poller::kMaxReady);
    if (n < 0) {
      error_ = std::string(poller_->name()) + " wait failed: " + std::strerror(-n);
      retval = -1;
      break;
    }
    cachedNow_ = monotonicNowNs();
    // The trace stamp of everything this wait found (one rdtsc, or the same ns);
    // 0 when this iteration is not traced (no rdtsc on the untraced path).
    cachedStamp_ = !tracing ? 0 : tracer_.usesTsc() ? tracer_.stamp() : cachedNow_;
    ++stats_.iterations;
    if (tracing) {
      stats_.waitNs += cachedNow_ - waitBegin;
      // The raw epoll path writes its wait-end record itself, first of its burst.
      if (!rawPath) traceLoop(TraceType::WaitEnd, n, cachedStamp_);
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
  Nanos delay = -1;
  if (tv) {
    if (tv->tv_sec < 0 || tv->tv_usec < 0) return -1;
    delay = static_cast<Nanos>(tv->tv_sec) * kNsPerSec + static_cast<Nanos>(tv->tv_usec) * kNsPerUs;
  }
  auto schedule = [this, delay] {
    runOnce(-1, 0, delay, [this] { gotTerm_.store(true); }, nullptr, nullptr, "loopexit");
  };
  if (isInLoopThread()) schedule();
  else queueInLoop(schedule);
  return 0;
}

// ---------------------------------------------------------------------------
// One-shot timers (event_base_once)

struct EventBase::OnceEvent {
  Event event;
  std::function<void()> fn;
  EventCallback cb = nullptr;
  void* arg = nullptr;
  std::list<std::unique_ptr<OnceEvent>>::iterator self;
};

int EventBase::once(int fd, short events, EventCallback cb, void* arg, Nanos timeout) {
  assertInLoopThread("event_base_once");
  // Like event_base_once: no signals, no PERSIST; a pure timer or an fd event.
  if (!cb || (events & (kEvSignal | kEvPersist))) return -1;
  const bool timerOnly = (events & (kEvTimeout | kEvRead | kEvWrite | kEvClosed)) == kEvTimeout;
  if (!timerOnly && !(events & (kEvRead | kEvWrite | kEvClosed))) return -1;
  const short ioEvents = static_cast<short>(events & (kEvRead | kEvWrite | kEvClosed));
  return runOnce(timerOnly ? -1 : fd, timerOnly ? 0 : ioEvents, timeout, nullptr, cb, arg,
                 timerOnly ? "once" : "once io");
}

int EventBase::runOnce(int fd, short events, Nanos delay, std::function<void()> fn,
                       EventCallback cb, void* arg, std::string_view label) {
  onces_.push_back(std::make_unique<OnceEvent>());
  OnceEvent* once = onces_.back().get();
  once->self = std::prev(onces_.end());
  once->fn = std::move(fn);
  once->cb = cb;
  once->arg = arg;
  once->event.assign(this, fd, events, &EventBase::onceCallback, once);
  once->event.setLabel(label);
  int rc = 0;
  if (events == 0 && delay <= 0) {
    // libevent activates a timer once-event without a (non-zero) timeout at
    // once: an order-preserving way to schedule a callback.
    activateEvent(&once->event, kEvTimeout, 1, TraceCause::ManualActivate, 0);
  } else {
    rc = once->event.addTimeoutNs(delay);
  }
  if (rc != 0) onces_.erase(once->self);
  return rc;
}

void EventBase::onceCallback(int fd, short what, void* arg) {
  auto* once = static_cast<OnceEvent*>(arg);
  // Like libevent's event_once_cb: run the callback, then free the event.
  if (once->cb) once->cb(fd, what, once->arg);
  else if (once->fn) once->fn();
  once->event.base()->onces_.erase(once->self);
}

// ---------------------------------------------------------------------------
// Cross-thread queue

void EventBase::runInLoop(std::function<void()> fn) {
  // running_ first (acquire): seeing it true makes that loop's loopThread_ visible.
  const bool running = running_.load(std::memory_order_acquire);
  if (running && loopThread_.load(std::memory_order_relaxed) == std::this_thread::get_id()) fn();
  else queueInLoop(std::move(fn));
}

void EventBase::queueInLoop(std::function<void()> fn) {
  {
    std::lock_guard lock(pendingMutex_);
    pendingFunctors_.push_back(std::move(fn));
  }
  wakeup();
}

void EventBase::wakeup() {
  // Merge repeated wakeups: one eventfd write until the loop drains it.
  if (wakeupPending_.exchange(true)) return;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wakeupFd_, &one, sizeof one);
}

void EventBase::wakeupCallback(int fd, short, void* arg) {
  auto* base = static_cast<EventBase*>(arg);
  uint64_t value;
  [[maybe_unused]] ssize_t n = ::read(fd, &value, sizeof value);
  base->wakeupPending_.store(false);
  base->doPendingFunctors();
}

void EventBase::doPendingFunctors() {
  std::vector<std::function<void()>> functors;
  {
    std::lock_guard lock(pendingMutex_);
    functors.swap(pendingFunctors_);
  }
  for (auto& fn : functors) fn();
}

// ---------------------------------------------------------------------------
// Signals

int EventBase::insertSignal(Event* ev) {
  const int sig = ev->fd_;
  if (sig <= 0 || sig >= NSIG) return -1;
  if (signalPipe_[0] < 0) {
    if (::pipe(signalPipe_) != 0) return -1;
    setNonblockCloexec(signalPipe_[0]);
    setNonblockCloexec(signalPipe_[1]);
    signalEvent_ = std::make_unique<Event>();
    signalEvent_->assign(this, signalPipe_[0], kEvRead | kEvPersist, &EventBase::signalCallback, this);
    signalEvent_->setInternal(true);
    signalEvent_->setLabel("signal pipe");
    signalEvent_->setPriority(0);
    signalEvent_->add(nullptr);
    signalHeads_.assign(NSIG, nullptr);
    signalAdds_.assign(NSIG, 0);
  }
  const auto usig = static_cast<size_t>(sig);
  if (signalAdds_[usig] == 0 && !g_handlerInstalled[sig]) {
    struct sigaction sa {};
    sa.sa_handler = rsSignalHandler;
    sa.sa_flags = SA_RESTART;
    sigfillset(&sa.sa_mask);
    if (sigaction(sig, &sa, &g_oldActions[sig]) != 0) return -1;
    g_handlerInstalled[sig] = 1;
  }
  g_signalWriteFd.store(signalPipe_[1]);
  ++signalAdds_[usig];
  ev->ioPrev_ = nullptr;
  ev->ioNext_ = signalHeads_[usig];
  if (signalHeads_[usig]) signalHeads_[usig]->ioPrev_ = ev;
  signalHeads_[usig] = ev;
  markInserted(ev);
  return 0;
}

void EventBase::removeSignal(Event* ev) {
  const auto usig = static_cast<size_t>(ev->fd_);
  if (ev->ioPrev_) ev->ioPrev_->ioNext_ = ev->ioNext_;
  else signalHeads_[usig] = ev->ioNext_;
  if (ev->ioNext_) ev->ioNext_->ioPrev_ = ev->ioPrev_;
  ev->ioNext_ = ev->ioPrev_ = nullptr;
  if (--signalAdds_[usig] == 0 && g_handlerInstalled[ev->fd_]) {
    sigaction(ev->fd_, &g_oldActions[ev->fd_], nullptr);
    g_handlerInstalled[ev->fd_] = 0;
  }
  markRemoved(ev);
}

void EventBase::signalCallback(int fd, short, void* arg) {
  auto* base = static_cast<EventBase*>(arg);
  int caught[NSIG] = {};
  unsigned char buf[1024];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i)
      if (buf[i] < NSIG) ++caught[buf[i]];
  }
  for (int sig = 1; sig < NSIG; ++sig) {
    if (!caught[sig]) continue;
    for (Event* ev = base->signalHeads_[static_cast<size_t>(sig)]; ev;) {
      Event* next = ev->ioNext_;
      base->activateEvent(ev, kEvSignal, static_cast<short>(caught[sig]), TraceCause::Signal, 0);
      ev = next;
    }
  }
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
  traceTransitionAt(ev, from, ev->state(), cause, flags, value,
                    batch && cachedNow_ && cachedStamp_ ? cachedStamp_ : tracer_.stamp());
}

void EventBase::traceLoop(TraceType type, int64_t value, Nanos ts) {
  TraceRecord r;
  r.tsNs = ts;
  r.type = type;
  r.kind = EventKind::Internal;
  r.value = value;
  tracer_.record(r);
}

void EventBase::traceBufferLevelSlow(uint64_t eventId, uint32_t owner, int fd, BufferId which,
                                     int64_t bytes) {
  assertInLoopThread("traceBufferLevel");
  // Written in place: kind Io, states Invalid, no cause or flags, `which` in
  // the buffer byte (byte 5 of the type..flags word).
  const int64_t ts = tracer_.stamp();
  const uint64_t ownerFd = packOwnerFd(owner, fd);
  const uint64_t w1 = packRecordWord(TraceType::BufferLevel, EventKind::Io, EventState::Invalid,
                                     EventState::Invalid, TraceCause::None, 0) |
                      (uint64_t{static_cast<uint8_t>(which)} << 40);
  tracer_.emplace([&](TraceRecord& r) { fillRecordWords(r, ts, eventId, bytes, ownerFd, w1); });
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
    s.totalCallbackNs = conv.ticksToNs(ev->totalCallbackNs_);
    s.lastCallbackNs = conv.ticksToNs(ev->lastCallbackNs_);
    s.lastCause = ev->lastCause_ == TraceCause::None && ev->activations_ ? readyCause(ev->res_) : ev->lastCause_;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace rs
