/* A peer that closes while an event waits for it, with a timeout to bound the
 * wait: an EV_CLOSED event and an EV_READ|EV_CLOSED one, on a unix socketpair
 * and on a TCP connection over loopback. What the callback is told: epoll and
 * poll report the close as CLOSED (on epoll a unix peer's hang-up too: it comes
 * with the peer's close, not as an error); select cannot, so READ or the
 * timeout. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "scenario.h"

static void cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  LOG("  %s: %s", (const char *)arg, flags_str(what));
}

/* A connected TCP pair over loopback (the listener is closed again). */
static void tcp_pair(int fds[2]) {
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(listener >= 0);
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(bind(listener, (struct sockaddr *)&addr, sizeof addr) == 0);
  CHECK(listen(listener, 1) == 0);
  CHECK(getsockname(listener, (struct sockaddr *)&addr, &len) == 0);
  fds[1] = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(fds[1] >= 0);
  CHECK(connect(fds[1], (struct sockaddr *)&addr, sizeof addr) == 0);
  fds[0] = accept(listener, NULL, NULL);
  CHECK(fds[0] >= 0);
  close(listener);
}

static void run_case(struct event_base *base, int tcp, short what, const char *name) {
  int fds[2];
  struct event *ev;
  struct timeval tv = ms(200);
  if (tcp) tcp_pair(fds);
  else make_pair(fds);
  ev = event_new(base, fds[0], what, cb, (void *)name);
  CHECK(event_add(ev, &tv) == 0);
  close(fds[1]);
  LOG("%s:", name);
  LOG("  dispatch=%d pending after=%s", event_base_dispatch(base), pending_str(ev));
  event_free(ev);
  close(fds[0]);
}

int main(void) {
  struct event_base *base = new_base();
  run_case(base, 0, EV_CLOSED, "unix CLOSED");
  run_case(base, 0, EV_READ | EV_CLOSED, "unix READ|CLOSED");
  run_case(base, 1, EV_CLOSED, "tcp CLOSED");
  run_case(base, 1, EV_READ | EV_CLOSED, "tcp READ|CLOSED");
  event_base_free(base);
  return 0;
}
