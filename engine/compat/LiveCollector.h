// The in-target side of `reactorscope-run` (docs/trace-protocol.md).
// When the launcher's environment names a stream, read once when the library
// loads -- REACTORSCOPE_TRACE_SOCKET=<path> (reactorscope-run's private socket:
// each process connects its own stream at its first base, so a forked child
// and an exec'd program are each traced on their own stream) or
// REACTORSCOPE_TRACE_FD=<fd> (one stream, this process only) -- every base
// turns tracing on and one collector thread per process drains each base's
// ring every 2 ms while it finds records (8 ms while it finds none) and writes
// framed messages to the stream, never blocking a loop: when the reader is
// slow records are dropped and counted (a Dropped message). Without the
// variables every hook below is one predictable branch: no thread, tracing off.
// Hooks, called by the C API: a base created / used (dispatch, loop,
// event_reinit: a forked child connects its stream there) / about to be freed,
// a callback attached to an event, a libevent log line.
// Thread contract: every hook is safe from any thread and takes only short
// locks (base ids, the metadata queue, the callback-address cache), never one
// held across a drain, except baseFreed(), which drains that base one last time,
// and a process's first base, which waits for its collector thread to start.
// The collector thread is the only consumer of the rings of the bases it knows
// (baseFreed()'s final drain holds the same lock).
#pragma once
#include <atomic>
#include <cstdint>

#include "LiveProtocol.h"

struct event_base;
struct bufferevent;
struct evconnlistener;

namespace rs::live {

namespace detail {
extern std::atomic<bool> g_streaming;  // set before main (library constructor); cleared when no reader can be had
inline bool streaming() { return g_streaming.load(std::memory_order_relaxed); }
extern std::atomic<bool> g_childUnannounced;  // a forked child whose stream is not connected yet
void baseCreated(event_base* base);
void baseUsed(event_base* base);
void baseFreed(event_base* base);
void callbackSet(event_base* base, uint64_t eventId, CallbackRole role, const void* fn, int fd, short events);
void logLine(int severity, const char* text);
void bufferEventCallbacksSet(bufferevent* bev);
void listenerCallbackSet(evconnlistener* lev);
}  // namespace detail

inline void baseCreated(event_base* base) {
  if (detail::streaming() && base) detail::baseCreated(base);
}
// A base about to run or be re-initialised: in a forked child, the first such
// use connects the child's own stream (hello, then the bases it inherited).
inline void baseUsed(event_base* base) {
  if (detail::streaming() && base && detail::g_childUnannounced.load(std::memory_order_relaxed)) detail::baseUsed(base);
}
inline void baseFreed(event_base* base) {
  if (detail::streaming() && base) detail::baseFreed(base);
}
// `fn` null: nothing to label (e.g. bufferevent_setcb with a null writecb).
inline void callbackSet(event_base* base, uint64_t eventId, CallbackRole role, const void* fn, int fd, short events) {
  if (detail::streaming() && base && fn) detail::callbackSet(base, eventId, role, fn, fd, events);
}
inline void logLine(int severity, const char* text) {
  if (detail::streaming()) detail::logLine(severity, text);
}
// bufferevent_setcb: its read event runs readcb (and eventcb), its write event writecb.
inline void bufferEventCallbacksSet(bufferevent* bev) {
  if (detail::streaming()) detail::bufferEventCallbacksSet(bev);
}
// evconnlistener_set_cb: its listening event runs the listener's new callback.
// (A new listener's callback is announced before its event exists: AnnounceFirst.h.)
inline void listenerCallbackSet(evconnlistener* lev) {
  if (detail::streaming()) detail::listenerCallbackSet(lev);
}

}  // namespace rs::live
