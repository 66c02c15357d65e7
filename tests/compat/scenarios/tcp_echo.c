/* A complete line-echo server and its clients in one process over loopback
 * TCP, written the way the libevent book's examples are: an evconnlistener
 * hands each connection to a bufferevent whose read callback echoes every
 * complete line (evbuffer_readln + evbuffer_add_printf) and closes on "quit";
 * four clients connect with bufferevent_socket_connect, send their lines in
 * two writes, and record what comes back. A client that says "quit" gets
 * nothing back: the server frees its bufferevent at once, and what was queued
 * in its output is discarded (a classic bug, reproduced on both libraries).
 * Printed per client after the run (the clients' callbacks interleave in an
 * order the kernel decides). */
#include <arpa/inet.h>
#include <event2/listener.h>
#include <netinet/in.h>

#include "scenario.h"
#include "bev_common.h"

#define CLIENTS 4
static struct event_base *base;
static int server_conns, server_lines, server_closed, clients_done;

struct client {
  int id;
  struct bufferevent *bev;
  char transcript[1024];
  int connected;
  short final_event;
};
static struct client clients[CLIENTS];

static void server_read_cb(struct bufferevent *bev, void *ctx) {
  char *line;
  size_t n;
  (void)ctx;
  while ((line = evbuffer_readln(bufferevent_get_input(bev), &n, EVBUFFER_EOL_CRLF)) != NULL) {
    ++server_lines;
    if (strcmp(line, "quit") == 0) {
      free(line);
      ++server_closed;
      bufferevent_free(bev);
      return;
    }
    evbuffer_add_printf(bufferevent_get_output(bev), "echo[%zu]: %s\r\n", n, line);
    free(line);
  }
}

static void server_event_cb(struct bufferevent *bev, short what, void *ctx) {
  (void)ctx;
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    ++server_closed;
    bufferevent_free(bev);
  }
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg) {
  struct bufferevent *bev = bufferevent_socket_new(evconnlistener_get_base(lev), fd, BEV_OPT_CLOSE_ON_FREE);
  (void)sa, (void)socklen, (void)arg;
  ++server_conns;
  bufferevent_setcb(bev, server_read_cb, NULL, server_event_cb, NULL);
  CHECK(bufferevent_enable(bev, EV_READ | EV_WRITE) == 0);
}

static void client_read_cb(struct bufferevent *bev, void *ctx) {
  struct client *c = ctx;
  char *line;
  while ((line = evbuffer_readln(bufferevent_get_input(bev), NULL, EVBUFFER_EOL_CRLF_STRICT)) != NULL) {
    strncat(c->transcript, line, sizeof c->transcript - strlen(c->transcript) - 2);
    strcat(c->transcript, "|");
    free(line);
  }
}

static void client_event_cb(struct bufferevent *bev, short what, void *ctx) {
  struct client *c = ctx;
  if (what & BEV_EVENT_CONNECTED) {
    c->connected = 1;
    /* the request in two writes; the second completes a line split by the first */
    bufferevent_write(bev, "hello from ", 11);
    evbuffer_add_printf(bufferevent_get_output(bev), "client %d\r\nline two\r\n%s\r\n", c->id,
                        c->id % 2 ? "quit" : "bye");
    return;
  }
  c->final_event = what;
  if (++clients_done == CLIENTS) event_base_loopexit(base, NULL);
}

int main(void) {
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  struct evconnlistener *lev;
  struct timeval limit = ms(10000);
  int i;
  base = new_base();
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  lev = evconnlistener_new_bind(base, on_accept, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
                                (struct sockaddr *)&sin, sizeof sin);
  CHECK(lev != NULL);
  CHECK(getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&sin, &len) == 0);
  for (i = 0; i < CLIENTS; ++i) {
    struct client *c = &clients[i];
    c->id = i;
    c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(c->bev, client_read_cb, NULL, client_event_cb, c);
    CHECK(bufferevent_enable(c->bev, EV_READ | EV_WRITE) == 0);
    CHECK(bufferevent_socket_connect(c->bev, (struct sockaddr *)&sin, sizeof sin) == 0);
  }
  /* clients 1 and 3 say quit (the server closes); 0 and 2 say bye and close themselves after 100 ms */
  CHECK(event_base_loopexit(base, &limit) == 0);
  {
    struct timeval close_after = ms(100);
    CHECK(event_base_loopexit(base, &close_after) == 0);
  }
  LOG("first dispatch=%d", event_base_dispatch(base));
  for (i = 0; i < CLIENTS; i += 2) {
    if (!clients[i].final_event) {
      bufferevent_free(clients[i].bev);
      clients[i].bev = NULL;
      ++clients_done;
    }
  }
  LOG("second dispatch=%d", event_base_loop(base, EVLOOP_NONBLOCK));
  {
    struct timeval settle = ms(100);
    event_base_loopexit(base, &settle);
    LOG("third dispatch=%d", event_base_dispatch(base));
  }
  for (i = 0; i < CLIENTS; ++i) {
    LOG("client %d: connected=%d final=%s", i, clients[i].connected, bev_what(clients[i].final_event));
    LOG("  got: %s", clients[i].transcript);
    if (clients[i].bev) bufferevent_free(clients[i].bev);
  }
  LOG("server: connections=%d lines=%d closed=%d", server_conns, server_lines, server_closed);
  evconnlistener_free(lev);
  event_base_free(base);
  return 0;
}
