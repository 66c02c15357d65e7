/* Handles freed inside their own callbacks stay usable until the callback
 * returns, as libevent's reference counting guarantees (libevent's own
 * test-fdleak.c relies on it): bufferevent_free then bufferevent_get_base in an
 * event callback and in a read callback, evconnlistener_free then
 * evconnlistener_get_base in the accept callback, event_free of the running
 * event (one-shot and persistent). Run under AddressSanitizer by the sanitizer
 * build, where a use after free fails the run. */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <netinet/in.h>

#include "scenario.h"

static struct event_base *base;
static int accepted_fd = -1;

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg) {
  (void)sa, (void)socklen, (void)arg;
  accepted_fd = fd;
  evconnlistener_free(lev);
  LOG("accept cb: freed the listener, its base is ours: %d", evconnlistener_get_base(lev) == base);
}

static void connect_event_cb(struct bufferevent *bev, short what, void *ctx) {
  (void)ctx;
  LOG("event cb: %s", what & BEV_EVENT_CONNECTED ? "CONNECTED" : "other");
  bufferevent_free(bev);
  /* test-fdleak.c's pattern */
  event_base_loopbreak(bufferevent_get_base(bev));
}

static void read_cb(struct bufferevent *bev, void *ctx) {
  char text[16] = {0};
  bufferevent_read(bev, text, sizeof text - 1);
  LOG("read cb [%s] by %s", text, (const char *)ctx);
  bufferevent_free(bev);
  LOG("read cb: freed, base is ours: %d", bufferevent_get_base(bev) == base);
}

static void one_shot_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  LOG("one-shot timer what=%s: event_free(self)", flags_str(what));
  event_free((struct event *)arg);
}

static int persist_calls;
static void persist_cb(evutil_socket_t fd, short what, void *arg) {
  LOG("persistent read what=%s byte=%d: event_free(self)", flags_str(what), read_one(fd));
  ++persist_calls;
  event_free((struct event *)arg);
}

int main(void) {
  base = new_base();

  /* A listener that frees itself in its accept callback (a plain connect, so
   * nothing else happens in that loop run). */
  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct evconnlistener *lev = evconnlistener_new_bind(base, on_accept, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                                                       -1, (struct sockaddr *)&sin, sizeof sin);
  CHECK(lev != NULL);
  socklen_t len = sizeof sin;
  CHECK(getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&sin, &len) == 0);
  int plain = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(plain >= 0 && connect(plain, (struct sockaddr *)&sin, sizeof sin) == 0);
  LOG("loop until the accept -> %d", event_base_loop(base, EVLOOP_ONCE));
  LOG("accepted: %d", accepted_fd >= 0);
  close(plain);
  if (accepted_fd >= 0) close(accepted_fd);

  /* A bufferevent that frees itself in its event callback (test-fdleak.c), its
   * peer accepted by a listener that logs nothing. */
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct evconnlistener *quiet = evconnlistener_new_bind(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
                                                         (struct sockaddr *)&sin, sizeof sin);
  CHECK(quiet != NULL);
  len = sizeof sin;
  CHECK(getsockname(evconnlistener_get_fd(quiet), (struct sockaddr *)&sin, &len) == 0);
  struct bufferevent *client = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(client, NULL, NULL, connect_event_cb, NULL);
  CHECK(bufferevent_socket_connect(client, (struct sockaddr *)&sin, sizeof sin) == 0);
  LOG("loop until the event cb breaks it -> %d", event_base_dispatch(base));
  LOG("got break: %d", event_base_got_break(base));
  evconnlistener_free(quiet);

  /* A read callback that frees its bufferevent. */
  int fds[2];
  make_pair(fds);
  struct bufferevent *reader = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(reader, read_cb, NULL, NULL, "reader");
  bufferevent_enable(reader, EV_READ);
  send_bytes(fds[1], "hello");
  LOG("loop -> %d", event_base_loop(base, EVLOOP_ONCE));
  close(fds[1]);

  /* Events freeing themselves. */
  struct event *once = event_new(base, -1, 0, one_shot_cb, event_self_cbarg());
  struct timeval tv = ms(1);
  event_add(once, &tv);
  make_pair(fds);
  struct event *persist = event_new(base, fds[0], EV_READ | EV_PERSIST, persist_cb, event_self_cbarg());
  event_add(persist, NULL);
  send_bytes(fds[1], "xy");
  LOG("dispatch until empty -> %d", event_base_dispatch(base));
  LOG("persistent callback ran %d time(s)", persist_calls);
  close(fds[0]);
  close(fds[1]);

  event_base_free(base);
  return 0;
}
