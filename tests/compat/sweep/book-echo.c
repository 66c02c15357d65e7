/* Sweep example (libevent book style): echo server (evconnlistener + bufferevent) and a
   client in the same process on 127.0.0.1, ephemeral port; ends when the client has its echo. */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
static struct bufferevent *client;
static int lines;
static void server_read(struct bufferevent *bev, void *ctx)
{ (void)ctx; bufferevent_write_buffer(bev, bufferevent_get_input(bev)); }
static void server_event(struct bufferevent *bev, short what, void *ctx)
{ (void)ctx; printf("server event%s%s\n", (what & BEV_EVENT_EOF) ? " EOF" : "", (what & BEV_EVENT_ERROR) ? " ERROR" : ""); bufferevent_free(bev); }
static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *ctx)
{
    (void)sa; (void)len; (void)ctx;
    struct bufferevent *bev = bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(bev, server_read, NULL, server_event, NULL);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
}
static void client_read(struct bufferevent *bev, void *ctx)
{
    (void)ctx; char *line; size_t n;
    while ((line = evbuffer_readln(bufferevent_get_input(bev), &n, EVBUFFER_EOL_CRLF))) {
        printf("client got %zu bytes: %s\n", n, line); free(line);
        if (++lines == 3) { bufferevent_free(bev); client = NULL; }
    }
}
static void client_event(struct bufferevent *bev, short what, void *ctx)
{
    (void)ctx;
    if (what & BEV_EVENT_CONNECTED) { printf("client connected\n");
        evbuffer_add_printf(bufferevent_get_output(bev), "one\r\ntwo\nthree\r\n"); }
}
static void stop(evutil_socket_t fd, short what, void *arg) { (void)fd; (void)what; if (!client) event_base_loopbreak(arg); }
int main(void)
{
    struct event_base *base = event_base_new();
    struct sockaddr_in sin; memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET; sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct evconnlistener *l = evconnlistener_new_bind(base, accept_cb, NULL, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, -1, (struct sockaddr *)&sin, sizeof sin);
    if (!l) { printf("listen failed\n"); return 1; }
    struct sockaddr_in bound; socklen_t blen = sizeof bound;
    getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&bound, &blen);
    client = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(client, client_read, NULL, client_event, NULL);
    bufferevent_enable(client, EV_READ);
    if (bufferevent_socket_connect(client, (struct sockaddr *)&bound, sizeof bound) < 0) { printf("connect failed\n"); return 1; }
    struct event *poll = event_new(base, -1, EV_PERSIST, stop, base);
    struct timeval five_ms = {0, 5000}; event_add(poll, &five_ms);
    struct timeval limit = {5, 0}; event_base_loopexit(base, &limit);
    event_base_dispatch(base);
    printf("lines=%d\n", lines);
    event_free(poll); evconnlistener_free(l); event_base_free(base);
    return lines == 3 ? 0 : 1;
}
