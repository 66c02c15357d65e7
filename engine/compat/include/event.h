/* ReactorScope's libevent-compatible C API: the classic all-in-one header
 * (libevent's <event.h>), which the tutorial's programs include. */
#ifndef REACTORSCOPE_EVENT_H_INCLUDED_
#define REACTORSCOPE_EVENT_H_INCLUDED_

#include <stdarg.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/types.h>

#include <evutil.h>
#include <event2/event_struct.h>
#include <event2/event.h>
#include <event2/event_compat.h>
/* event2/buffer.h, event2/bufferevent.h and event2/listener.h join this list
 * when the engine's buffers and bufferevents have their C API. */

#endif /* REACTORSCOPE_EVENT_H_INCLUDED_ */
