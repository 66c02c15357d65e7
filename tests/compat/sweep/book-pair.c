/* Sweep example (libevent book style): bufferevent pair with a read watermark. */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdio.h>
static void on_read(struct bufferevent *bev, void *ctx)
{ (void)ctx; printf("read cb: %zu bytes\n", evbuffer_get_length(bufferevent_get_input(bev))); evbuffer_drain(bufferevent_get_input(bev), 8); }
static void on_event(struct bufferevent *bev, short what, void *ctx)
{ (void)bev; (void)ctx; printf("event 0x%x\n", what); }
int main(void)
{
    struct event_base *base = event_base_new();
    struct bufferevent *pair[2];
    if (bufferevent_pair_new(base, BEV_OPT_CLOSE_ON_FREE, pair) != 0) { printf("pair failed\n"); return 1; }
    bufferevent_setcb(pair[1], on_read, NULL, on_event, NULL);
    bufferevent_setwatermark(pair[1], EV_READ, 8, 0);
    bufferevent_enable(pair[1], EV_READ);
    bufferevent_write(pair[0], "1234", 4);
    event_base_loop(base, EVLOOP_NONBLOCK);
    printf("after 4: input=%zu\n", evbuffer_get_length(bufferevent_get_input(pair[1])));
    bufferevent_write(pair[0], "5678abcdefgh", 12);
    event_base_dispatch(base);
    printf("end: input=%zu partner=%d\n", evbuffer_get_length(bufferevent_get_input(pair[1])), bufferevent_pair_get_partner(pair[1]) == pair[0]);
    bufferevent_free(pair[0]); bufferevent_free(pair[1]);
    event_base_free(base);
    return 0;
}
