/* event_del of OTHER events from inside a callback, as a connection teardown
 * does: an active event deleted before its turn (its callback does not run),
 * an event both pending on I/O and active deleted, a pending timer deleted, an
 * active event deleted and re-added as a timer in the same callback (it runs
 * when the timer fires, not in this round), and a PERSIST read event deleting its own write partner. */
#include "scenario.h"

static struct event_base *base;
static struct event *ev[6];
static const char *names[6] = {"killer", "victim-active", "victim-io", "survivor", "timer", "readded"};
static int pair[2];

static void cb(evutil_socket_t fd, short what, void *arg) {
  int i = (int)(intptr_t)arg;
  (void)fd;
  LOG("%s what=%s", names[i], flags_str(what));
  if (i == 0) {
    int k;
    struct timeval later = ms(40);
    LOG("  del victim-active=%d", event_del(ev[1]));
    LOG("  del victim-io=%d", event_del(ev[2]));
    LOG("  del timer=%d", event_del(ev[4]));
    LOG("  del readded=%d", event_del(ev[5]));
    LOG("  re-add readded with 40 ms=%d", event_add(ev[5], &later));
    LOG("  del victim-active again=%d", event_del(ev[1]));
    for (k = 1; k < 6; ++k) LOG("  %s pending=%s", names[k], pending_str(ev[k]));
  }
}

static struct event *reader, *writer;
static int reads;

static void writer_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  LOG("writer what=%s", flags_str(what));
}

static void reader_cb(evutil_socket_t fd, short what, void *arg) {
  (void)arg;
  ++reads;
  read_one(fd);
  LOG("reader #%d what=%s writer pending=%s", reads, flags_str(what), pending_str(writer));
  if (reads == 1) LOG("  reader deletes writer=%d", event_del(writer));
  if (reads == 2) LOG("  reader deletes itself=%d", event_del(reader));
}

int main(void) {
  struct timeval tv = ms(30);
  int i, rc;
  base = new_base();
  make_pair(pair);
  for (i = 0; i < 6; ++i) ev[i] = event_new(base, i == 2 ? pair[0] : -1, i == 2 ? EV_READ | EV_PERSIST : 0, cb,
                                            (void *)(intptr_t)i);
  CHECK(event_add(ev[2], NULL) == 0);
  CHECK(event_add(ev[4], &tv) == 0);
  for (i = 0; i < 6; ++i)
    if (i != 4) event_active(ev[i], EV_TIMEOUT, 1);
  rc = event_base_dispatch(base);
  LOG("dispatch=%d", rc);
  for (i = 0; i < 6; ++i) LOG("%s pending=%s", names[i], pending_str(ev[i]));

  /* the write partner: reader and writer on one socket, both PERSIST */
  reader = event_new(base, pair[0], EV_READ | EV_PERSIST, reader_cb, NULL);
  writer = event_new(base, pair[0], EV_WRITE | EV_PERSIST, writer_cb, NULL);
  CHECK(event_add(reader, NULL) == 0);
  CHECK(event_add(writer, NULL) == 0);
  send_bytes(pair[1], "ab");
  rc = event_base_loop(base, EVLOOP_ONCE);
  LOG("once=%d", rc);
  rc = event_base_dispatch(base);
  LOG("dispatch=%d reader=%s writer=%s", rc, pending_str(reader), pending_str(writer));
  for (i = 0; i < 6; ++i) event_free(ev[i]);
  event_free(reader);
  event_free(writer);
  event_base_free(base);
  close(pair[0]);
  close(pair[1]);
  return 0;
}
