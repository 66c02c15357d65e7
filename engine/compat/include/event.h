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
#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/bufferevent_compat.h>
/* Like libevent's <event.h>, not <event2/listener.h>: the tutorial's 5.2
 * programs include that one themselves. */

#endif /* REACTORSCOPE_EVENT_H_INCLUDED_ */
