/* ReactorScope's libevent-compatible C API: the layout of struct event
 * (libevent's <event2/event_struct.h>).
 *
 * Programs may embed a struct event (event_assign) or size arrays with
 * sizeof(struct event), so the type is complete. Its contents are private: the
 * storage holds one ReactorScope engine event (rs::Event), constructed in place
 * by event_new/event_assign. A static_assert in the implementation checks that it
 * fits. Never touch the fields; use the accessors (event_get_fd, ...). */
#ifndef REACTORSCOPE_EVENT2_EVENT_STRUCT_H_INCLUDED_
#define REACTORSCOPE_EVENT2_EVENT_STRUCT_H_INCLUDED_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define REACTORSCOPE_EVENT_STORAGE_WORDS 40

struct event {
  uint64_t reactorscope_private_[REACTORSCOPE_EVENT_STORAGE_WORDS];
};

#ifdef __cplusplus
}
#endif

#endif /* REACTORSCOPE_EVENT2_EVENT_STRUCT_H_INCLUDED_ */
