/* Bufferevent watermarks when the program set no callback for them, as a
 * server that only reads from the event callback or polls its input does:
 * a read high watermark with a NULL read callback (reading stops at the mark;
 * the program drains from elsewhere and reading resumes), a write low
 * watermark with a NULL write callback, callbacks cleared with
 * bufferevent_setcb(NULL, NULL, NULL) while data and EOF arrive, and
 * bufferevent_getwatermark. */
#include "scenario.h"
#include "bev_common.h"

static struct event_base *base;
static int event_calls;

static void only_event_cb(struct bufferevent *bev, short what, void *ctx) {
  (void)ctx;
  ++event_calls;
  LOG("  event cb: %s input=%zu", bev_what(what), evbuffer_get_length(bufferevent_get_input(bev)));
}

static void show_wm(struct bufferevent *bev, short which) {
  size_t low = 99, high = 99;
  int r = bufferevent_getwatermark(bev, which, &low, &high);
  LOG("  getwatermark(%s)=%d low=%zu high=%zu", which == EV_READ ? "READ" : which == EV_WRITE ? "WRITE" : "BOTH", r,
      low, high);
}

int main(void) {
  int pair[2];
  struct bufferevent *bev;
  char junk[64];
  int i;
  size_t got;
  base = new_base();
  make_pair(pair);

  LOG("== read high watermark, no read callback");
  bev = bufferevent_socket_new(base, pair[0], BEV_OPT_CLOSE_ON_FREE);
  CHECK(bev != NULL);
  bufferevent_setcb(bev, NULL, NULL, only_event_cb, NULL);
  show_wm(bev, EV_READ);
  bufferevent_setwatermark(bev, EV_READ, 4, 10);
  bufferevent_setwatermark(bev, EV_WRITE, 3, 0);
  show_wm(bev, EV_READ);
  show_wm(bev, EV_WRITE);
  show_wm(bev, EV_READ | EV_WRITE);
  CHECK(bufferevent_enable(bev, EV_READ) == 0);
  memset(junk, 'j', sizeof junk);
  CHECK(write(pair[1], junk, 25) == 25);
  run_for(base, 40);
  LOG("input stops at the mark: %zu", evbuffer_get_length(bufferevent_get_input(bev)));
  for (i = 0; i < 3; ++i) {
    CHECK(evbuffer_drain(bufferevent_get_input(bev), 6) == 0);
    run_for(base, 30);
    LOG("drained 6 from outside: input=%zu", evbuffer_get_length(bufferevent_get_input(bev)));
  }
  CHECK(evbuffer_drain(bufferevent_get_input(bev), 100) == 0);
  run_for(base, 30);
  LOG("drained all: input=%zu", evbuffer_get_length(bufferevent_get_input(bev)));

  LOG("== write low watermark, no write callback");
  CHECK(bufferevent_enable(bev, EV_WRITE) == 0);
  CHECK(bufferevent_write(bev, "0123456789", 10) == 0);
  run_for(base, 30);
  got = (size_t)read(pair[1], junk, sizeof junk);
  LOG("peer got %zu; output=%zu", got, evbuffer_get_length(bufferevent_get_output(bev)));

  LOG("== all callbacks NULL, data then EOF");
  bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
  bufferevent_setwatermark(bev, EV_READ, 0, 0);
  send_bytes(pair[1], "unread data");
  close(pair[1]);
  run_for(base, 40);
  LOG("input=%zu enabled=%s event calls=%d", evbuffer_get_length(bufferevent_get_input(bev)),
      flags_str(bufferevent_get_enabled(bev)), event_calls);
  bufferevent_free(bev);
  event_base_free(base);
  return 0;
}
