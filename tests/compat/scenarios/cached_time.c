/* event_base_gettimeofday_cached as a logging callback uses it to stamp
 * entries cheaply: outside the loop it reads the clock; inside a callback it
 * returns the time cached when the loop woke (unchanged across a 30 ms busy
 * wait), event_base_update_cache_time refreshes it (and does nothing outside
 * the loop), a base built with EVENT_BASE_FLAG_NO_CACHE_TIME always reads the
 * clock. Only comparisons are printed, never times. */
#include <sys/time.h>

#include "scenario.h"

static long diff_ms(const struct timeval *later, const struct timeval *earlier) {
  return (long)(later->tv_sec - earlier->tv_sec) * 1000 + (long)(later->tv_usec - earlier->tv_usec) / 1000;
}

static void busy_wait_ms(long wait_ms) {
  struct timeval start, now;
  gettimeofday(&start, NULL);
  do gettimeofday(&now, NULL);
  while (diff_ms(&now, &start) < wait_ms);
}

static void stamp_cb(evutil_socket_t fd, short what, void *arg) {
  struct event_base *b = arg;
  struct timeval first, second, third, real;
  (void)fd;
  (void)what;
  CHECK(event_base_gettimeofday_cached(b, &first) == 0);
  busy_wait_ms(30);
  CHECK(event_base_gettimeofday_cached(b, &second) == 0);
  gettimeofday(&real, NULL);
  LOG("  in callback: after 30 ms the cached time moved: %d", diff_ms(&second, &first) != 0);
  LOG("  update_cache_time=%d", event_base_update_cache_time(b));
  CHECK(event_base_gettimeofday_cached(b, &third) == 0);
  LOG("  after update: moved >= 20 ms: %d; within 1 s of the real clock: %d", diff_ms(&third, &first) >= 20,
      labs(diff_ms(&third, &real)) < 1000);
}

static void run(struct event_base *b, const char *title) {
  struct event *ev = evtimer_new(b, stamp_cb, b);
  struct timeval tv = ms(10), out, real;
  LOG("%s:", title);
  CHECK(event_base_gettimeofday_cached(b, &out) == 0);
  gettimeofday(&real, NULL);
  LOG("  outside the loop: within 1 s of the clock: %d", labs(diff_ms(&real, &out)) < 1000);
  LOG("  update_cache_time outside the loop=%d", event_base_update_cache_time(b));
  CHECK(evtimer_add(ev, &tv) == 0);
  LOG("  dispatch=%d", event_base_dispatch(b));
  event_free(ev);
}

int main(void) {
  struct event_base *base = new_base();
  struct event_config *cfg = event_config_new();
  struct event_base *uncached;
  run(base, "default base");
  CHECK(event_config_set_flag(cfg, EVENT_BASE_FLAG_NO_CACHE_TIME) == 0);
  uncached = event_base_new_with_config(cfg);
  CHECK(uncached != NULL);
  run(uncached, "NO_CACHE_TIME base");
  event_config_free(cfg);
  event_base_free(uncached);
  event_base_free(base);
  return 0;
}
