/* Shared by the differential scenarios. Each scenario is written once against the
 * libevent 2.1 C API and built twice (ReactorScope's compat library, Debian's
 * libevent); both builds must print exactly the same log. So: print only what
 * libevent's semantics determine (callback order, result flags, event_pending
 * results, return values), never times, pointers or fds. */
#ifndef SCENARIO_H
#define SCENARIO_H

#include <event2/event.h>
#include <event2/event_struct.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LOG(...)            \
  do {                      \
    printf(__VA_ARGS__);    \
    putchar('\n');          \
    fflush(stdout);         \
  } while (0)

#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      LOG("CHECK FAILED line %d: %s", __LINE__, #cond);               \
      exit(2);                                                        \
    }                                                                 \
  } while (0)

/* "READ|TIMEOUT" style rendering of EV_* bits. */
static inline const char *flags_str(int what) {
  static char buf[8][64];
  static int slot;
  char *b = buf[slot++ % 8];
  b[0] = '\0';
  if (what & EV_TIMEOUT) strcat(b, "|TIMEOUT");
  if (what & EV_READ) strcat(b, "|READ");
  if (what & EV_WRITE) strcat(b, "|WRITE");
  if (what & EV_SIGNAL) strcat(b, "|SIGNAL");
  if (what & EV_PERSIST) strcat(b, "|PERSIST");
  if (what & EV_ET) strcat(b, "|ET");
  if (what & EV_CLOSED) strcat(b, "|CLOSED");
  if (what & ~0xff) strcat(b, "|?");
  return b[0] ? b + 1 : "0";
}

/* What event_pending says about every kind of condition. */
static inline const char *pending_str(const struct event *ev) {
  return flags_str(event_pending(ev, EV_TIMEOUT | EV_READ | EV_WRITE | EV_SIGNAL | EV_CLOSED, NULL));
}

static inline struct timeval ms(long milliseconds) {
  struct timeval tv;
  tv.tv_sec = milliseconds / 1000;
  tv.tv_usec = (milliseconds % 1000) * 1000;
  return tv;
}

static inline void make_pair(int fds[2]) {
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  CHECK(evutil_make_socket_nonblocking(fds[0]) == 0);
  CHECK(evutil_make_socket_nonblocking(fds[1]) == 0);
}

static inline void send_bytes(int fd, const char *bytes) {
  CHECK(write(fd, bytes, strlen(bytes)) == (ssize_t)strlen(bytes));
}

static inline int read_one(int fd) {
  char c;
  return (int)read(fd, &c, 1);
}

/* Scenarios print their backend only to stderr: the two libraries must agree on
 * the log, and they are run on the same backend (EVENT_NOEPOLL selects poll). */
static inline struct event_base *new_base(void) {
  struct event_base *base = event_base_new();
  CHECK(base != NULL);
  fprintf(stderr, "backend: %s\n", event_base_get_method(base));
  return base;
}

#endif
