/* The pre-2.0 API that old programs still use: event_init()'s current base,
 * evbuffer_setcb's (old_len, new_len) callback replacing every other callback,
 * bufferevent_new on the current base with the 1.4-era callback types, and
 * event_get_signal. */
#include <event.h>

#include "scenario.h"

static void old_cb(struct evbuffer *buf, size_t old_len, size_t new_len, void *arg) {
  LOG("old-style cb %s: %zu -> %zu (buffer now %zu)", (const char *)arg, old_len, new_len, evbuffer_get_length(buf));
}

static void new_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg) {
  (void)buf;
  LOG("new-style cb %s: orig %zu added %zu deleted %zu", (const char *)arg, info->orig_size, info->n_added,
      info->n_deleted);
}

static void read_cb(struct bufferevent *bev, void *arg) {
  char text[64];
  const size_t n = bufferevent_read(bev, text, sizeof text - 1);
  text[n] = '\0';
  LOG("%s read [%s]", (const char *)arg, text);
  bufferevent_write(bev, "pong", 4);
}

static void error_cb(struct bufferevent *bev, short what, void *arg) {
  LOG("%s error cb:%s%s%s%s", (const char *)arg, what & EVBUFFER_READ ? " READ" : "", what & EVBUFFER_WRITE ? " WRITE" : "",
      what & EVBUFFER_EOF ? " EOF" : "", what & EVBUFFER_ERROR ? " ERROR" : "");
  bufferevent_free(bev);
  event_loopexit(NULL);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN); /* the peer closes before "pong" is written: EPIPE, not death */
  struct event_base *base = event_init();
  CHECK(base != NULL);
  fprintf(stderr, "backend: %s\n", event_base_get_method(base));

  struct evbuffer *buf = evbuffer_new();
  evbuffer_add_cb(buf, new_cb, "A");
  evbuffer_add(buf, "12345", 5);
  LOG("setcb -> %d", evbuffer_setcb(buf, old_cb, "B"));
  evbuffer_add(buf, "678", 3);
  evbuffer_drain(buf, 2);
  LOG("setcb again -> %d", evbuffer_setcb(buf, old_cb, "C"));
  evbuffer_add_printf(buf, "%d", 42);
  LOG("add_cb beside it -> %s", evbuffer_add_cb(buf, new_cb, "D") ? "entry" : "NULL");
  evbuffer_drain(buf, 100);
  LOG("setcb NULL -> %d", evbuffer_setcb(buf, NULL, NULL));
  evbuffer_add(buf, "silent", 6);
  LOG("length %zu, no callbacks", evbuffer_get_length(buf));
  evbuffer_free(buf);

  int fds[2];
  make_pair(fds);
  struct bufferevent *bev = bufferevent_new(fds[0], read_cb, NULL, error_cb, "bev");
  CHECK(bev != NULL);
  LOG("bufferevent_base_set -> %d", bufferevent_base_set(base, bev));
  LOG("enable -> %d", bufferevent_enable(bev, EV_READ));
  send_bytes(fds[1], "ping");
  LOG("loop -> %d", event_loop(EVLOOP_ONCE));
  char back[8] = {0};
  LOG("peer got %d bytes [%s]", (int)read(fds[1], back, sizeof back - 1), back);
  close(fds[1]);
  LOG("dispatch -> %d", event_dispatch());

  struct event *sig = evsignal_new(base, SIGUSR1, NULL, NULL);
  LOG("event_get_signal -> %d", event_get_signal(sig));
  event_free(sig);
  event_base_free(NULL);
  return 0;
}
