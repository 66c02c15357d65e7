// libevent's [warn] lines that are not a single call's own: the epoll backend's
// failed epoll_ctl (epoll.c), the second base that adds a signal (signal.c),
// and an event used without a base (event.c). The wording is libevent 2.1.12's.
#include <sys/epoll.h>

#include <atomic>
#include <mutex>
#include <set>

#include "CompatBase.h"
#include "CompatLog.h"
#include "core/EpollPoller.h"

namespace {

// epoll.c's change_to_string of a change (EV_CHANGE_ADD 0x01, EV_CHANGE_DEL 0x02).
const char* changeName(int change) {
  switch (change & 0x03) {
    case 0x01: return "add";
    case 0x02: return "del";
    case 0: return "none";
    default: return "???";
  }
}

const char* opName(int op) {
  return op == EPOLL_CTL_ADD ? "ADD" : op == EPOLL_CTL_DEL ? "DEL" : op == EPOLL_CTL_MOD ? "MOD" : "???";
}

// One condition's change as libevent's epoll_nochangelist_add/del record it:
// added (0x01) or removed (0x02), with the event's EV_ET bit; 0 if unchanged.
int changeOf(const rs::EpollPoller::CtlFailure& f, short condition) {
  const bool before = f.oldInterest & condition;
  const bool after = f.newInterest & condition;
  if (before == after) return 0;
  return (after ? 0x01 : 0x02) | (f.newInterest & EV_ET);
}

void warnCtlFailure(const rs::EpollPoller::CtlFailure& f) {
  errno = f.error;
  const int events = static_cast<int>(f.epollEvents);
  if (f.retried) {
    rs::compat::logWarnErrno("Epoll %s(%d) on %d retried as %s; that failed too", opName(f.op), events, f.fd,
                             f.op == EPOLL_CTL_MOD ? "ADD" : "MOD");
    return;
  }
  const int readChange = changeOf(f, EV_READ), writeChange = changeOf(f, EV_WRITE),
            closeChange = changeOf(f, EV_CLOSED);
  rs::compat::logWarnErrno(
      "Epoll %s(%d) on fd %d failed. Old events were %d; read change was %d (%s); write change was %d (%s); "
      "close change was %d (%s)",
      opName(f.op), events, f.fd, f.oldInterest & (EV_READ | EV_WRITE | EV_CLOSED), readChange,
      changeName(readChange), writeChange, changeName(writeChange), closeChange, changeName(closeChange));
}

// signal.c's evsig_base: the base that added a signal last (null when freed).
std::mutex g_signalBaseMutex;
const event_base* g_signalBase = nullptr;

// True when a C event of `base` other than `except` holds signal `signo`.
bool signalAdded(const event_base* base, int signo, const rs::Event* except) {
  for (size_t i = 0; i < base->records.size(); ++i) {
    const rs::compat::EventRecord* r = base->records.at(i);
    const rs::Event& e = r->event;
    if (r->owner && &e != except && e.isInserted() && (e.events() & EV_SIGNAL) && e.fd() == signo) return true;
  }
  return false;
}

bool anySignalAdded(const event_base* base) {
  for (size_t i = 0; i < base->records.size(); ++i) {
    const rs::compat::EventRecord* r = base->records.at(i);
    if (r->owner && r->event.isInserted() && (r->event.events() & EV_SIGNAL)) return true;
  }
  return false;
}

}  // namespace

namespace rs::compat {

void installBackendWarnings() {
  static std::once_flag once;
  std::call_once(once, [] { rs::EpollPoller::setCtlFailureHook(&warnCtlFailure); });
}

void warnNoBase(const char* function) { logWarn("%s: event has no event_base set.", function); }

void noteSignalAdd(event_base* base, const rs::Event& e) {
  if (e.isInserted() || signalAdded(base, e.fd(), &e)) return;  // libevent's evsig_add does not run
  std::lock_guard lock(g_signalBaseMutex);
  if (g_signalBase && g_signalBase != base && isLiveBase(g_signalBase) && anySignalAdded(g_signalBase))
    logWarn("Added a signal to event base %p with signals already added to event_base %p.  Only one can have "
            "signals at a time with the %s backend.  The base with the most recently added signal or the most "
            "recent event_base_loop() call gets preference; do not rely on this behavior in future Libevent "
            "versions.",
            static_cast<const void*>(base), static_cast<const void*>(g_signalBase), base->method());
  g_signalBase = base;
}

void forgetSignalBase(const event_base* base) {
  std::lock_guard lock(g_signalBaseMutex);
  if (!base || g_signalBase == base) g_signalBase = nullptr;
}

}  // namespace rs::compat
