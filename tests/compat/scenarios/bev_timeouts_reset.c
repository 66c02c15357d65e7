/* Bufferevent idle timeouts as a server's keep-alive uses them: a 150 ms read
 * timeout pushed back by data arriving every 50 ms (no timeout while data
 * flows, BEV_EVENT_TIMEOUT|READING once it stops, reading then disabled), a
 * zero timeval meaning "no timeout", set_timeouts changed while enabled, a
 * write timeout that does not fire while the output is empty, and the
 * program re-enabling reading from the event callback to keep waiting.
 * Deadlines are at least 50 ms apart. */
#include "scenario.h"
#include "bev_common.h"

static struct event_base *base;
static struct bufferevent *bev;
static int peer, sends, timeouts;
static struct event *sender;

static void read_cb(struct bufferevent *b, void *ctx) {
  char buf[64];
  size_t n = bufferevent_read(b, buf, sizeof buf);
  (void)ctx;
  LOG("  read %zu", n);
}

static void event_cb(struct bufferevent *b, short what, void *ctx) {
  (void)ctx;
  ++timeouts;
  LOG("  event %s enabled=%s", bev_what(what), flags_str(bufferevent_get_enabled(b)));
  if (timeouts == 2) {
    LOG("  re-enable READ from the event callback=%d", bufferevent_enable(b, EV_READ));
  }
}

static void sender_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  send_bytes(peer, "k");
  if (++sends == 3) CHECK(event_del(sender) == 0);
}

int main(void) {
  int pair[2];
  struct timeval read_tv = ms(150), zero = ms(0), write_tv = ms(60), every = ms(50);
  base = new_base();
  make_pair(pair);
  peer = pair[1];
  bev = bufferevent_socket_new(base, pair[0], BEV_OPT_CLOSE_ON_FREE);
  CHECK(bev != NULL);
  bufferevent_setcb(bev, read_cb, NULL, event_cb, NULL);

  LOG("== data every 50 ms three times, then silence (timeout 150 ms)");
  CHECK(bufferevent_set_timeouts(bev, &read_tv, NULL) == 0);
  CHECK(bufferevent_enable(bev, EV_READ) == 0);
  sender = event_new(base, -1, EV_PERSIST, sender_cb, NULL);
  CHECK(event_add(sender, &every) == 0);
  run_for(base, 650);
  LOG("timeouts=%d enabled=%s", timeouts, flags_str(bufferevent_get_enabled(bev)));

  LOG("== a zero timeval: no timeout");
  CHECK(bufferevent_set_timeouts(bev, &zero, &zero) == 0);
  CHECK(bufferevent_enable(bev, EV_READ) == 0);
  run_for(base, 200);
  LOG("timeouts=%d", timeouts);

  LOG("== write timeout with an empty output, read timeout re-armed by the event callback");
  read_tv = ms(100);
  CHECK(bufferevent_set_timeouts(bev, &read_tv, &write_tv) == 0);
  CHECK(bufferevent_enable(bev, EV_WRITE) == 0);
  run_for(base, 450);
  LOG("timeouts=%d enabled=%s", timeouts, flags_str(bufferevent_get_enabled(bev)));

  LOG("== set_timeouts(NULL, NULL) while enabled");
  CHECK(bufferevent_enable(bev, EV_READ) == 0);
  CHECK(bufferevent_set_timeouts(bev, NULL, NULL) == 0);
  run_for(base, 200);
  LOG("timeouts=%d", timeouts);
  event_free(sender);
  bufferevent_free(bev);
  close(peer);
  event_base_free(base);
  return 0;
}
