/* ReactorScope's libevent-compatible C API: the pre-2.0 evbuffer names that
 * libevent 2.1 still offers (libevent's <event2/buffer_compat.h>). */
#ifndef REACTORSCOPE_EVENT2_BUFFER_COMPAT_H_INCLUDED_
#define REACTORSCOPE_EVENT2_BUFFER_COMPAT_H_INCLUDED_

#include <event2/buffer.h>

#ifdef __cplusplus
extern "C" {
#endif

/* evbuffer_readln(buffer, NULL, EVBUFFER_EOL_ANY). */
char *evbuffer_readline(struct evbuffer *buffer);
/* A pointer to the first occurrence of what (the buffer is pulled up to it), or NULL. */
unsigned char *evbuffer_find(struct evbuffer *buffer, const unsigned char *what, size_t len);

/* The pre-2.0 change callback: lengths before and after the change. */
typedef void (*evbuffer_cb)(struct evbuffer *buffer, size_t old_len, size_t new_len, void *arg);
/* Replaces every callback of buffer (evbuffer_add_cb's too) with cb; NULL
 * removes them all. 0, or -1 when buffer is NULL. */
int evbuffer_setcb(struct evbuffer *buffer, evbuffer_cb cb, void *cbarg);

#define EVBUFFER_LENGTH(x) evbuffer_get_length(x)
#define EVBUFFER_DATA(x) evbuffer_pullup((x), -1)

#ifdef __cplusplus
}
#endif

#endif /* REACTORSCOPE_EVENT2_BUFFER_COMPAT_H_INCLUDED_ */
