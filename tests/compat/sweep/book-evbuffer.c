/* Sweep example (libevent book style): evbuffer API tour, printing every result. */
#include <event2/buffer.h>
#include <event2/util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void)
{
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_printf(b, "GET / HTTP/1.0\r\nHost: x\r\n\r\nbody");
    printf("len=%zu\n", evbuffer_get_length(b));
    struct evbuffer_ptr p = evbuffer_search(b, "\r\n\r\n", 4, NULL);
    printf("headers end at %ld\n", (long)p.pos);
    char *line; size_t n;
    while ((line = evbuffer_readln(b, &n, EVBUFFER_EOL_CRLF_STRICT)) && n) { printf("line(%zu)=%s\n", n, line); free(line); }
    free(line);
    printf("rest=%zu\n", evbuffer_get_length(b));
    struct evbuffer *c = evbuffer_new();
    evbuffer_add_buffer(c, b);
    evbuffer_prepend(c, ">>", 2);
    unsigned char *flat = evbuffer_pullup(c, -1);
    printf("pullup=%.*s len b=%zu c=%zu\n", (int)evbuffer_get_length(c), (const char *)flat, evbuffer_get_length(b), evbuffer_get_length(c));
    char out[4]; int got = evbuffer_remove(c, out, sizeof out);
    printf("removed %d: %.*s\n", got, got, out);
    evbuffer_drain(c, 1);
    struct evbuffer_iovec v[2]; int k = evbuffer_reserve_space(c, 100, v, 2);
    memcpy(v[0].iov_base, "XYZ", 3); v[0].iov_len = 3;
    printf("reserve extents=%d commit=%d len=%zu\n", k, evbuffer_commit_space(c, v, 1), evbuffer_get_length(c));
    struct evbuffer_iovec pv[4]; int m = evbuffer_peek(c, -1, NULL, pv, 4);
    printf("peek extents=%d first=%zu\n", m, pv[0].iov_len);
    struct evbuffer_ptr q; evbuffer_ptr_set(c, &q, 1, EVBUFFER_PTR_SET);
    struct evbuffer_ptr r = evbuffer_search_range(c, "Y", 1, &q, NULL);
    printf("Y at %ld\n", (long)r.pos);
    evbuffer_free(b); evbuffer_free(c);
    printf("strlcpy-ish %d\n", evutil_snprintf(out, sizeof out, "%s", "abcdef"));
    return 0;
}
