/* libevent's [warn] lines through event_set_log_callback: the epoll backend's
 * failed epoll_ctl (a regular file's fd: EPERM; a closed fd: EBADF; with and
 * without EV_ET), a second base adding signals, events used without a base
 * (zeroed memory), a callback running the loop of its own base again, a
 * signal event for SIGKILL and evutil's fcntl helpers on a closed fd. Pointers and the fds' numbers are masked in the log (they
 * differ between the libraries); poll adds regular files and closed fds
 * silently, as libevent's poll does. */
#include <fcntl.h>

#include "scenario.h"

static int masked_fds[2] = {-1, -1};

/* The message with every 0x... pointer as PTR and "fd <n>"/"on <n>" of the
 * masked fds as FD. */
static void log_cb(int severity, const char *msg) {
  char out[1024];
  size_t o = 0;
  const char *p = msg;
  while (*p && o + 8 < sizeof out) {
    if (p[0] == '0' && p[1] == 'x') {
      p += 2;
      while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')) ++p;
      memcpy(out + o, "PTR", 3);
      o += 3;
      continue;
    }
    if (*p >= '0' && *p <= '9' && p > msg && p[-1] == ' ') {
      char *end;
      long n = strtol(p, &end, 10);
      if ((n == masked_fds[0] || n == masked_fds[1]) && (*end == ' ' || *end == '\0')) {
        memcpy(out + o, "FD", 2);
        o += 2;
        p = end;
        continue;
      }
    }
    out[o++] = *p++;
  }
  out[o] = '\0';
  LOG("log severity=%d: %s", severity, out);
}

static void cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
}

/* A callback that runs its base's loop again (reentrant: refused). */
static void reenter_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  LOG("inside a callback: event_base_loop=%d", event_base_loop((struct event_base *)arg, EVLOOP_ONCE));
  LOG("inside a callback: event_base_dispatch=%d", event_base_dispatch((struct event_base *)arg));
}

int main(void) {
  struct event_base *base = new_base(), *other = new_base();
  struct event zeroed, *file_ev, *file_et_ev, *closed_ev, *sig1, *sig2, *sig2_again, *sig3;
  FILE *file = tmpfile();
  int closed_fd;
  event_set_log_callback(log_cb);

  CHECK(file != NULL);
  masked_fds[0] = fileno(file);
  file_ev = event_new(base, fileno(file), EV_READ, cb, NULL);
  LOG("event_add(regular file, READ)=%d", event_add(file_ev, NULL));
  LOG("pending=%s", pending_str(file_ev));
  event_free(file_ev);
  file_et_ev = event_new(base, fileno(file), EV_WRITE | EV_ET, cb, NULL);
  LOG("event_add(regular file, WRITE|ET)=%d", event_add(file_et_ev, NULL));
  event_free(file_et_ev);

  closed_fd = open("/dev/null", O_RDONLY);
  CHECK(closed_fd >= 0);
  close(closed_fd);
  masked_fds[1] = closed_fd;
  closed_ev = event_new(base, closed_fd, EV_READ | EV_CLOSED, cb, NULL);
  LOG("event_add(closed fd, READ|CLOSED)=%d", event_add(closed_ev, NULL));
  event_free(closed_ev);

  memset(&zeroed, 0, sizeof zeroed);
  LOG("event_add(zeroed)=%d", event_add(&zeroed, NULL));
  LOG("event_del(zeroed)=%d", event_del(&zeroed));
  LOG("event_pending(zeroed)=%d", event_pending(&zeroed, EV_READ, NULL));
  event_active(&zeroed, EV_READ, 1);
  LOG("event_active(zeroed) returned");

  sig1 = evsignal_new(base, SIGUSR1, cb, NULL);
  sig2 = evsignal_new(other, SIGUSR2, cb, NULL);
  sig2_again = evsignal_new(other, SIGUSR2, cb, NULL);
  sig3 = evsignal_new(base, SIGHUP, cb, NULL);
  LOG("base: add SIGUSR1=%d", event_add(sig1, NULL));
  LOG("other: add SIGUSR2=%d", event_add(sig2, NULL));
  LOG("other: add a second SIGUSR2 event=%d", event_add(sig2_again, NULL));
  LOG("base: add SIGHUP=%d", event_add(sig3, NULL));
  LOG("base: del SIGUSR1=%d, del SIGHUP=%d", event_del(sig1), event_del(sig3));
  LOG("other: del both SIGUSR2=%d,%d", event_del(sig2), event_del(sig2_again));
  /* (libevent's count of the signal base's signals goes negative when another
   * base deletes its own, so "other" adding now would warn there: not compared.) */
  LOG("base: add SIGUSR1 again=%d", event_add(sig1, NULL));
  event_free(sig1);
  event_free(sig2);
  event_free(sig2_again);
  event_free(sig3);

  {
    struct event *reenter = evtimer_new(base, reenter_cb, base);
    struct timeval zero = {0, 0};
    CHECK(evtimer_add(reenter, &zero) == 0);
    LOG("dispatch=%d", event_base_dispatch(base));
    event_free(reenter);
  }

  {
    /* A signal no handler may catch: sigaction fails, and says so. */
    struct event *kill_ev = evsignal_new(base, SIGKILL, reenter_cb, base);
    LOG("add SIGKILL=%d", event_add(kill_ev, NULL));
    event_free(kill_ev);
    /* evutil's fcntl helpers on an fd that is not open (999: this process has
     * no such descriptor). */
    LOG("make_socket_nonblocking(999)=%d", evutil_make_socket_nonblocking(999));
    LOG("make_socket_closeonexec(999)=%d", evutil_make_socket_closeonexec(999));
  }

  event_set_log_callback(NULL);
  event_base_free(other);
  event_base_free(base);
  fclose(file);
  return 0;
}
