#include "core/Event.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_set>

#include "core/EventBase.h"

namespace rs {

namespace {
bool initialDebugChecks() {
  const char* env = std::getenv("REACTORSCOPE_DEBUG_CHECKS");
  return env && env[0] == '1';
}
}  // namespace

std::atomic<bool> detail::g_debugChecks{initialDebugChecks()};

namespace {
std::atomic<uint64_t> g_debugFailures{0};
std::atomic<void (*)(const char*)> g_debugHandler{nullptr};

// Like libevent's debug map: the addresses of every initialized event.
std::mutex& liveMutex() {
  static std::mutex m;
  return m;
}
std::unordered_set<const void*>& liveSet() {
  static std::unordered_set<const void*> s;
  return s;
}

void debugFail(const char* fmt, const void* ev) {
  char msg[256];
  std::snprintf(msg, sizeof msg, fmt, ev);
  g_debugFailures.fetch_add(1, std::memory_order_relaxed);
  if (auto h = g_debugHandler.load()) {
    h(msg);
  } else {
    std::fprintf(stderr, "[reactorscope] debug check failed: %s\n", msg);
  }
}
}  // namespace

void debugReport(const char* message) { debugFail("%s", message); }

void setDebugChecks(bool on) { detail::g_debugChecks.store(on); }
void setDebugCheckHandler(void (*handler)(const char*)) { g_debugHandler.store(handler); }
uint64_t debugCheckFailures() { return g_debugFailures.load(); }
bool debugIsLiveEvent(const void* p) {
  std::lock_guard lock(liveMutex());
  return liveSet().count(p) != 0;
}

// Returns false (and reports) when a debug check fails for `op` on `ev`.
[[gnu::noinline]] static bool checkLiveSlow(const Event* ev, const char* op) {
  if (debugIsLiveEvent(ev)) return true;
  char fmt[160];
  std::snprintf(fmt, sizeof fmt,
                "%s on event %%p, which was never initialized or was already freed", op);
  debugFail(fmt, ev);
  return false;
}
static inline bool checkLive(const Event* ev, const char* op) {
  if (!debugChecksEnabled()) [[likely]] return true;
  return checkLiveSlow(ev, op);
}

Event::Event() = default;

Event::Event(EventBase* base, int fd, short events, EventCallback cb, void* arg) {
  assign(base, fd, events, cb, arg);
}

Event::Event(EventBase* base, int fd, short events, std::function<void(int, short)> fn) {
  assign(base, fd, events, std::move(fn));
}

Event::~Event() {
  if (flags_ & kListInit) release();
  magic_ = 0;  // raw storage again: a later event_assign() on it must construct
}

void Event::functionTrampoline(int fd, short what, void* self) {
  // Copy first: the callback may free or reassign its own event.
  auto fn = static_cast<Event*>(self)->fn_;
  fn(fd, what);
}

void Event::resetFields() {
  base_ = nullptr;
  fd_ = -1;
  events_ = 0;
  flags_ = static_cast<uint16_t>(flags_ & (kListDetachIdle | kListInternal));  // (setInternal() holds)
  callback_ = nullptr;
  arg_ = nullptr;
  priority_ = 0;
  res_ = 0;
  ncalls_ = 0;
  pncalls_ = nullptr;
  activeNext_ = activePrev_ = nullptr;
  ioNext_ = ioPrev_ = nullptr;
  deadline_ = 0;
  ioTimeout_ = -1;
  heapIndex_ = -1;
  allNext_ = allPrev_ = nullptr;
  id_ = 0;
  owner_ = 0;
  kind_ = EventKind::Io;
  activations_ = 0;
  totalCallbackTicks_ = lastCallbackTicks_ = 0;
  lastCause_ = TraceCause::None;
}

int Event::assign(EventBase* base, int fd, short events, EventCallback cb, void* arg) {
  // Re-assigning an initialized, non-pending, unlabelled event of the same base
  // (the benchmark's per-round event_assign, a connection's reused event): the
  // same transitions as release() + assign() (free, then new with a fresh id),
  // without the general path's bookkeeping.
  if ((flags_ & (kListInit | kListAny | kListInternal)) == kListInit && base == base_ && base && label_.empty() && !fn_ &&
      !debugChecksEnabled() && !((events & kEvSignal) && (events & (kEvRead | kEvWrite | kEvClosed)))) {
    base->reassign(this, fd, events, cb, arg);
    return 0;
  }
  return assignSlow(base, fd, events, cb, arg);
}

int Event::assignSlow(EventBase* base, int fd, short events, EventCallback cb, void* arg) {
  if (flags_ & kListInit) {
    if (debugChecksEnabled() && (flags_ & kListAny)) {
      debugFail("event_assign on pending or active event %p: delete it first", this);
      return -1;
    }
    release();
  }
  if (!base || ((events & kEvSignal) && (events & (kEvRead | kEvWrite | kEvClosed)))) {
    return -1;  // libevent: EV_SIGNAL is incompatible with I/O flags
  }
  resetFields();
  label_.clear();
  base_ = base;
  fd_ = fd;
  events_ = events;
  callback_ = cb;
  arg_ = arg;
  if (events & kEvSignal)
    kind_ = EventKind::Signal;
  else if (events & (kEvRead | kEvWrite | kEvClosed))
    kind_ = EventKind::Io;
  else
    kind_ = EventKind::Timer;
  if (flags_ & kListInternal) kind_ = EventKind::Internal;  // (its event_new record says so)
  magic_ = kMagicLive;
  if (debugChecksEnabled()) {
    std::lock_guard lock(liveMutex());
    liveSet().insert(this);
  }
  base->registerEvent(this);
  return 0;
}

int Event::assign(EventBase* base, int fd, short events, std::function<void(int, short)> fn) {
  int rc = assign(base, fd, events, &Event::functionTrampoline, this);
  if (rc == 0) fn_ = std::move(fn);
  return rc;
}

int Event::add(const timeval* tv) {
  if (!checkLive(this, "event_add")) return -1;
  if (!(flags_ & kListInit) || !base_) return -1;
  if (!tv) return base_->addEvent(this, -1, false, 0);
  return base_->addEvent(this, timeoutNsOf(*tv), false, 0);
}

int Event::addTimeoutNs(Nanos timeout) {
  if (!checkLive(this, "event_add")) return -1;
  if (!(flags_ & kListInit) || !base_) return -1;
  return base_->addEvent(this, timeout < 0 ? -1 : timeout, false, 0);
}

int Event::addAssumingWritable(Nanos timeout) {
  if (!checkLive(this, "event_add")) return -1;
  if (!(flags_ & kListInit) || !base_) return -1;
  return base_->addEvent(this, timeout < 0 ? -1 : timeout, false, 0, true, true);
}

int Event::del() {
  if (!checkLive(this, "event_del")) return -1;
  // Like libevent: an event without a base (never assigned, or its base was
  // freed) was never added.
  if (!(flags_ & kListInit) || !base_) return -1;
  return base_->delEvent(this, TraceCause::Del, true);
}

void Event::activate(short res, short ncalls) {
  if (!checkLive(this, "event_active")) return;
  if (!(flags_ & kListInit) || !base_) return;
  base_->activateEvent(this, res, ncalls, TraceCause::ManualActivate, 0);
}

int Event::pending(short what, timeval* tv) const {
  if (!checkLive(this, "event_pending")) return 0;
  int flags = 0;
  if (flags_ & kListInserted) flags |= (events_ & (kEvRead | kEvWrite | kEvClosed | kEvSignal));
  if (flags_ & (kListActive | kListActiveLater)) flags |= res_;
  if (flags_ & kListTimeout) flags |= kEvTimeout;
  const int result = flags & what & (kEvTimeout | kEvRead | kEvWrite | kEvClosed | kEvSignal);
  if (tv && (flags & what & kEvTimeout) && base_) {
    // libevent reports the expiry on the wall clock.
    timeval nowWall;
    gettimeofday(&nowWall, nullptr);
    const Nanos left = deadline_ - monotonicNowNs();
    const Nanos at = static_cast<Nanos>(nowWall.tv_sec) * kNsPerSec + nowWall.tv_usec * kNsPerUs + left;
    tv->tv_sec = static_cast<time_t>(at / kNsPerSec);
    tv->tv_usec = static_cast<suseconds_t>((at % kNsPerSec) / kNsPerUs);
  }
  return result;
}

void Event::release() {
  if (debugChecksEnabled() && !debugIsLiveEvent(this)) {
    debugFail("event_free on event %p, which was never initialized or was already freed", this);
    return;
  }
  if (!(flags_ & kListInit)) return;
  if (base_) {
    base_->delEvent(this, TraceCause::Del, true);
    base_->unregisterEvent(this);
  }
  if (debugChecksEnabled()) {
    std::lock_guard lock(liveMutex());
    liveSet().erase(this);
  }
  flags_ = static_cast<uint16_t>(flags_ & (kListDetachIdle | kListInternal));  // (setInternal() holds)
  magic_ = kMagicReleased;
  fn_ = nullptr;
}

int Event::setPriority(int priority) {
  if (!checkLive(this, "event_priority_set")) return -1;
  if (!base_ || (flags_ & kListActive)) return -1;
  base_->assertInLoopThread("event_priority_set");
  if (priority < 0 || priority >= base_->priorities()) return -1;
  priority_ = priority;
  return 0;
}

int Event::setPriorityRequeued(int priority) {
  if (!(flags_ & kListActive)) return setPriority(priority);
  if (!checkLive(this, "event_priority_set")) return -1;
  base_->assertInLoopThread("event_priority_set");
  if (priority < 0 || priority >= base_->priorities()) return -1;
  base_->requeueActive(this, priority);
  return 0;
}

void Event::setDetachWhenIdle(bool detach) {
  if (flags_ & kListInit) return;  // before assign() only: list membership depends on it
  if (detach) flags_ |= kListDetachIdle;
  else flags_ = static_cast<uint16_t>(flags_ & ~kListDetachIdle);
}

bool Event::initialized() const { return (flags_ & kListInit) != 0 && magic_ == kMagicLive; }

void Event::setLabel(std::string_view label, uint32_t owner) {
  label_.assign(label);
  owner_ = owner;
  if (base_ && (flags_ & kListInit)) base_->publishInfo(this);
}

void Event::setInternal(bool internal) {
  // Only while non-pending: the loop-alive count depends on this bit.
  if (flags_ & kListAny) return;
  if (internal) {
    flags_ |= kListInternal;
    kind_ = EventKind::Internal;
  } else {
    flags_ = static_cast<uint16_t>(flags_ & ~kListInternal);
  }
}

}  // namespace rs
