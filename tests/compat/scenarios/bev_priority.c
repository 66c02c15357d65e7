/* Bufferevent priorities, as a server that serves its control connection
 * before bulk connections does: three bufferevents with data waiting in the
 * same loop iteration, priorities 2 (bulk), 0 (control) and 1, so their read
 * callbacks run control first whatever the creation order; get_priority;
 * priority_set to an invalid queue fails; and the write callbacks follow the
 * same order. */
#include "scenario.h"
#include "bev_common.h"

static struct event_base *base;

static void read_cb(struct bufferevent *bev, void *ctx) {
  size_t n = evbuffer_get_length(bufferevent_get_input(bev));
  LOG("  read %s (priority %d): %zu bytes", (const char *)ctx, bufferevent_get_priority(bev), n);
  evbuffer_drain(bufferevent_get_input(bev), n);
  CHECK(bufferevent_write(bev, "ack", 3) == 0);
}

static void write_cb(struct bufferevent *bev, void *ctx) {
  LOG("  write %s (priority %d) flushed", (const char *)ctx, bufferevent_get_priority(bev));
}

int main(void) {
  static const char *names[3] = {"bulk", "control", "normal"};
  static const int prios[3] = {2, 0, 1};
  int pairs[3][2], i;
  struct bufferevent *bev[3];
  char buf[16];
  base = new_base();
  CHECK(event_base_priority_init(base, 3) == 0);
  for (i = 0; i < 3; ++i) {
    make_pair(pairs[i]);
    bev[i] = bufferevent_socket_new(base, pairs[i][0], BEV_OPT_CLOSE_ON_FREE);
    CHECK(bev[i] != NULL);
    LOG("%s: default priority=%d", names[i], bufferevent_get_priority(bev[i]));
    LOG("%s: priority_set(%d)=%d", names[i], prios[i], bufferevent_priority_set(bev[i], prios[i]));
    bufferevent_setcb(bev[i], read_cb, write_cb, NULL, (void *)names[i]);
    CHECK(bufferevent_enable(bev[i], EV_READ | EV_WRITE) == 0);
  }
  LOG("priority_set(3)=%d priority now=%d", bufferevent_priority_set(bev[0], 3), bufferevent_get_priority(bev[0]));
  for (i = 0; i < 3; ++i) send_bytes(pairs[i][1], "request");
  LOG("round 1:");
  LOG("  loop=%d", event_base_loop(base, EVLOOP_ONCE));
  LOG("round 2:");
  LOG("  loop=%d", event_base_loop(base, EVLOOP_ONCE));
  for (i = 0; i < 3; ++i) LOG("%s peer got %d bytes", names[i], (int)read(pairs[i][1], buf, sizeof buf));
  for (i = 0; i < 3; ++i) {
    bufferevent_free(bev[i]);
    close(pairs[i][1]);
  }
  event_base_free(base);
  return 0;
}
