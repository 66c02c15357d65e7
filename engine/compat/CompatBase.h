// Internal to the C API: what `struct event_base` and `struct event` are on the
// C++ side. A C program holds pointers to bases and its own struct events.
#pragma once
#include <event2/event.h>
#include <event2/event_struct.h>

#include <cstring>
#include <deque>

#include "EventRecords.h"

#include "core/Clock.h"
#include "core/Event.h"
#include "core/EventBase.h"

namespace rs::compat {
// Every C API base that exists (any thread): event_free() of an event whose base
// was freed first must not look at the base's records.
void noteBase(const ::event_base* base, bool live);
bool isLiveBase(const ::event_base* base);
// libevent_global_shutdown: debug mode off and its map freed, the signal base
// forgotten, the base registry's memory released once no base is left.
void releaseGlobals();
}  // namespace rs::compat

namespace rs::compat {
// event_base_gettimeofday_cached: libevent's time cache, on the wall clock. While
// the engine has a cached loop time (after each wait, until the callbacks ran)
// it returns the wall time of that instant -- the same for every call until the
// next wait or event_base_update_cache_time; otherwise, or with
// EVENT_BASE_FLAG_NO_CACHE_TIME, the current time. Loop thread only.
class CachedWallClock {
 public:
  bool disabled = false;  // EVENT_BASE_FLAG_NO_CACHE_TIME

  int cachedTime(const rs::EventBase& base, timeval* tv) {
    const Nanos cached = base.cachedTime();
    if (disabled || cached == 0) return gettimeofday(tv, nullptr);
    if (cached != cachedMonotonicNs_) {  // a new cache: its wall time, once
      timeval wallNow;
      gettimeofday(&wallNow, nullptr);
      const Nanos wallNs = static_cast<Nanos>(wallNow.tv_sec) * kNsPerSec + wallNow.tv_usec * kNsPerUs;
      const Nanos atCacheNs = wallNs - (monotonicNowNs() - cached);
      wall_.tv_sec = static_cast<time_t>(atCacheNs / kNsPerSec);
      wall_.tv_usec = static_cast<suseconds_t>((atCacheNs % kNsPerSec) / kNsPerUs);
      cachedMonotonicNs_ = cached;
    }
    *tv = wall_;
    return 0;
  }

 private:
  Nanos cachedMonotonicNs_ = 0;  // the engine cache wall_ belongs to
  timeval wall_{};
};
}  // namespace rs::compat

// The C API's base: the engine's base plus the records of its C events.
struct event_base final : rs::EventBase {
  explicit event_base(const Options& options) : rs::EventBase(options) { rs::compat::noteBase(this, true); }
  ~event_base() { rs::compat::noteBase(this, false); }
  event_base(const event_base&) = delete;
  event_base& operator=(const event_base&) = delete;
  std::deque<timeval> commonTimeouts;  // event_base_init_common_timeout's (stable addresses)
  rs::compat::CachedWallClock wallClock;  // event_base_gettimeofday_cached
  rs::compat::EventRecords records;  // destroyed first: pending records leave the base
  // EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST (or EVENT_EPOLL_USE_CHANGELIST) on an
  // epoll base: libevent names its method "epoll (with changelist)". The engine's
  // epoll applies each change at once either way.
  bool changelistAsked = false;
  const char* libeventMethod() const { return changelistAsked ? "epoll (with changelist)" : method(); }
};

namespace rs::compat {

static_assert(sizeof(void*) != 8 || sizeof(::event) == 128, "struct event must be libevent 2.1's 128 bytes");

// The handle a struct event holds: its record's address and index, in the two
// words of ev_evcallback.evcb_active_next (see EventRecords.h).
inline EventRecord* storedRecord(const ::event* ev) {
  EventRecord* r;
  std::memcpy(&r, &ev->ev_evcallback.evcb_active_next.tqe_next, sizeof r);
  return r;
}
inline uint64_t storedIndex(const ::event* ev) {
  uint64_t index;
  std::memcpy(&index, &ev->ev_evcallback.evcb_active_next.tqe_prev, sizeof index);
  return index;
}
inline void storeHandle(::event* ev, EventRecord* r) {
  const uint64_t index = r ? r->index : ~uint64_t{0};
  std::memcpy(&ev->ev_evcallback.evcb_active_next.tqe_next, &r, sizeof r);
  std::memcpy(&ev->ev_evcallback.evcb_active_next.tqe_prev, &index, sizeof index);
}

// The engine event of an assigned struct event while its record is still its
// own (not freed or reclaimed), else null. Trusts the stored address, as
// libevent trusts an assigned event's fields: only event_assign() must cope
// with stale bytes (it uses the stored index, checked against its base).
inline rs::Event* liveEvent(const ::event* ev) {
  EventRecord* r = storedRecord(ev);
  return r && r->owner == ev ? &r->event : nullptr;
}

inline ::event_base* toBase(rs::EventBase* base) { return static_cast<::event_base*>(base); }

// event_init()'s base (the "current base" of libevent's 1.4-era API), or null.
::event_base* currentBase();

inline Nanos toNanos(const timeval* tv) { return timeoutNsOf(*tv); }

}  // namespace rs::compat
