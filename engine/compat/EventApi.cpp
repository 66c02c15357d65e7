// libevent's event.h API over the engine: bases, events, the loop.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_set>

#include "AnnounceFirst.h"
#include "CompatBase.h"
#include "CompatLog.h"
#include "CrossThread.h"
#include "LiveCollector.h"
#include "PlainFastPath.h"
#include "event2/event_compat.h"

using rs::compat::EventRecord;
using rs::compat::liveEvent;
using rs::compat::toNanos;

namespace {

char g_selfCbArg;                            // event_self_cbarg()'s marker address
struct event_base* g_currentBase = nullptr;  // event_init()'s base (event_compat.h)

// libevent's debug mode (rs::debugChecksEnabled()): every struct event assigned
// and not yet freed, so misuse of any other memory is reported without reading it.
std::mutex g_debugMutex;
std::unordered_set<const struct event*> g_debugAssigned;

[[gnu::noinline]] void noteAssignedSlow(const struct event* ev, bool assigned) {
  std::lock_guard lock(g_debugMutex);
  if (assigned) g_debugAssigned.insert(ev);
  else g_debugAssigned.erase(ev);
}

inline void noteAssigned(const struct event* ev, bool assigned) {
  if (rs::debugChecksEnabled()) [[unlikely]]
    noteAssignedSlow(ev, assigned);
}

[[gnu::noinline]] bool knownOrReportSlow(const struct event* ev, const char* op) {
  {
    std::lock_guard lock(g_debugMutex);
    if (g_debugAssigned.count(ev)) return true;
  }
  char msg[160];
  std::snprintf(msg, sizeof msg, "%s on event %p, which was never initialized or was already freed", op,
                static_cast<const void*>(ev));
  rs::debugReport(msg);
  return false;
}

inline bool knownOrReport(const struct event* ev, const char* op) {
  if (!rs::debugChecksEnabled()) [[likely]]
    return true;
  return knownOrReportSlow(ev, op);
}

std::mutex g_basesMutex;
std::unordered_set<const event_base*> g_liveBases;

// The record `base` keeps for `ev` at ev's stored index, if it is ev's own.
// Safe on any bytes: the index is bounds-checked, the owner compared.
[[gnu::always_inline]] inline EventRecord* ownRecordIn(event_base* base, const struct event* ev) {
  EventRecord* r = base->records.at(rs::compat::storedIndex(ev));
  return r && r->owner == ev ? r : nullptr;
}

// The public fields event_struct.h says we keep, for a freshly assigned event.
[[gnu::always_inline]] inline void writeAssigned(struct event* ev, event_base* base, const rs::Event& e) {
  const evutil_socket_t fd = e.fd();
  const short events = e.events();
  event_callback_fn cb = e.callback();
  void* arg = e.callbackArg();
  ev->ev_evcallback.evcb_flags = EVLIST_INIT;
  ev->ev_evcallback.evcb_pri = static_cast<ev_uint8_t>(e.priority());
  ev->ev_evcallback.evcb_cb_union.evcb_callback = cb;
  ev->ev_evcallback.evcb_arg = arg;
  ev->ev_fd = fd;
  ev->ev_base = base;
  ev->ev_events = events;
}

// Assigns the record's event; a live trace gets the callback's message before
// the assignment's first record. False when the assignment failed.
bool announcedAssign(EventRecord* r, event_base* base, evutil_socket_t fd, short events, event_callback_fn cb,
                     void* arg) {
  return rs::live::assignAnnounced(base, rs::live::CallbackRole::Event, reinterpret_cast<const void*>(cb), fd, events,
                                   [&] { return r->event.assign(base, fd, events, cb, arg) == 0; });
}

// A new record for an assigned event whose record the base reclaimed while it
// was idle, built from its fields. Null if `ev` is not assigned.
[[gnu::noinline]] rs::Event* rebuild(struct event* ev) {
  event_base* const base = ev->ev_base;
  if (!(ev->ev_evcallback.evcb_flags & EVLIST_INIT) || !base) return nullptr;
  EventRecord* r = base->records.acquire(ev, base->runningEvent());
  if (!r) return nullptr;
  // A fresh id: a live trace hears of the callback again.
  event_callback_fn cb = ev->ev_evcallback.evcb_cb_union.evcb_callback;
  if (!announcedAssign(r, base, ev->ev_fd, ev->ev_events, cb, ev->ev_evcallback.evcb_arg)) {
    base->records.release(r);
    return nullptr;
  }
  r->event.setPriority(ev->ev_evcallback.evcb_pri);
  rs::compat::storeHandle(ev, r);
  return &r->event;
}

// The engine event of an assigned event (rebuilt if its record was reclaimed).
[[gnu::always_inline]] inline rs::Event* eventOf(struct event* ev) {
  if (rs::Event* e = liveEvent(ev)) [[likely]]
    return e;
  return rebuild(ev);
}

// Gives back ev's record (deleting the event if pending), unless its base is
// gone (the base took its records along).
void dropRecord(struct event* ev) {
  event_base* const base = ev->ev_base;
  if (!base || !rs::compat::isLiveBase(base)) return;
  if (EventRecord* r = ownRecordIn(base, ev)) base->records.release(r);
  rs::compat::storeHandle(ev, nullptr);
}

// The end of a successful event_assign: the storage names its record (stored
// unless it already does) and has libevent's fields.
[[gnu::always_inline]] inline void assigned(struct event* ev, event_base* base, EventRecord* r, bool store) {
  if (store) rs::compat::storeHandle(ev, r);
  writeAssigned(ev, base, r->event);
  noteAssigned(ev, true);
}

// event_assign refused: a pending event in debug mode stays as it was;
// otherwise the record goes back and the memory is not an event. Warns as
// libevent does about the flags it refuses.
[[gnu::noinline]] int assignFailed(struct event* ev, event_base* base, EventRecord* r, short events) {
  if ((events & EV_SIGNAL) && (events & (EV_READ | EV_WRITE | EV_CLOSED)))
    rs::compat::logWarn("event_assign: EV_SIGNAL is not compatible with EV_READ, EV_WRITE or EV_CLOSED");
  if (r->event.initialized()) return -1;
  base->records.release(r);
  rs::compat::storeHandle(ev, nullptr);
  ev->ev_evcallback.evcb_flags = 0;
  return -1;
}

// event_assign on memory the base does not know: a new record.
[[gnu::noinline]] int assignNew(struct event* ev, event_base* base, evutil_socket_t fd, short events,
                                event_callback_fn cb, void* arg) {
  EventRecord* const r = base->records.acquire(ev, base->runningEvent());
  if (!r) return -1;
  if (!announcedAssign(r, base, fd, events, cb, arg)) return assignFailed(ev, base, r, events);
  assigned(ev, base, r, true);
  return 0;
}

// event_assign on memory the base knows (its own record), outside the inline
// case: traced, debug checks on, pending, or flags libevent refuses. A live
// trace (which traces every base) hears of the callback first. (Six arguments:
// the inline case's tail call passes them all in registers.)
[[gnu::noinline]] int reassign(struct event* ev, event_base* base, evutil_socket_t fd, short events,
                               event_callback_fn cb, void* arg) {
  EventRecord* const r = ownRecordIn(base, ev);
  const bool ok = rs::live::assignAnnounced(
      base, rs::live::CallbackRole::Event, reinterpret_cast<const void*>(cb), fd, events,
      [&] { return rs::PlainFastPath::assign(&r->event, base, fd, events, cb, arg) == 0; });
  if (!ok) return assignFailed(ev, base, r, events);
  assigned(ev, base, r, rs::compat::storedRecord(ev) != r);  // the index named r; the address may be stale
  return 0;
}

// event_add outside the inline case: Event::add() (the record rebuilt if the
// base reclaimed it), after libevent's warning about a second base with
// signals; or, with no event, libevent's warning about a missing base.
[[gnu::noinline]] int addGeneral(struct event* ev, const struct timeval* timeout) {
  rs::Event* const e = eventOf(ev);
  if (!e) {
    if (!ev->ev_base) rs::compat::warnNoBase("event_add");
    return -1;
  }
  if (e->events() & EV_SIGNAL) [[unlikely]] {
    rs::compat::noteSignalAdd(ev->ev_base, *e);
    errno = 0;  // (add() may fail without setting it: only sigaction's EINVAL warns)
    const int rc = e->add(timeout);
    // A signal no handler may catch (SIGKILL, SIGSTOP): sigaction's EINVAL,
    // which libevent reports as it fails.
    if (rc != 0 && errno == EINVAL) rs::compat::logWarnErrno("sigaction");
    return rc;
  }
  return e->add(timeout);
}

[[gnu::noinline]] int delWithoutRecord(struct event* ev) {
  if (ev->ev_base) return 0;  // no record: not pending
  rs::compat::warnNoBase("event_del_");
  return -1;
}

[[gnu::always_inline]] inline int addNow(struct event* ev, const struct timeval* timeout) {
  rs::Event* const e = liveEvent(ev);
  if (!e || timeout) [[unlikely]]
    return addGeneral(ev, timeout);
  return rs::PlainFastPath::addIo(e, [ev] { return addGeneral(ev, nullptr); });
}

[[gnu::always_inline]] inline int delNow(struct event* ev) {
  rs::Event* const e = liveEvent(ev);
  if (!e) [[unlikely]]
    return delWithoutRecord(ev);
  return rs::PlainFastPath::delIo(e);  // falls back to Event::del()
}

// event_add / event_del with debug checks on or threads enabled: the memory
// must be an assigned event; from another thread, the loop does it.
[[gnu::noinline]] int addChecked(struct event* ev, const struct timeval* timeout) {
  if (!knownOrReport(ev, "event_add")) return -1;
  if (!rs::compat::fromOtherThread(ev->ev_base)) return addNow(ev, timeout);
  const timeval tv = timeout ? *timeout : timeval{};
  return rs::compat::callInLoop(ev->ev_base,
                                [ev, tv, has = timeout != nullptr] { return addNow(ev, has ? &tv : nullptr); });
}

[[gnu::noinline]] int delChecked(struct event* ev) {
  if (!knownOrReport(ev, "event_del")) return -1;
  if (!rs::compat::fromOtherThread(ev->ev_base)) return delNow(ev);
  return rs::compat::callInLoop(ev->ev_base, [ev] { return delNow(ev); });
}

// event_assign from a thread other than the loop's, while it runs: the loop
// assigns (the base's records and event ids are the loop's).
[[gnu::noinline]] int assignFromOtherThread(struct event* ev, event_base* base, evutil_socket_t fd, short events,
                                            event_callback_fn cb, void* arg) {
  return rs::compat::callInLoop(base, [=] { return event_assign(ev, base, fd, events, cb, arg); });
}

}  // namespace

::event_base* rs::compat::currentBase() { return g_currentBase; }

void rs::compat::releaseGlobals() {
  // libevent_global_shutdown's event_disable_debug_mode: the map goes, checks stop.
  rs::setDebugChecks(false);
  {
    std::lock_guard lock(g_debugMutex);
    std::unordered_set<const struct event*>().swap(g_debugAssigned);
  }
  forgetSignalBase(nullptr);  // evsig_free_globals_
  // The registry of live bases: its memory, once no base is left (bases a
  // program still holds keep working: their events must find them).
  std::lock_guard lock(g_basesMutex);
  if (g_liveBases.empty()) std::unordered_set<const event_base*>().swap(g_liveBases);
}

void rs::compat::noteBase(const ::event_base* base, bool live) {
  if (live) installBackendWarnings();
  else forgetSignalBase(base);
  std::lock_guard lock(g_basesMutex);
  if (live) g_liveBases.insert(base);
  else g_liveBases.erase(base);
}

bool rs::compat::isLiveBase(const ::event_base* base) {
  std::lock_guard lock(g_basesMutex);
  return g_liveBases.count(base) != 0;
}

extern "C" {

// ---------------------------------------------------------------------------
// Bases (event_config and event_base_new: ConfigApi.cpp)

void event_base_free(struct event_base* base) {
  if (!base) base = g_currentBase;  // libevent: NULL frees event_init()'s base
  if (!base) {
    rs::compat::logWarn("event_base_free_: no base to free");
    return;
  }
  if (base == g_currentBase) g_currentBase = nullptr;
  rs::live::baseFreed(base);
  delete base;
}

const char* event_base_get_method(const struct event_base* base) { return base ? base->libeventMethod() : nullptr; }

int event_base_loop(struct event_base* base, int flags) {
  rs::live::baseUsed(base);
  if (!base) return -1;
  if (base->loopRunning()) {  // (a callback's, or another thread's, second loop)
    rs::compat::logWarn("event_base_loop: reentrant invocation.  Only one event_base_loop can run on each event_base at once.");
    return -1;
  }
  return base->loop(flags);
}

int event_base_dispatch(struct event_base* base) { return event_base_loop(base, 0); }

// The delay is a one-shot timer (as libevent's event_base_once): made at once
// in the loop's thread, where a live trace names it after this function (the
// program's timer reads "event_base_loopexit", not an unnamed one); queued
// from another thread, it stays unnamed.
int event_base_loopexit(struct event_base* base, const struct timeval* tv) {
  if (!base) return -1;
  if (!base->isInLoopThread()) return base->loopexit(tv);
  int rc = -1;
  rs::live::assignAnnounced(base, rs::live::CallbackRole::Event, reinterpret_cast<const void*>(&event_base_loopexit),
                            -1, 0, [&] {
                              rc = base->loopexit(tv);
                              return rc == 0;
                            });
  return rc;
}

int event_base_loopbreak(struct event_base* base) { return base ? base->loopbreak() : -1; }

int event_reinit(struct event_base* base) {
  rs::live::baseUsed(base);
  return base ? base->reinitBackend() : -1;
}

int event_base_loopcontinue(struct event_base* base) { return base ? base->loopcontinue() : -1; }

const struct timeval* event_base_init_common_timeout(struct event_base* base, const struct timeval* duration) {
  if (!base || !duration) return nullptr;
  timeval tv = *duration;
  if (tv.tv_usec >= 1000000) {  // libevent normalises the microseconds
    tv.tv_sec += tv.tv_usec / 1000000;
    tv.tv_usec %= 1000000;
  }
  for (const timeval& known : base->commonTimeouts)
    if (known.tv_sec == tv.tv_sec && known.tv_usec == tv.tv_usec) return &known;
  if (base->commonTimeouts.size() >= 256) return nullptr;  // libevent's MAX_COMMON_TIMEOUTS
  return &base->commonTimeouts.emplace_back(tv);
}

int event_base_got_exit(struct event_base* base) { return base && base->gotExit() ? 1 : 0; }

int event_base_got_break(struct event_base* base) { return base && base->gotBreak() ? 1 : 0; }

int event_base_priority_init(struct event_base* base, int npriorities) {
  return base ? base->priorityInit(npriorities) : -1;
}

int event_base_get_npriorities(struct event_base* base) { return base ? base->priorities() : 0; }

int event_base_once(struct event_base* base, evutil_socket_t fd, short events, event_callback_fn cb, void* arg,
                    const struct timeval* tv) {
  if (!base) return -1;
  const rs::Nanos timeout = tv ? toNanos(tv) : -1;
  return rs::compat::onLoopThread(base, [&] {
    int rc = -1;
    rs::live::assignAnnounced(base, rs::live::CallbackRole::Event, reinterpret_cast<const void*>(cb), fd, events, [&] {
      rc = base->once(fd, events, cb, arg, timeout);
      return rc == 0;
    });
    return rc;
  });
}

int event_base_gettimeofday_cached(struct event_base* base, struct timeval* tv) {
  if (!base || !tv) return -1;
  return base->wallClock.cachedTime(*base, tv);
}

int event_base_update_cache_time(struct event_base* base) {
  if (!base) return -1;
  base->refreshCachedTime();
  return 0;
}

// ---------------------------------------------------------------------------
// Events

void* event_self_cbarg(void) { return &g_selfCbArg; }

size_t event_get_struct_event_size(void) { return sizeof(struct event); }

struct event* event_new(struct event_base* base, evutil_socket_t fd, short events, event_callback_fn cb,
                        void* arg) {
  if (!base) return nullptr;
  // malloc, not new: the tutorial's server releases events with plain free().
  auto* ev = static_cast<struct event*>(std::malloc(sizeof(struct event)));
  if (!ev) return nullptr;
  if (event_assign(ev, base, fd, events, cb, arg) != 0) {
    std::free(ev);
    return nullptr;
  }
  return ev;
}

int event_assign(struct event* ev, struct event_base* base, evutil_socket_t fd, short events, event_callback_fn cb,
                 void* arg) {
  if (!ev) return -1;
  if (!base) base = g_currentBase;
  if (!base) return -1;
  if (rs::compat::fromOtherThread(base)) [[unlikely]]
    return assignFromOtherThread(ev, base, fd, events, cb, arg);
  if (arg == &g_selfCbArg) arg = ev;
  // The memory is raw unless the base knows it (its record's owner is ev).
  EventRecord* const r = ownRecordIn(base, ev);
  if (!r) [[unlikely]]
    return assignNew(ev, base, fd, events, cb, arg);
  // Re-assigning a non-pending event of an untraced base: inline, no call, no
  // stack frame (every other case is a tail call). Debug checks are off here,
  // so there is nothing to note.
  if (!rs::PlainFastPath::reassignsUntraced(&r->event, base, events)) [[unlikely]]
    return reassign(ev, base, fd, events, cb, arg);
  rs::PlainFastPath::reassignUntraced(&r->event, base, fd, events, cb, arg);
  if (rs::compat::storedRecord(ev) != r) rs::compat::storeHandle(ev, r);  // the index named r; the address may be stale
  writeAssigned(ev, base, r->event);
  return 0;
}

void event_free(struct event* ev) {
  if (!ev || !knownOrReport(ev, "event_free")) return;  // double free: reported, memory untouched
  rs::compat::onLoopThread(ev->ev_base, [ev] {
    noteAssigned(ev, false);
    dropRecord(ev);  // deletes it first if pending (both traced)
    std::free(ev);
  });
}

void event_debug_unassign(struct event* ev) {
  if (!ev || !knownOrReport(ev, "event_debug_unassign")) return;
  noteAssigned(ev, false);
  dropRecord(ev);
  ev->ev_evcallback.evcb_flags = static_cast<short>(ev->ev_evcallback.evcb_flags & ~EVLIST_INIT);
}

int event_add(struct event* ev, const struct timeval* timeout) {
  if (!ev) return -1;
  if (rs::debugChecksEnabled() || rs::compat::threadsEnabled()) [[unlikely]]
    return addChecked(ev, timeout);
  return addNow(ev, timeout);
}

int event_del(struct event* ev) {
  if (!ev) return -1;
  if (rs::debugChecksEnabled() || rs::compat::threadsEnabled()) [[unlikely]]
    return delChecked(ev);
  return delNow(ev);
}

int event_del_noblock(struct event* ev) { return event_del(ev); }

int event_del_block(struct event* ev) { return event_del(ev); }

void event_active(struct event* ev, int res, short ncalls) {
  if (!ev || !knownOrReport(ev, "event_active")) return;
  if (!ev->ev_base) {
    rs::compat::warnNoBase("event_active");
    return;
  }
  if (rs::compat::fromOtherThread(ev->ev_base)) [[unlikely]] {
    rs::compat::callInLoop(ev->ev_base, [ev, res, ncalls] {
      event_active(ev, res, ncalls);
      return 0;
    });
    return;
  }
  if (rs::Event* const e = eventOf(ev)) e->activate(static_cast<short>(res), ncalls);
}

int event_pending(const struct event* ev, short events, struct timeval* tv) {
  if (!ev) return 0;
  if (!ev->ev_base) {
    rs::compat::warnNoBase("event_pending");
    return 0;
  }
  const rs::Event* e = liveEvent(ev);
  if (!e || (!rs::debugChecksEnabled() && !e->base())) return 0;
  return e->pending(events, tv);
}

int event_initialized(const struct event* ev) {
  return ev && (ev->ev_evcallback.evcb_flags & EVLIST_INIT) ? 1 : 0;
}

int event_priority_set(struct event* ev, int priority) {
  if (!ev || !knownOrReport(ev, "event_priority_set")) return -1;
  return rs::compat::onLoopThread(ev->ev_base, [ev, priority] {
    rs::Event* const e = eventOf(ev);
    if (!e || e->setPriority(priority) != 0) return -1;
    ev->ev_evcallback.evcb_pri = static_cast<ev_uint8_t>(priority);
    return 0;
  });
}

// The accessors read libevent's public fields, as libevent's do.
int event_get_priority(const struct event* ev) { return ev ? ev->ev_evcallback.evcb_pri : -1; }

evutil_socket_t event_get_fd(const struct event* ev) { return ev ? ev->ev_fd : -1; }

struct event_base* event_get_base(const struct event* ev) { return ev ? ev->ev_base : nullptr; }

short event_get_events(const struct event* ev) { return ev ? ev->ev_events : 0; }

event_callback_fn event_get_callback(const struct event* ev) {
  return ev ? ev->ev_evcallback.evcb_cb_union.evcb_callback : nullptr;
}

void* event_get_callback_arg(const struct event* ev) { return ev ? ev->ev_evcallback.evcb_arg : nullptr; }

void event_get_assignment(const struct event* ev, struct event_base** base_out, evutil_socket_t* fd_out,
                          short* events_out, event_callback_fn* callback_out, void** arg_out) {
  if (!ev) return;
  if (base_out) *base_out = event_get_base(ev);
  if (fd_out) *fd_out = event_get_fd(ev);
  if (events_out) *events_out = event_get_events(ev);
  if (callback_out) *callback_out = event_get_callback(ev);
  if (arg_out) *arg_out = event_get_callback_arg(ev);
}

void event_enable_debug_mode(void) { rs::setDebugChecks(true); }

const char* event_get_version(void) { return LIBEVENT_VERSION; }

ev_uint32_t event_get_version_number(void) { return LIBEVENT_VERSION_NUMBER; }

// ---------------------------------------------------------------------------
// libevent 1.x calls on the current base (event_compat.h)

struct event_base* event_init(void) {
  struct event_base* base = event_base_new();
  if (base) g_currentBase = base;
  return base;
}

int event_dispatch(void) { return event_base_dispatch(g_currentBase); }

int event_loop(int flags) { return event_base_loop(g_currentBase, flags); }

int event_loopexit(const struct timeval* tv) { return event_base_loopexit(g_currentBase, tv); }

int event_loopbreak(void) { return event_base_loopbreak(g_currentBase); }

int event_once(evutil_socket_t fd, short events, event_callback_fn cb, void* arg, const struct timeval* tv) {
  return event_base_once(g_currentBase, fd, events, cb, arg, tv);
}

const char* event_get_method(void) { return event_base_get_method(g_currentBase); }

int event_priority_init(int npriorities) { return event_base_priority_init(g_currentBase, npriorities); }

void event_set(struct event* ev, evutil_socket_t fd, short events, event_callback_fn cb, void* arg) {
  // Needs event_init() first (libevent allows a base-less event until event_base_set).
  event_assign(ev, g_currentBase, fd, events, cb, arg);
}

int event_base_set(struct event_base* base, struct event* ev) {
  if (!base || !ev || !event_initialized(ev)) return -1;
  const rs::Event* e = liveEvent(ev);
  if (e && e->state() != rs::EventState::NonPending) return -1;
  if (ev->ev_base == base) return 0;
  dropRecord(ev);  // the record belongs to the old base; the priority becomes the new base's middle one
  return event_assign(ev, base, ev->ev_fd, ev->ev_events, ev->ev_evcallback.evcb_cb_union.evcb_callback,
                      ev->ev_evcallback.evcb_arg);
}

}  // extern "C"
