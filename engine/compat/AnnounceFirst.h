// Internal to the C API: under a live trace (reactorscope-run), an event whose
// callback the library knows when it creates the event (event_new /
// event_assign, event_base_once, an evconnlistener's listening event) has its `callback` message
// queued before the event's first trace record is written, so the stream
// carries the label before any record of the event whatever the collector's
// tick falls on (docs/trace-protocol.md). Callbacks set later
// (bufferevent_setcb after bufferevent_socket_new, evconnlistener_set_cb) are
// announced when set: a reader accepts a label that comes after records.
// Thread contract: the base's loop thread (as the assignment itself).
#pragma once
#include "CompatBase.h"
#include "LiveCollector.h"

namespace rs::live {

// Announces `fn` for the event `assign` makes, then runs `assign`, which
// assigns that event first of all its events on `base` (so it gets
// base->nextEventId()) and returns true on success. On failure an id no event
// took goes unused: no later event inherits the announcement.
// Without a live trace, or with no callback to name, just `assign`.
template <class Assign>
bool assignAnnounced(event_base* base, CallbackRole role, const void* fn, int fd, short events, Assign&& assign) {
  if (!detail::streaming() || !fn) return assign();
  const uint64_t id = base->nextEventId();
  detail::callbackSet(base, id, role, fn, fd, events);
  if (assign()) return true;
  base->skipEventId(id);
  return false;
}

}  // namespace rs::live
