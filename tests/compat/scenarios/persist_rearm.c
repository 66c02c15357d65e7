/* A PERSIST timer whose period a program changes with event_add, as a
 * heartbeat with back-off does: event_add from inside its own callback with a
 * longer interval (the new interval counts from now and becomes the period),
 * event_add(NULL) on a PERSIST fd event with a timeout (the timeout stays),
 * event_del + event_add without a timeout (the timeout is gone), and an
 * idle-timeout PERSIST fd event re-armed by each read. Deadlines are at least
 * 40 ms apart. */
#include "scenario.h"

static struct event_base *base;
static struct event *beat, *idle, *stop;
static int beats, pair[2];
static long period_ms = 40;

static void beat_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  ++beats;
  LOG("beat #%d what=%s period=%ld", beats, flags_str(what), period_ms);
  if (beats == 2 || beats == 4) {
    struct timeval tv;
    period_ms *= 2;
    tv = ms(period_ms);
    LOG("  back off to %ld: event_add=%d", period_ms, event_add(beat, &tv));
    LOG("  pending=%s", pending_str(beat));
  }
  if (beats == 6) {
    LOG("  event_add(NULL)=%d", event_add(beat, NULL));
    LOG("  keeps the timeout: pending=%s", pending_str(beat));
  }
  if (beats == 7) {
    CHECK(event_del(beat) == 0);
    LOG("  del then add(NULL)=%d", event_add(beat, NULL));
    LOG("  pending=%s", pending_str(beat));
  }
}

static int idle_calls;
static void idle_cb(evutil_socket_t fd, short what, void *arg) {
  (void)arg;
  ++idle_calls;
  if (what & EV_READ) read_one(fd);
  LOG("idle #%d what=%s", idle_calls, flags_str(what));
  if (idle_calls == 3) {
    struct timeval tv = ms(60);
    LOG("  shorten idle timeout to 60: %d", event_add(idle, &tv));
  }
  if (idle_calls == 5) CHECK(event_del(idle) == 0);
}

static int sends;
static void sender_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  ++sends;
  send_bytes(pair[1], "s");
  if (sends == 2) CHECK(event_del(stop) == 0);
}

int main(void) {
  struct timeval tv;
  int rc;
  base = new_base();
  make_pair(pair);
  beat = event_new(base, -1, EV_PERSIST, beat_cb, NULL);
  tv = ms(period_ms);
  CHECK(event_add(beat, &tv) == 0);
  rc = event_base_dispatch(base);
  LOG("heartbeat dispatch=%d beats=%d pending=%s", rc, beats, pending_str(beat));

  /* idle timeout 150 ms, re-armed by data every 50 ms twice, then it expires */
  idle = event_new(base, pair[0], EV_READ | EV_PERSIST, idle_cb, NULL);
  tv = ms(150);
  CHECK(event_add(idle, &tv) == 0);
  stop = event_new(base, -1, EV_PERSIST, sender_cb, NULL);
  tv = ms(50);
  CHECK(event_add(stop, &tv) == 0);
  rc = event_base_dispatch(base);
  LOG("idle dispatch=%d sends=%d", rc, sends);
  event_free(beat);
  event_free(idle);
  event_free(stop);
  event_base_free(base);
  close(pair[0]);
  close(pair[1]);
  return 0;
}
