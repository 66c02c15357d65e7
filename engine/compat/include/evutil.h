/* libevent's <evutil.h>: the pre-2.0 name of <event2/util.h>. */
#ifndef REACTORSCOPE_EVUTIL_H_INCLUDED_
#define REACTORSCOPE_EVUTIL_H_INCLUDED_
#include <event2/util.h>
#endif
