/* Pipe-chain dispatch benchmark, written once against the libevent 2.1 C API and
 * built against ReactorScope's compat library and against Debian's libevent.
 * The method of libevent's classic test/bench.c: N socketpairs, A of them primed
 * with one byte; each read callback reads its byte and writes one to the next
 * pair until W bytes were forwarded; R rounds, each timed.
 *
 *   bench_dispatch [-n N] [-a A] [-w W] [-r R] [-t]
 *
 * -t (ReactorScope build only) switches the engine's tracing on and runs a reader
 * thread that drains the trace ring, as the GUI would.
 * Prints one line of key=value figures; never asserts anything. */
#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#ifdef REACTORSCOPE_TRACE_READER
#include <pthread.h>
#include <reactorscope/trace.h>
#include <time.h>
#endif

static int num_pipes = 1000, num_active = 100, num_writes = 10000;
static evutil_socket_t *pipes;
static struct event *events;
static struct event_base *base;
static long count, writes, fired, failures;

static void read_cb(evutil_socket_t fd, short which, void *arg) {
  intptr_t idx = (intptr_t)arg, widx = idx + 1;
  unsigned char ch;
  ssize_t n;
  (void)which;
  n = recv(fd, (char *)&ch, sizeof(ch), 0);
  if (n >= 0)
    count += n;
  else
    failures++;
  if (writes) {
    if (widx >= num_pipes) widx -= num_pipes;
    n = send(pipes[2 * widx + 1], "e", 1, 0);
    if (n != 1) failures++;
    writes--;
    fired++;
  }
}

static double run_once(void) {
  evutil_socket_t *cp;
  long i, space;
  struct timeval ts, te;

  for (cp = pipes, i = 0; i < num_pipes; i++, cp += 2) {
    if (event_initialized(&events[i])) event_del(&events[i]);
    event_assign(&events[i], base, cp[0], EV_READ | EV_PERSIST, read_cb, (void *)(intptr_t)i);
    event_add(&events[i], NULL);
  }
  event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);

  fired = 0;
  space = num_pipes / num_active;
  space = space * 2;
  for (i = 0; i < num_active; i++, fired++) (void)send(pipes[i * space + 1], "e", 1, 0);

  count = 0;
  writes = num_writes;
  evutil_gettimeofday(&ts, NULL);
  do {
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  } while (count != fired);
  evutil_gettimeofday(&te, NULL);
  evutil_timersub(&te, &ts, &te);
  return (double)te.tv_sec * 1e6 + (double)te.tv_usec;
}

#ifdef REACTORSCOPE_TRACE_READER
static volatile int reader_stop;
static uint64_t records_read;

/* Drains in batches; naps 200 us when the ring was (nearly) empty, as a GUI
 * timer would, instead of spinning on a shared core. */
static void *reader_main(void *arg) {
  static struct reactorscope_trace_record batch[4096];
  struct timespec nap = {0, 200000};
  (void)arg;
  for (;;) {
    int stop = __atomic_load_n(&reader_stop, __ATOMIC_ACQUIRE);
    size_t n = reactorscope_trace_drain(base, batch, 4096);
    records_read += n;
    if (n == 0 && stop) break;
    if (n < 4096) nanosleep(&nap, NULL);
  }
  return NULL;
}
#endif

int main(int argc, char **argv) {
  struct rlimit rl;
  int i, c, rounds = 25, tracing = 0;
  double best = 0, total = 0;
#ifdef REACTORSCOPE_TRACE_READER
  pthread_t reader;
#endif

  while ((c = getopt(argc, argv, "n:a:w:r:t")) != -1) {
    switch (c) {
      case 'n': num_pipes = atoi(optarg); break;
      case 'a': num_active = atoi(optarg); break;
      case 'w': num_writes = atoi(optarg); break;
      case 'r': rounds = atoi(optarg); break;
      case 't': tracing = 1; break;
      default:
        fprintf(stderr, "usage: %s [-n pipes] [-a active] [-w writes] [-r rounds] [-t]\n", argv[0]);
        return 1;
    }
  }
#ifndef REACTORSCOPE_TRACE_READER
  if (tracing) {
    fprintf(stderr, "-t: tracing exists only in the ReactorScope build\n");
    return 1;
  }
#endif

  /* Raise only the soft limit: valgrind forbids touching the hard one. */
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)num_pipes * 2 + 50) {
    rl.rlim_cur = (rlim_t)num_pipes * 2 + 50;
    if (rl.rlim_cur > rl.rlim_max) rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
      fprintf(stderr, "setrlimit(RLIMIT_NOFILE, %ld): %s\n", (long)rl.rlim_cur, strerror(errno));
      return 1;
    }
  }

  events = calloc((size_t)num_pipes, sizeof(struct event));
  pipes = calloc((size_t)num_pipes * 2, sizeof(evutil_socket_t));
  if (events == NULL || pipes == NULL) {
    perror("calloc");
    return 1;
  }
  base = event_base_new();
  if (!base) {
    fprintf(stderr, "event_base_new failed\n");
    return 1;
  }
  for (i = 0; i < num_pipes; i++) {
    if (evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, &pipes[i * 2]) == -1) {
      perror("socketpair");
      return 1;
    }
  }
#ifdef REACTORSCOPE_TRACE_READER
  if (tracing) {
    reactorscope_set_tracing(base, 1);
    if (pthread_create(&reader, NULL, reader_main, NULL) != 0) {
      fprintf(stderr, "pthread_create failed\n");
      return 1;
    }
  }
#endif

  for (i = 0; i < rounds; i++) {
    double us = run_once();
    if (i == 0 || us < best) best = us;
    total += us;
  }

  printf("method=%s tracing=%d pipes=%d active=%d writes=%d rounds=%d events_per_round=%ld best_us=%.0f mean_us=%.0f failures=%ld",
         event_base_get_method(base), tracing, num_pipes, num_active, num_writes, rounds, fired, best,
         total / rounds, failures);
#ifdef REACTORSCOPE_TRACE_READER
  if (tracing) {
    __atomic_store_n(&reader_stop, 1, __ATOMIC_RELEASE);
    pthread_join(reader, NULL);
    printf(" records=%llu dropped=%llu ring=%zu", (unsigned long long)records_read,
           (unsigned long long)reactorscope_trace_dropped(base), reactorscope_trace_capacity(base));
  }
#endif
  printf("\n");
  return 0;
}
