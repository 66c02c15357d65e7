/* Moving a bufferevent to another base (bufferevent_base_set), as threaded
 * servers do: the bufferevent is made on one base (bufferevent_new on the
 * event_init base, or bufferevent_socket_new), moved to a worker's base
 * before it is enabled, and only that base's loop runs its callbacks. Moving
 * an enabled bufferevent, or a pair, is refused; the same base is a no-op. */
#include "scenario.h"
#include "bev_common.h"

static void read_cb(struct bufferevent *bev, void *ctx) {
  char text[64] = {0};
  size_t n = bufferevent_read(bev, text, sizeof text - 1);
  LOG("  read_cb on the %s base: %zu bytes [%s]", bufferevent_get_base(bev) == ctx ? "worker's" : "other", n, text);
}

static void write_cb(struct bufferevent *bev, void *ctx) {
  (void)ctx;
  LOG("  write_cb: output %zu", evbuffer_get_length(bufferevent_get_output(bev)));
}

static void moved(const char *title, struct event_base *from, struct event_base *worker) {
  int pair[2];
  char back[16] = {0};
  LOG("== %s", title);
  make_pair(pair);
  struct bufferevent *bev = bufferevent_socket_new(from, pair[0], BEV_OPT_CLOSE_ON_FREE);
  CHECK(bev != NULL);
  bufferevent_setcb(bev, read_cb, write_cb, NULL, worker);
  LOG("  base_set to the same base=%d", bufferevent_base_set(from, bev));
  const int rc = bufferevent_base_set(worker, bev);
  LOG("  base_set to the worker's=%d, now on the worker's=%d", rc, bufferevent_get_base(bev) == worker);
  CHECK(bufferevent_enable(bev, EV_READ | EV_WRITE) == 0);
  send_bytes(pair[1], "ping");
  LOG("  the first base's loop: %d (nothing of the bufferevent's)", event_base_loop(from, EVLOOP_NONBLOCK));
  run_for(worker, 30);
  CHECK(bufferevent_write(bev, "pong", 4) == 0);
  run_for(worker, 30);
  LOG("  peer got [%s]", recv(pair[1], back, sizeof back - 1, MSG_DONTWAIT) > 0 ? back : "(nothing)");
  /* (Last: a refused move leaves libevent's bufferevent_get_base naming the
   * base it was refused.) */
  LOG("  base_set while enabled=%d", bufferevent_base_set(from, bev));
  bufferevent_free(bev);
  close(pair[1]);
}

int main(void) {
  struct event_base *first = new_base();
  struct event_base *worker = new_base();
  moved("bufferevent_socket_new on one base, moved to another", first, worker);
  struct bufferevent *halves[2];
  CHECK(bufferevent_pair_new(first, 0, halves) == 0);
  LOG("== a pair");
  LOG("  base_set of a pair's half=%d", bufferevent_base_set(worker, halves[0]));
  bufferevent_free(halves[0]);
  bufferevent_free(halves[1]);
  event_base_free(worker);
  event_base_free(first);
  return 0;
}
