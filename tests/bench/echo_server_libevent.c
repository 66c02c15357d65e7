/* The echo benchmark's server written against the libevent 2.1 API (listener +
 * bufferevents), so the same source builds against Debian's libevent and
 * against ReactorScope's compat layer. Modes: echo, discard, source.
 *
 *   echo_server_libevent [PORT] [echo|discard|source]
 *
 * Binds 127.0.0.1:PORT (0 = ephemeral), prints "listening on 127.0.0.1:N",
 * runs until SIGINT/SIGTERM. */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

enum mode { MODE_ECHO, MODE_DISCARD, MODE_SOURCE };
static enum mode g_mode = MODE_ECHO;
static char g_chunk[65536];

#define SOURCE_QUEUED (256 * 1024)

static void fill_source(struct bufferevent *bev) {
  struct evbuffer *out = bufferevent_get_output(bev);
  while (evbuffer_get_length(out) < SOURCE_QUEUED) evbuffer_add(out, g_chunk, sizeof g_chunk);
}

static void read_cb(struct bufferevent *bev, void *ctx) {
  struct evbuffer *in = bufferevent_get_input(bev);
  (void)ctx;
  if (g_mode == MODE_ECHO)
    bufferevent_write_buffer(bev, in);
  else
    evbuffer_drain(in, evbuffer_get_length(in));
}

static void write_cb(struct bufferevent *bev, void *ctx) {
  (void)ctx;
  if (g_mode == MODE_SOURCE) fill_source(bev);
}

static void event_cb(struct bufferevent *bev, short what, void *ctx) {
  (void)ctx;
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) bufferevent_free(bev);
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg) {
  struct event_base *base = arg;
  struct bufferevent *bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
  (void)l;
  (void)sa;
  (void)socklen;
  if (!bev) {
    evutil_closesocket(fd);
    return;
  }
  bufferevent_setcb(bev, read_cb, write_cb, event_cb, NULL);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  if (g_mode == MODE_SOURCE) {
    bufferevent_setwatermark(bev, EV_WRITE, SOURCE_QUEUED / 2, 0);
    fill_source(bev);
  }
}

static void signal_cb(evutil_socket_t sig, short what, void *arg) {
  (void)sig;
  (void)what;
  event_base_loopbreak(arg);
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  struct sockaddr_in sin;
  struct event_base *base;
  struct evconnlistener *listener;
  struct event *sigint, *sigterm;
  socklen_t len = sizeof sin;

  if (argc > 2) {
    if (strcmp(argv[2], "discard") == 0) g_mode = MODE_DISCARD;
    else if (strcmp(argv[2], "source") == 0) g_mode = MODE_SOURCE;
    else if (strcmp(argv[2], "echo") != 0) {
      fprintf(stderr, "usage: %s [PORT] [echo|discard|source]\n", argv[0]);
      return 2;
    }
  }
  memset(g_chunk, 'x', sizeof g_chunk);
  base = event_base_new();
  if (!base) return 1;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short)port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  listener = evconnlistener_new_bind(base, accept_cb, base, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 4096,
                                     (struct sockaddr *)&sin, sizeof sin);
  if (!listener) {
    perror("evconnlistener_new_bind");
    return 1;
  }
  getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&sin, &len);
  printf("listening on 127.0.0.1:%d\n", ntohs(sin.sin_port));
  fflush(stdout);
  sigint = evsignal_new(base, SIGINT, signal_cb, base);
  sigterm = evsignal_new(base, SIGTERM, signal_cb, base);
  event_add(sigint, NULL);
  event_add(sigterm, NULL);
  event_base_dispatch(base);
  event_free(sigint);
  event_free(sigterm);
  evconnlistener_free(listener);
  event_base_free(base);
  return 0;
}
