/* Bufferevent priorities set after bufferevent_enable(), the order many
 * servers write (enable, then priority_set): the call succeeds although the
 * write side was just enabled, and the first round's write callbacks run in
 * priority order; the same after bufferevent_setfd; a pair's bufferevent
 * refuses a priority (libevent 2.1 sets it on socket bufferevents only). */
#include "scenario.h"
#include "bev_common.h"

static void write_cb(struct bufferevent *bev, void *ctx) {
  LOG("  write %s (priority %d) flushed", (const char *)ctx, bufferevent_get_priority(bev));
}

int main(void) {
  static const char *names[3] = {"bulk", "control", "normal (setfd)"};
  static const int prios[3] = {2, 0, 1};
  int pairs[3][2], i;
  struct bufferevent *bev[3], *pair[2];
  char buf[16];
  struct event_base *base = new_base();
  CHECK(event_base_priority_init(base, 3) == 0);
  for (i = 0; i < 3; ++i) {
    const int late_fd = i == 2;
    make_pair(pairs[i]);
    bev[i] = bufferevent_socket_new(base, late_fd ? -1 : pairs[i][0], BEV_OPT_CLOSE_ON_FREE);
    CHECK(bev[i] != NULL);
    bufferevent_setcb(bev[i], NULL, write_cb, NULL, (void *)names[i]);
    CHECK(bufferevent_write(bev[i], "reply", 5) == 0);
    CHECK(bufferevent_enable(bev[i], EV_WRITE) == 0);
    if (late_fd) LOG("%s: setfd=%d", names[i], bufferevent_setfd(bev[i], pairs[i][0]));
    {
      const int rc = bufferevent_priority_set(bev[i], prios[i]);
      LOG("%s: priority_set(%d)=%d priority now=%d", names[i], prios[i], rc, bufferevent_get_priority(bev[i]));
    }
  }
  LOG("round 1:");
  LOG("  loop=%d", event_base_loop(base, EVLOOP_ONCE));
  for (i = 0; i < 3; ++i) LOG("%s peer got %d bytes", names[i], (int)read(pairs[i][1], buf, sizeof buf));

  CHECK(bufferevent_pair_new(base, 0, pair) == 0);
  LOG("pair: default priority=%d", bufferevent_get_priority(pair[0]));
  {
    const int rc = bufferevent_priority_set(pair[0], 2);
    LOG("pair: priority_set(2)=%d priority now=%d", rc, bufferevent_get_priority(pair[0]));
  }
  bufferevent_free(pair[0]);
  bufferevent_free(pair[1]);
  for (i = 0; i < 3; ++i) {
    bufferevent_free(bev[i]);
    close(pairs[i][1]);
  }
  event_base_free(base);
  return 0;
}
