// One reactor loop: the libevent event_base. Owns the poller, the timer heap, the
// signal source, the active queues (one per priority) and the trace ring.
//
// Thread contract: everything is loop thread only (the thread running loop(), or
// the constructing thread while no loop runs), except loopbreak(), loopexit(),
// runInLoop(), queueInLoop(), wakeup() and tracer(), which are safe from any thread.
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
#include "core/Event.h"
#include "core/Poller.h"
#include "core/Trace.h"
#include "core/Tracer.h"

namespace rs {

// libevent's loop flags.
constexpr int kLoopOnce = 0x01;
constexpr int kLoopNonblock = 0x02;
constexpr int kLoopNoExitOnEmpty = 0x04;

struct EventSnapshot {
  uint64_t id = 0;
  uint32_t owner = 0;
  EventKind kind = EventKind::Io;
  int fd = -1;
  short events = 0;
  int priority = 0;
  EventState state = EventState::Invalid;
  uint64_t activations = 0;
  Nanos totalCallbackNs = 0;
  Nanos lastCallbackNs = 0;
  TraceCause lastCause = TraceCause::None;
  std::string label;
};

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
  };

  EventBase();
  explicit EventBase(const Options& options);
  // Deletes every remaining event (they become detached: freeing them later is safe).
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
  bool isInLoopThread() const { return std::this_thread::get_id() == loopThread_; }
  // Binds the loop thread (e.g. a worker that will call loop()).
  void bindToCurrentThread() { loopThread_ = std::this_thread::get_id(); }

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

  // Schedules `fn` once after `delay`. Loop thread only.
  void runAfter(Nanos delay, std::function<void()> fn);
  // event_base_once: a one-shot timer (events == kEvTimeout) or fd event that frees
  // itself after its callback; timeout < 0 means none (a timer then runs at once,
  // as does a timer with timeout 0). -1 for SIGNAL/PERSIST or no event. Loop thread only.
  int once(int fd, short events, EventCallback cb, void* arg, Nanos timeout);
  // Makes `ev` active at the start of the next loop iteration (libevent's
  // "active later", used for deferred callbacks). Loop thread only.
  void activateLater(Event* ev, short res);

 private:
  friend class Event;
  struct FdSlot {
    Event* head = nullptr;
    short interest = 0;
  };

  // Paired insert/remove helpers: the only places list bits change.
  int insertIo(Event* ev);
  void removeIo(Event* ev);
  void insertTimeout(Event* ev, Nanos deadline);
  void removeTimeout(Event* ev);
  void insertActive(Event* ev);
  void removeActive(Event* ev);
  void insertActiveLater(Event* ev);
  void makeLaterEventsActive();

  int addEvent(Event* ev, Nanos relTimeout, bool absolute, Nanos absDeadline, bool trace = true);
  int delEvent(Event* ev, TraceCause cause, bool trace);
  void activateEvent(Event* ev, short res, short ncalls, TraceCause cause, int64_t lateness);
  // `from` is the state to report (a timed-out event is deleted before activation).
  void activateEvent(Event* ev, short res, short ncalls, TraceCause cause, int64_t lateness,
                     EventState from);
  int insertSignal(Event* ev);
  void removeSignal(Event* ev);
  struct OnceEvent;
  int runOnce(int fd, short events, Nanos delay, std::function<void()> fn, EventCallback cb,
              void* arg, std::string_view label);
  static void onceCallback(int fd, short what, void* arg);
  void registerEvent(Event* ev);
  void unregisterEvent(Event* ev);
  void linkAll(Event* ev);
  void unlinkAll(Event* ev);
  void markInserted(Event* ev);
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
    if (!(ev->flags_ & Event::kListInternal)) ++userEventCount_;
    if (ev->flags_ & Event::kListDetachIdle) linkAll(ev);
  }
  void becameIdle(Event* ev) {
    if (!(ev->flags_ & Event::kListInternal)) --userEventCount_;
    if (ev->flags_ & Event::kListDetachIdle) unlinkAll(ev);
  }
  void publishInfo(const Event* ev);

  int processActive();
  int processActiveQueue(int priority);
  void activateReady(int n);
  static TraceCause readyCause(short res);
  void processTimeouts();
  void runCallbackSlow(Event* ev, bool tracing, Nanos dispatchTs);
  bool haveEvents() const { return userEventCount_ > 0; }
  Nanos nextTimeout(bool* has);
  void doPendingFunctors();
  void handleSignals();

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
      r.tsNs = ts;
      r.eventId = ev->id_;
      r.value = value;
      r.owner = ev->owner_;
      r.fd = ev->fd_;
      r.type = TraceType::Transition;
      r.kind = ev->kind_;
      r.from = from;
      r.to = to;
      r.cause = cause;
      r.buffer = BufferId::None;
      r.flags = flags;
    });
  }
  void traceCallback(TraceType type, uint64_t id, uint32_t owner, int fd, EventKind kind, short res,
                     int64_t value, Nanos ts) {
    tracer_.emplace([&](TraceRecord& r) {
      r.tsNs = ts;
      r.eventId = id;
      r.value = value;
      r.owner = owner;
      r.fd = fd;
      r.type = type;
      r.kind = kind;
      r.from = r.to = EventState::Active;
      r.cause = TraceCause::None;
      r.buffer = BufferId::None;
      r.flags = res;
    });
  }
  void traceBufferLevelSlow(uint64_t eventId, uint32_t owner, int fd, BufferId which, int64_t bytes);
  void traceLoop(TraceType type, int64_t value, Nanos ts);

  static void wakeupCallback(int fd, short what, void* arg);
  static void signalCallback(int fd, short what, void* arg);

  std::unique_ptr<Poller> poller_;
  std::string error_;
  Tracer tracer_;
  std::thread::id loopThread_;
  uint64_t nextId_ = 1;

  std::vector<FdSlot> fds_;
  std::unique_ptr<ReadyFd[]> ready_;  // Poller::kMaxReady entries, filled by each wait
  std::vector<Event*> heap_;
  struct ActiveQueue {
    Event* head = nullptr;
    Event* tail = nullptr;
  };
  std::vector<ActiveQueue> activeQueues_;  // one per priority, FIFO
  Event* laterHead_ = nullptr;
  Event* laterTail_ = nullptr;
  int activeCount_ = 0;       // events in active queues (incl. internal)
  int userEventCount_ = 0;    // non-internal events in at least one list
  size_t liveEvents_ = 0;
  Event* allHead_ = nullptr;
  int runningPriority_ = -1;
  Event* currentEvent_ = nullptr;
  short signalCallsLeft_ = 0;  // whose callback runs; cleared if it frees itself
  std::list<std::unique_ptr<OnceEvent>> onces_;
  bool continue_ = false;

  bool running_ = false;
  std::atomic<bool> gotBreak_{false};
  std::atomic<bool> gotTerm_{false};
  Nanos cachedNow_ = 0;  // 0: no cache (outside the post-wait window)
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

}  // namespace rs
