// libevent's event.h API over the engine: bases, events, the loop.
#include <cstdlib>
#include <cstring>
#include <new>

#include "CompatBase.h"
#include "CompatLog.h"
#include "LiveCollector.h"
#include "PlainFastPath.h"
#include "event2/event_compat.h"

using rs::compat::toBase;
using rs::compat::toEvent;
using rs::compat::toNanos;

struct event_config {
  bool avoidEpoll = false;
  bool avoidPoll = false;
  int flags = 0;
};

namespace {

char g_selfCbArg;                            // event_self_cbarg()'s marker address
struct event_base* g_currentBase = nullptr;  // event_init()'s base (event_compat.h)

bool envSet(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}

// Builds a base the way event_base_new_with_config chooses a backend: epoll first,
// then poll, skipping those the configuration or EVENT_NOEPOLL / EVENT_NOPOLL avoid.
struct event_base* makeBase(const event_config* cfg) {
  const bool ignoreEnv = cfg && (cfg->flags & EVENT_BASE_FLAG_IGNORE_ENV);
  const bool avoidEpoll = (cfg && cfg->avoidEpoll) || (!ignoreEnv && envSet("EVENT_NOEPOLL"));
  const bool avoidPoll = (cfg && cfg->avoidPoll) || (!ignoreEnv && envSet("EVENT_NOPOLL"));
  rs::EventBase::Options options;
  options.preciseTimer = cfg && (cfg->flags & EVENT_BASE_FLAG_PRECISE_TIMER);
  if (!avoidEpoll) {
    options.backend = rs::Poller::Backend::Epoll;
  } else if (!avoidPoll) {
    options.backend = rs::Poller::Backend::Poll;
  } else {
    return nullptr;
  }
  auto* base = new (std::nothrow) event_base(options);
  if (base && !base->valid() && options.backend == rs::Poller::Backend::Epoll && !avoidPoll) {
    delete base;
    options.backend = rs::Poller::Backend::Poll;
    base = new (std::nothrow) event_base(options);
  }
  if (base && !base->valid()) {
    delete base;
    return nullptr;
  }
  rs::live::baseCreated(base);
  return base;
}

// Constructs an rs::Event in `ev`'s storage unless one already lives there.
rs::Event* constructIn(struct event* ev) {
  rs::Event* e = toEvent(ev);
  if (e->hasEventMagic()) return e;
  e = new (ev) rs::Event();
  // C programs may release a non-pending event's memory with plain free().
  e->setDetachWhenIdle(true);
  return e;
}

bool liveOrReport(const rs::Event* e, const char* op) {
  if (!rs::debugChecksEnabled() || rs::debugIsLiveEvent(e)) return true;
  char msg[160];
  std::snprintf(msg, sizeof msg, "%s on event %p, which was never initialized or was already freed", op,
                static_cast<const void*>(e));
  rs::debugReport(msg);
  return false;
}

}  // namespace

::event_base* rs::compat::currentBase() { return g_currentBase; }

extern "C" {

// ---------------------------------------------------------------------------
// Configuration and bases

struct event_config* event_config_new(void) { return new (std::nothrow) event_config; }

void event_config_free(struct event_config* cfg) { delete cfg; }

int event_config_avoid_method(struct event_config* cfg, const char* method) {
  if (!cfg || !method) return -1;
  if (std::strcmp(method, "epoll") == 0) cfg->avoidEpoll = true;
  else if (std::strcmp(method, "poll") == 0) cfg->avoidPoll = true;
  return 0;  // unknown methods (select, kqueue, ...) are not ours to avoid
}

int event_config_require_features(struct event_config* cfg, int feature) {
  if (!cfg) return -1;
  if (feature & EV_FEATURE_ET) cfg->avoidPoll = true;    // poll has no edge triggering
  if (feature & EV_FEATURE_FDS) cfg->avoidEpoll = true;  // epoll refuses regular files
  return 0;
}

int event_config_set_flag(struct event_config* cfg, int flag) {
  if (!cfg) return -1;
  cfg->flags |= flag;
  return 0;
}

struct event_base* event_base_new(void) { return makeBase(nullptr); }

struct event_base* event_base_new_with_config(const struct event_config* cfg) { return makeBase(cfg); }

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

const char* event_base_get_method(const struct event_base* base) { return base ? base->method() : nullptr; }

const char** event_get_supported_methods(void) {
  static const char* methods[] = {"epoll", "poll", nullptr};
  return methods;
}

int event_base_get_features(const struct event_base* base) {
  if (!base) return 0;
  if (std::strcmp(base->method(), "epoll") == 0) return EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_EARLY_CLOSE;
  return EV_FEATURE_FDS | EV_FEATURE_EARLY_CLOSE;
}

int event_base_dispatch(struct event_base* base) { return base ? base->loop(0) : -1; }

int event_base_loop(struct event_base* base, int flags) { return base ? base->loop(flags) : -1; }

int event_base_loopexit(struct event_base* base, const struct timeval* tv) {
  return base ? base->loopexit(tv) : -1;
}

int event_base_loopbreak(struct event_base* base) { return base ? base->loopbreak() : -1; }

int event_base_got_exit(struct event_base* base) { return base && base->gotExit() ? 1 : 0; }

int event_base_got_break(struct event_base* base) { return base && base->gotBreak() ? 1 : 0; }

int event_base_priority_init(struct event_base* base, int npriorities) {
  return base ? base->priorityInit(npriorities) : -1;
}

int event_base_get_npriorities(struct event_base* base) { return base ? base->priorities() : 0; }

int event_base_once(struct event_base* base, evutil_socket_t fd, short events, event_callback_fn cb, void* arg,
                    const struct timeval* tv) {
  if (!base) return -1;
  return base->once(fd, events, cb, arg, tv ? toNanos(tv) : -1);
}

int event_base_gettimeofday_cached(struct event_base* base, struct timeval* tv) {
  if (!base || !tv) return -1;
  return gettimeofday(tv, nullptr);
}

// ---------------------------------------------------------------------------
// Events

void* event_self_cbarg(void) { return &g_selfCbArg; }

size_t event_get_struct_event_size(void) { return sizeof(rs::Event); }

struct event* event_new(struct event_base* base, evutil_socket_t fd, short events, event_callback_fn cb,
                        void* arg) {
  if (!base) return nullptr;
  // malloc, not new: the tutorial's server releases events with plain free().
  void* mem = std::malloc(sizeof(struct event));
  if (!mem) return nullptr;
  auto* ev = static_cast<struct event*>(mem);
  rs::Event* e = new (mem) rs::Event();
  e->setDetachWhenIdle(true);
  if (arg == &g_selfCbArg) arg = ev;
  if (e->assign(base, fd, events, cb, arg) != 0) {
    e->~Event();
    std::free(mem);
    return nullptr;
  }
  rs::live::callbackSet(base, e->id(), rs::live::CallbackRole::Event, reinterpret_cast<const void*>(cb), fd, events);
  return ev;
}

int event_assign(struct event* ev, struct event_base* base, evutil_socket_t fd, short events, event_callback_fn cb,
                 void* arg) {
  if (!ev) return -1;
  if (!base) base = g_currentBase;
  if (!base) return -1;
  if (arg == &g_selfCbArg) arg = ev;
  // Re-assigning a non-pending event: inline (falls back to Event::assign()).
  rs::Event* const e = constructIn(ev);
  const int result = rs::PlainFastPath::assign(e, base, fd, events, cb, arg);
  if (result == 0)
    rs::live::callbackSet(base, e->id(), rs::live::CallbackRole::Event, reinterpret_cast<const void*>(cb), fd, events);
  return result;
}

void event_free(struct event* ev) {
  if (!ev) return;
  rs::Event* e = toEvent(ev);
  if (!liveOrReport(e, "event_free")) return;  // double free: reported, memory untouched
  e->~Event();                                 // deletes it first if pending (both traced)
  std::free(ev);
}

int event_add(struct event* ev, const struct timeval* timeout) {
  if (!ev) return -1;
  if (!timeout) return rs::PlainFastPath::addIo(toEvent(ev));  // falls back to Event::add()
  return toEvent(ev)->add(timeout);
}

int event_del(struct event* ev) {
  if (!ev) return -1;
  return rs::PlainFastPath::delIo(toEvent(ev));  // falls back to Event::del()
}

int event_del_noblock(struct event* ev) { return event_del(ev); }

int event_del_block(struct event* ev) { return event_del(ev); }

void event_active(struct event* ev, int res, short ncalls) {
  if (!ev) return;
  toEvent(ev)->activate(static_cast<short>(res), ncalls);
}

int event_pending(const struct event* ev, short events, struct timeval* tv) {
  if (!ev) return 0;
  const rs::Event* e = toEvent(ev);
  if (!rs::debugChecksEnabled() && !e->base()) return 0;
  return e->pending(events, tv);
}

int event_initialized(const struct event* ev) {
  if (!ev) return 0;
  const rs::Event* e = toEvent(ev);
  return e->hasEventMagic() && e->initialized() ? 1 : 0;
}

int event_priority_set(struct event* ev, int priority) {
  if (!ev) return -1;
  return toEvent(ev)->setPriority(priority);
}

int event_get_priority(const struct event* ev) { return ev ? toEvent(ev)->priority() : -1; }

evutil_socket_t event_get_fd(const struct event* ev) { return ev ? toEvent(ev)->fd() : -1; }

struct event_base* event_get_base(const struct event* ev) {
  return ev && toEvent(ev)->base() ? toBase(toEvent(ev)->base()) : nullptr;
}

short event_get_events(const struct event* ev) { return ev ? toEvent(ev)->events() : 0; }

event_callback_fn event_get_callback(const struct event* ev) { return ev ? toEvent(ev)->callback() : nullptr; }

void* event_get_callback_arg(const struct event* ev) { return ev ? toEvent(ev)->callbackArg() : nullptr; }

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
  rs::Event* e = toEvent(ev);
  if (e->state() != rs::EventState::NonPending) return -1;
  if (e->base() == base) return 0;
  return e->assign(base, e->fd(), e->events(), e->callback(), e->callbackArg());
}

}  // extern "C"
