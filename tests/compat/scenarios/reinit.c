/* event_reinit after fork(): the child re-creates its backend, so deleting an
 * inherited event in the child does not remove it from the parent's loop (with
 * epoll the inherited instance is shared until then), and its signal pipe, so
 * a signal the child catches (and never dispatches) does not reach the
 * parent's loop, whose own signals still do. The child logs first; the parent
 * waits for it before going on. */
#include <sys/wait.h>

#include "scenario.h"

static int usr1_calls;

static void cb(evutil_socket_t fd, short what, void *arg) {
  read_one(fd);
  LOG("%s what=%s", (const char *)arg, flags_str(what));
}

static void usr1_cb(evutil_socket_t sig, short what, void *arg) {
  (void)sig, (void)arg;
  ++usr1_calls;
  LOG("SIGUSR1 what=%s", flags_str(what));
}

int main(void) {
  int shared[2], own[2];
  struct timeval tv;
  struct event_base *base = new_base();
  make_pair(shared);
  make_pair(own);
  struct event *inherited = event_new(base, shared[0], EV_READ | EV_PERSIST, cb, "parent: inherited");
  CHECK(event_add(inherited, NULL) == 0);
  struct event *usr1 = evsignal_new(base, SIGUSR1, usr1_cb, NULL);
  CHECK(event_add(usr1, NULL) == 0);

  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    LOG("child: event_reinit=%d", event_reinit(base));
    LOG("child: pending after reinit=%s", pending_str(inherited));
    CHECK(event_del(inherited) == 0);
    struct event *mine = event_new(base, own[0], EV_READ, cb, "child: own");
    CHECK(event_add(mine, NULL) == 0);
    send_bytes(own[1], "c");
    tv = ms(2000);
    CHECK(event_base_loopexit(base, &tv) == 0);
    LOG("child: dispatch -> %d", event_base_loop(base, EVLOOP_ONCE));
    CHECK(raise(SIGUSR1) == 0); /* caught into the child's own pipe, never dispatched */
    LOG("child: raised SIGUSR1");
    event_free(usr1);
    event_free(mine);
    event_free(inherited);
    event_base_free(base);
    exit(0);
  }
  int status = 0;
  CHECK(waitpid(child, &status, 0) == child);
  LOG("parent: child exited=%d code=%d", WIFEXITED(status), WEXITSTATUS(status));
  int rc = event_base_loop(base, EVLOOP_NONBLOCK);
  LOG("parent: NONBLOCK -> %d, SIGUSR1 calls=%d", rc, usr1_calls);
  CHECK(raise(SIGUSR1) == 0);
  rc = event_base_loop(base, EVLOOP_NONBLOCK);
  LOG("parent: NONBLOCK after its own raise -> %d, SIGUSR1 calls=%d", rc, usr1_calls);
  send_bytes(shared[1], "p");
  tv = ms(2000);
  CHECK(event_base_loopexit(base, &tv) == 0);
  LOG("parent: dispatch ONCE -> %d", event_base_loop(base, EVLOOP_ONCE));
  LOG("parent: reinit without a fork=%d", event_reinit(base));
  send_bytes(shared[1], "q");
  LOG("parent: dispatch ONCE after it -> %d", event_base_loop(base, EVLOOP_ONCE));
  event_free(usr1);
  event_free(inherited);
  close(shared[0]);
  close(shared[1]);
  close(own[0]);
  close(own[1]);
  event_base_free(base);
  return 0;
}
