/* event2/bufferevent_struct.h: old code reads bev->input, bev->output,
 * bev->enabled, the watermarks, callbacks and timeouts directly. Prints the
 * fields' offsets (libevent's layout: input after two whole struct events)
 * and what the fields hold after each bufferevent_* call and inside the
 * callbacks, compared with the getters. Never pointers. */
#include <event.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <stddef.h>

#include "scenario.h"

static struct event_base *base;
static int peer;

#define OFF(f) LOG("offsetof(%s) = %zu", #f, offsetof(struct bufferevent, f))

static void show(const char *when, struct bufferevent *bev) {
  LOG("%s: base=%d input=%d output=%d enabled=%s get_enabled=%s in=%zu out=%zu", when, bev->ev_base == base,
      bev->input == bufferevent_get_input(bev), bev->output == bufferevent_get_output(bev), flags_str(bev->enabled),
      flags_str(bufferevent_get_enabled(bev)), evbuffer_get_length(bev->input), evbuffer_get_length(bev->output));
}

static void read_cb(struct bufferevent *bev, void *arg) {
  char buf[64];
  size_t n;
  show("read_cb", bev);
  LOG("  cbarg=%s readcb=%d", (const char *)arg, bev->readcb == read_cb);
  n = evbuffer_remove(bev->input, buf, sizeof buf - 1);
  buf[n] = '\0';
  LOG("  got '%s'", buf);
  CHECK(evbuffer_add(bev->output, "pong", 4) == 0);
  bufferevent_enable(bev, EV_WRITE);
  show("  enable WRITE in read_cb", bev);
}

static void write_cb(struct bufferevent *bev, void *arg) {
  char buf[16];
  ssize_t n;
  (void)arg;
  show("write_cb", bev);
  n = read(peer, buf, sizeof buf);
  LOG("  peer read %zd", n);
  shutdown(peer, SHUT_WR);
}

static void event_cb(struct bufferevent *bev, short what, void *arg) {
  (void)arg;
  LOG("event_cb what=0x%x", what);
  show("event_cb", bev);
  event_base_loopexit(base, NULL);
}

int main(void) {
  struct bufferevent *bev;
  struct timeval rt = {5, 250000}, wt = {7, 0};
  int sv[2];

  LOG("sizeof(struct event) = %zu", sizeof(struct event));
  LOG("sizeof(struct bufferevent) = %zu", sizeof(struct bufferevent));
  LOG("sizeof(struct event_watermark) = %zu", sizeof(struct event_watermark));
  OFF(ev_base);
  OFF(be_ops);
  OFF(ev_read);
  OFF(ev_write);
  OFF(input);
  OFF(output);
  OFF(wm_read);
  OFF(wm_write);
  OFF(readcb);
  OFF(writecb);
  OFF(errorcb);
  OFF(cbarg);
  OFF(timeout_read);
  OFF(timeout_write);
  OFF(enabled);

  base = new_base();
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  peer = sv[1];
  evutil_make_socket_nonblocking(sv[0]);
  evutil_make_socket_nonblocking(sv[1]);
  bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  CHECK(bev != NULL);
  show("new", bev);
  LOG("readcb set=%d errorcb set=%d cbarg set=%d", bev->readcb != NULL, bev->errorcb != NULL, bev->cbarg != NULL);

  bufferevent_setcb(bev, read_cb, write_cb, event_cb, "arg");
  LOG("after setcb: readcb=%d writecb=%d errorcb=%d cbarg=%s", bev->readcb == read_cb, bev->writecb == write_cb,
      bev->errorcb == event_cb, (const char *)bev->cbarg);

  bufferevent_enable(bev, EV_READ);
  show("enable READ", bev);
  bufferevent_disable(bev, EV_WRITE);
  show("disable WRITE", bev);
  bufferevent_enable(bev, EV_WRITE | EV_PERSIST);
  show("enable WRITE|PERSIST", bev);

  bufferevent_setwatermark(bev, EV_READ, 2, 100);
  bufferevent_setwatermark(bev, EV_WRITE, 1, 0);
  LOG("wm_read=%zu/%zu wm_write=%zu/%zu", bev->wm_read.low, bev->wm_read.high, bev->wm_write.low, bev->wm_write.high);
  bufferevent_setwatermark(bev, EV_READ | EV_WRITE, 0, 0);
  LOG("wm cleared: wm_read=%zu/%zu wm_write=%zu/%zu", bev->wm_read.low, bev->wm_read.high, bev->wm_write.low,
      bev->wm_write.high);

  LOG("timeouts before: %ld.%06ld %ld.%06ld", (long)bev->timeout_read.tv_sec, (long)bev->timeout_read.tv_usec,
      (long)bev->timeout_write.tv_sec, (long)bev->timeout_write.tv_usec);
  bufferevent_set_timeouts(bev, &rt, &wt);
  LOG("timeouts set: %ld.%06ld %ld.%06ld", (long)bev->timeout_read.tv_sec, (long)bev->timeout_read.tv_usec,
      (long)bev->timeout_write.tv_sec, (long)bev->timeout_write.tv_usec);
  bufferevent_set_timeouts(bev, NULL, &wt);
  LOG("read timeout cleared: %ld.%06ld %ld.%06ld", (long)bev->timeout_read.tv_sec, (long)bev->timeout_read.tv_usec,
      (long)bev->timeout_write.tv_sec, (long)bev->timeout_write.tv_usec);

  bufferevent_disable(bev, EV_WRITE); /* read first: the write callback comes after the reply */
  show("disable WRITE again", bev);
  CHECK(write(peer, "ping", 4) == 4);
  event_base_dispatch(base);
  show("after loop", bev);

  bufferevent_free(bev);
  close(peer);
  event_base_free(base);
  LOG("done");
  return 0;
}
