/* The same pipe-chain loop as bench_dispatch.c, on libev (reference figures):
 * N socketpairs, A primed, each read callback forwards one byte to the next pair
 * until W bytes were forwarded; R rounds. Watchers are stopped and re-armed each
 * round, as bench_dispatch.c re-adds its events; each pass is ev_run(NOWAIT).
 *
 *   bench_dispatch_libev [-n N] [-a A] [-w W] [-r R]  */
#include <errno.h>
#include <ev.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct pipe_watcher {
  ev_io io;
  long idx;
};

static int num_pipes = 1000, num_active = 100, num_writes = 10000;
static int *pipes;
static struct pipe_watcher *watchers;
static struct ev_loop *loop;
static long count, writes, fired, failures;

static void read_cb(struct ev_loop *l, ev_io *w, int revents) {
  long widx = ((struct pipe_watcher *)w)->idx + 1;
  unsigned char ch;
  ssize_t n;
  (void)l;
  (void)revents;
  n = recv(w->fd, (char *)&ch, sizeof(ch), 0);
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
  long i, space;
  struct timeval ts, te;
  for (i = 0; i < num_pipes; i++) {
    ev_io_stop(loop, &watchers[i].io);
    ev_io_init(&watchers[i].io, read_cb, pipes[2 * i], EV_READ);
    watchers[i].idx = i;
    ev_io_start(loop, &watchers[i].io);
  }
  ev_run(loop, EVRUN_NOWAIT);

  fired = 0;
  space = num_pipes / num_active;
  space = space * 2;
  for (i = 0; i < num_active; i++, fired++) (void)send(pipes[i * space + 1], "e", 1, 0);

  count = 0;
  writes = num_writes;
  gettimeofday(&ts, NULL);
  do {
    ev_run(loop, EVRUN_NOWAIT);
  } while (count != fired);
  gettimeofday(&te, NULL);
  timersub(&te, &ts, &te);
  return (double)te.tv_sec * 1e6 + (double)te.tv_usec;
}

int main(int argc, char **argv) {
  struct rlimit rl;
  int i, c, rounds = 25;
  double best = 0, total = 0;
  while ((c = getopt(argc, argv, "n:a:w:r:")) != -1) {
    switch (c) {
      case 'n': num_pipes = atoi(optarg); break;
      case 'a': num_active = atoi(optarg); break;
      case 'w': num_writes = atoi(optarg); break;
      case 'r': rounds = atoi(optarg); break;
      default:
        fprintf(stderr, "usage: %s [-n pipes] [-a active] [-w writes] [-r rounds]\n", argv[0]);
        return 1;
    }
  }
  /* Raise only the soft limit: valgrind forbids touching the hard one. */
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)num_pipes * 2 + 50) {
    rl.rlim_cur = (rlim_t)num_pipes * 2 + 50;
    if (rl.rlim_cur > rl.rlim_max) rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
      fprintf(stderr, "setrlimit(RLIMIT_NOFILE, %ld): %s\n", (long)rl.rlim_cur, strerror(errno));
      return 1;
    }
  }
  watchers = calloc((size_t)num_pipes, sizeof(struct pipe_watcher));
  pipes = calloc((size_t)num_pipes * 2, sizeof(int));
  loop = ev_loop_new(EVBACKEND_EPOLL);
  if (!watchers || !pipes || !loop) {
    fprintf(stderr, "setup failed\n");
    return 1;
  }
  for (i = 0; i < num_pipes; i++) {
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, &pipes[i * 2]) == -1) {
      perror("socketpair");
      return 1;
    }
    ev_io_init(&watchers[i].io, read_cb, pipes[2 * i], EV_READ);
  }
  for (i = 0; i < rounds; i++) {
    double us = run_once();
    if (i == 0 || us < best) best = us;
    total += us;
  }
  printf("method=libev-epoll tracing=0 pipes=%d active=%d writes=%d rounds=%d events_per_round=%ld best_us=%.0f mean_us=%.0f failures=%ld\n",
         num_pipes, num_active, num_writes, rounds, fired, best, total / rounds, failures);
  return 0;
}
