/* evconnlistener as an accept loop sees a burst: a listener created with
 * LEV_OPT_DISABLED (connections wait in the backlog), enabled with five
 * connections pending (all accepted in one loop iteration), the accepted
 * sockets' flags (nonblocking, close-on-exec with LEV_OPT_CLOSE_ON_EXEC),
 * set_cb to another callback and context, disable/enable twice, get_base,
 * and evconnlistener_free with LEV_OPT_CLOSE_ON_FREE (new connects refused). */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netinet/in.h>

#include "scenario.h"

#define CLIENTS 5
static struct event_base *base;
static int accepted_fds[16], accepted;
static int flags_ok = 1;

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg) {
  struct sockaddr_in *sin = (struct sockaddr_in *)sa;
  (void)lev;
  if (!(fcntl(fd, F_GETFL) & O_NONBLOCK) || !(fcntl(fd, F_GETFD) & FD_CLOEXEC)) flags_ok = 0;
  LOG("  accept (%s) #%d: family inet=%d loopback=%d socklen ok=%d", (const char *)arg, accepted,
      sin->sin_family == AF_INET, sin->sin_addr.s_addr == htonl(INADDR_LOOPBACK), socklen == (int)sizeof *sin);
  if (accepted < 16) accepted_fds[accepted++] = fd;
}

static int connect_to(const struct sockaddr_in *sin) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int r;
  CHECK(fd >= 0);
  r = connect(fd, (const struct sockaddr *)sin, sizeof *sin);
  if (r != 0) {
    LOG("  connect failed: refused=%d", errno == ECONNREFUSED);
    close(fd);
    return -1;
  }
  return fd;
}

static void run_nonblock(const char *title) {
  int rc = event_base_loop(base, EVLOOP_NONBLOCK);
  LOG("%s: loop=%d accepted=%d", title, rc, accepted);
}

int main(void) {
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  struct evconnlistener *lev;
  int clients[CLIENTS + 2], i;
  base = new_base();
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  lev = evconnlistener_new_bind(base, accept_cb, "first",
                                LEV_OPT_DISABLED | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
                                16, (struct sockaddr *)&sin, sizeof sin);
  CHECK(lev != NULL);
  LOG("get_base matches=%d", evconnlistener_get_base(lev) == base);
  CHECK(getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&sin, &len) == 0);
  LOG("listening socket nonblocking=%d", (fcntl(evconnlistener_get_fd(lev), F_GETFL) & O_NONBLOCK) != 0);

  for (i = 0; i < CLIENTS; ++i) clients[i] = connect_to(&sin);
  run_nonblock("five connects, listener created disabled");
  LOG("enable=%d", evconnlistener_enable(lev));
  LOG("enable again=%d", evconnlistener_enable(lev));
  run_nonblock("enabled");
  LOG("accepted sockets nonblocking and close-on-exec: %d", flags_ok);

  evconnlistener_set_cb(lev, accept_cb, "second");
  clients[CLIENTS] = connect_to(&sin);
  run_nonblock("after set_cb");
  LOG("disable=%d", evconnlistener_disable(lev));
  LOG("disable again=%d", evconnlistener_disable(lev));
  clients[CLIENTS + 1] = connect_to(&sin);
  run_nonblock("disabled");
  LOG("enable=%d", evconnlistener_enable(lev));
  run_nonblock("enabled again");

  evconnlistener_free(lev);
  LOG("freed (CLOSE_ON_FREE)");
  CHECK(connect_to(&sin) == -1);
  for (i = 0; i < CLIENTS + 2; ++i)
    if (clients[i] >= 0) close(clients[i]);
  for (i = 0; i < accepted; ++i) close(accepted_fds[i]);
  event_base_free(base);
  return 0;
}
