/* Timer precision: how late do one-shot timers fire?
 *
 * Written once against the libevent 2.1 API. Built against ReactorScope's compat
 * layer (epoll_pwait2: nanosecond timeouts) and against Debian's libevent, where
 * the default epoll backend rounds timeouts up to whole milliseconds and
 * EVENT_BASE_FLAG_PRECISE_TIMER switches to a timerfd. Prints lateness
 * percentiles (callback time minus deadline, CLOCK_MONOTONIC) and the number of
 * timers that fired early (must be 0). libevent measures a timeout from its
 * cached loop time, which can be older than our deadline stamp, so its "early"
 * count reflects that clock choice rather than a timer firing before its time.
 * `precise` asks for EVENT_BASE_FLAG_PRECISE_TIMER: libevent then uses a timerfd;
 * ReactorScope keeps epoll_pwait2 and drops the loop thread's timer slack to 1 ns.
 *
 *   bench_timer_<build> [count] [precise]      count defaults to 2000
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sample {
  struct event *ev;
  long long deadline_ns;
  long long fired_ns;
};

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_timer(evutil_socket_t fd, short what, void *arg) {
  struct sample *s = arg;
  (void)fd;
  (void)what;
  s->fired_ns = now_ns();
}

static int cmp_ll(const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  int count = argc > 1 ? atoi(argv[1]) : 2000;
  int precise = argc > 2 && strcmp(argv[2], "precise") == 0;
  if (count < 1 || count > 1000000) {
    fprintf(stderr, "bench_timer: count must be in 1..1000000\n");
    return 2;
  }
  struct event_config *cfg = event_config_new();
  if (precise) event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
  struct event_base *base = event_base_new_with_config(cfg);
  event_config_free(cfg);
  if (!base) {
    fprintf(stderr, "bench_timer: cannot create event_base\n");
    return 1;
  }
  struct sample *samples = calloc((size_t)count, sizeof *samples);
  long long *late = calloc((size_t)count, sizeof *late);
  unsigned seed = 12345;
  /* Timers are spread over 0.05..2.05 ms and run in batches of 50 so each wait
   * has a sub-millisecond timeout to honour. */
  int early = 0;
  for (int start = 0; start < count; start += 50) {
    int end = start + 50 < count ? start + 50 : count;
    for (int i = start; i < end; ++i) {
      seed = seed * 1103515245u + 12345u;
      long us = 50 + (long)((seed >> 8) % 2000);
      struct timeval tv = {0, us};
      samples[i].ev = evtimer_new(base, on_timer, &samples[i]);
      samples[i].deadline_ns = now_ns() + us * 1000LL;
      evtimer_add(samples[i].ev, &tv);
    }
    event_base_dispatch(base);
    for (int i = start; i < end; ++i) {
      late[i] = samples[i].fired_ns - samples[i].deadline_ns;
      /* The deadline was taken just before event_add, so a fired time before
       * it means the timer was early by at least the add's own duration. */
      if (late[i] < 0) ++early;
      event_free(samples[i].ev);
    }
  }
  qsort(late, (size_t)count, sizeof *late, cmp_ll);
  printf("%-28s timers=%d  lateness us: p50=%.1f p90=%.1f p99=%.1f max=%.1f  early=%d\n",
         event_base_get_method(base), count, (double)late[count / 2] / 1e3,
         (double)late[count * 9 / 10] / 1e3, (double)late[count * 99 / 100] / 1e3,
         (double)late[count - 1] / 1e3, early);
  free(late);
  free(samples);
  event_base_free(base);
  return 0;
}
