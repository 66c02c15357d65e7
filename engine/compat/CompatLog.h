// Internal to the C API: libevent's diagnostics. Messages go to the program's
// event_set_log_callback() hook, or to stderr as "[warn] text" (libevent's
// format) when it set none. The wording of each message is libevent's, so a
// program's logs read the same on either library.
// Thread contract: any thread; the hooks are process-wide and meant to be set
// before the loop starts, as with libevent.
#pragma once

#include <event2/event.h>

struct event_base;
namespace rs {
class Event;
}

namespace rs::compat {

// printf-style; Errno variants append ": <strerror(errno)>" as libevent's
// event_warn does.
void logWarn(const char* format, ...) __attribute__((format(printf, 1, 2)));
void logWarnErrno(const char* format, ...) __attribute__((format(printf, 1, 2)));
void logMsg(const char* format, ...) __attribute__((format(printf, 1, 2)));
// Only when event_enable_debug_logging() turned debug messages on.
void logDebug(const char* format, ...) __attribute__((format(printf, 1, 2)));
bool debugLoggingEnabled();
// An unrecoverable error: logs at EVENT_LOG_ERR, calls the fatal callback if
// set, then exits with exitCode (libevent's event_errx).
[[noreturn]] void logFatal(int exitCode, const char* format, ...) __attribute__((format(printf, 2, 3)));

// libevent's warnings that are no single call's own (LibeventWarnings.cpp).
// The epoll backend's failed epoll_ctl ("Epoll ADD(1) on fd 5 failed. ..."):
// installed once, by the first base.
void installBackendWarnings();
// "<function>: event has no event_base set." (event_add, event_del_, ...).
void warnNoBase(const char* function);
// Before event_add of signal event `e` on `base`: libevent's warning when
// another base has signals added (only one base receives signals); `base`
// becomes the signal base. Loop thread of `base`.
void noteSignalAdd(::event_base* base, const rs::Event& e);
// event_base_free: the base no longer has signals (null: whichever had them).
void forgetSignalBase(const ::event_base* base);

}  // namespace rs::compat
