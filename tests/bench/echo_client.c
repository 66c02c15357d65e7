/* A small raw-epoll load generator for the echo benchmarks, so every server is
 * driven by the same lean client (no event library in the client's costs).
 *
 *   echo_client pingpong PORT CONNS SIZE SECONDS   -> msgs/s, p50/p99 latency
 *   echo_client send     PORT SECONDS [CHUNK]      -> MB/s pushed into a discard server
 *   echo_client recv     PORT SECONDS              -> MB/s pulled from a source server
 *   echo_client idle     PORT CONNS SECONDS        -> holds CONNS idle connections
 *
 * Loopback (127.0.0.1) only. Output: one "key=value ..." line on stdout. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int connect_to(int port, int nonblock) {
  struct sockaddr_in sin;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd < 0) return -1;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short)port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
    close(fd);
    return -1;
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (nonblock) {
    int on = 1;
    if (ioctl(fd, FIONBIO, &on) < 0) {
      close(fd);
      return -1;
    }
  }
  return fd;
}

/* Latency histogram: 1 us buckets up to 100 ms, then one overflow bucket. */
#define LAT_BUCKETS 100001
static uint64_t g_lat[LAT_BUCKETS];
static uint64_t g_lat_count;

static void lat_record(int64_t ns) {
  int64_t us = ns / 1000;
  if (us < 0) us = 0;
  if (us >= LAT_BUCKETS) us = LAT_BUCKETS - 1;
  g_lat[us]++;
  g_lat_count++;
}

static double lat_percentile(double p) {
  uint64_t rank = (uint64_t)((p / 100.0) * (double)g_lat_count + 0.5), seen = 0;
  if (rank == 0) rank = 1;
  for (int i = 0; i < LAT_BUCKETS; ++i) {
    seen += g_lat[i];
    if (seen >= rank) return (double)i + 0.5;
  }
  return (double)LAT_BUCKETS;
}

struct conn {
  int fd;
  size_t got;
  int64_t sent_at;
};

static int pingpong(int port, int nconns, size_t size, double seconds) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct conn *conns = calloc((size_t)nconns, sizeof *conns);
  char *msg = malloc(size), *buf = malloc(size > 65536 ? size : 65536);
  uint64_t msgs = 0, bad = 0, total = 0;
  int64_t start, end, warm;
  memset(msg, 'p', size);
  for (int i = 0; i < nconns; ++i) {
    struct epoll_event ev;
    conns[i].fd = connect_to(port, 1);
    if (conns[i].fd < 0) {
      fprintf(stderr, "echo_client: connect 127.0.0.1:%d: %s\n", port, strerror(errno));
      return 1;
    }
    ev.events = EPOLLIN;
    ev.data.u32 = (uint32_t)i;
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }
  start = now_ns();
  warm = start + 500000000LL; /* first 0.5 s: warm-up, not counted */
  end = warm + (int64_t)(seconds * 1e9);
  for (int i = 0; i < nconns; ++i) {
    conns[i].sent_at = now_ns();
    if (send(conns[i].fd, msg, size, MSG_NOSIGNAL) != (ssize_t)size) bad++;
  }
  int64_t counted_from = 0;
  for (;;) {
    struct epoll_event evs[256];
    int n = epoll_wait(ep, evs, 256, 1000);
    int64_t t = now_ns();
    if (t >= end) break;
    if (t >= warm && !counted_from) {
      counted_from = t;
      msgs = 0;
      memset(g_lat, 0, sizeof g_lat);
      g_lat_count = 0;
    }
    for (int k = 0; k < n; ++k) {
      struct conn *c = &conns[evs[k].data.u32];
      ssize_t r = recv(c->fd, buf, size - c->got, 0);
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) continue;
        fprintf(stderr, "echo_client: connection closed by the server\n");
        return 1;
      }
      c->got += (size_t)r;
      if (c->got < size) continue;
      c->got = 0;
      msgs++;
      total++;
      lat_record(t - c->sent_at);
      c->sent_at = t;
      if (send(c->fd, msg, size, MSG_NOSIGNAL) != (ssize_t)size) bad++;
    }
  }
  double secs = (double)(now_ns() - counted_from) / 1e9;
  printf("msgs_per_s=%.0f p50_us=%.1f p99_us=%.1f msgs=%llu total_msgs=%llu short_sends=%llu\n", (double)msgs / secs,
         lat_percentile(50), lat_percentile(99), (unsigned long long)msgs, (unsigned long long)total,
         (unsigned long long)bad);
  return 0;
}

static int bulk(int port, double seconds, int sending, size_t chunk) {
  int fd = connect_to(port, 0);
  char *buf = malloc(chunk);
  uint64_t bytes = 0;
  int64_t start, end;
  if (fd < 0) {
    fprintf(stderr, "echo_client: connect 127.0.0.1:%d: %s\n", port, strerror(errno));
    return 1;
  }
  memset(buf, 'b', chunk);
  start = now_ns();
  end = start + (int64_t)(seconds * 1e9);
  while (now_ns() < end) {
    ssize_t r = sending ? send(fd, buf, chunk, MSG_NOSIGNAL) : recv(fd, buf, chunk, 0);
    if (r <= 0) break;
    bytes += (uint64_t)r;
  }
  double secs = (double)(now_ns() - start) / 1e9;
  printf("mb_per_s=%.1f bytes=%llu\n", (double)bytes / secs / 1e6, (unsigned long long)bytes);
  close(fd);
  return 0;
}

static int idle(int port, int nconns, double seconds) {
  int ok = 0;
  int *fds = calloc((size_t)nconns, sizeof *fds);
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  for (int i = 0; i < nconns; ++i) {
    fds[i] = connect_to(port, 0);
    if (fds[i] >= 0) ok++;
  }
  printf("connected=%d\n", ok);
  fflush(stdout);
  struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
  nanosleep(&ts, NULL);
  for (int i = 0; i < nconns; ++i)
    if (fds[i] >= 0) close(fds[i]);
  return ok == nconns ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc >= 6 && strcmp(argv[1], "pingpong") == 0)
    return pingpong(atoi(argv[2]), atoi(argv[3]), (size_t)atol(argv[4]), atof(argv[5]));
  if (argc >= 4 && strcmp(argv[1], "send") == 0)
    return bulk(atoi(argv[2]), atof(argv[3]), 1, argc > 4 ? (size_t)atol(argv[4]) : 65536);
  if (argc >= 4 && strcmp(argv[1], "recv") == 0) return bulk(atoi(argv[2]), atof(argv[3]), 0, 65536);
  if (argc >= 5 && strcmp(argv[1], "idle") == 0) return idle(atoi(argv[2]), atoi(argv[3]), atof(argv[4]));
  fprintf(stderr,
          "usage: echo_client pingpong PORT CONNS SIZE SECONDS | send PORT SECONDS [CHUNK] | recv PORT SECONDS |"
          " idle PORT CONNS SECONDS\n");
  return 2;
}
