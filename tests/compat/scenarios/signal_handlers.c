/* Signal events and the process's own handlers, as a daemon mixes them: a
 * plain sigaction handler is replaced while a signal event is added and
 * restored when the last event for that signal goes (event_del, and a
 * non-PERSIST event after it fired), two events on one signal with one
 * deleted, a signal raised from inside a signal callback (delivered in a later
 * iteration), and SIG_IGN restored for a second signal. Signals are sent with
 * raise() only. */
#include "scenario.h"

static struct event_base *base;
static volatile sig_atomic_t plain_calls;
static struct event *persist_ev, *second_ev, *once_ev, *usr2_ev;
static int raised_inside;

static void plain_handler(int sig) {
  (void)sig;
  ++plain_calls;
}

static void sig_cb(evutil_socket_t sig, short what, void *arg) {
  const char *name = arg;
  LOG("%s sig=%s what=%s", name, sig == SIGUSR1 ? "USR1" : sig == SIGUSR2 ? "USR2" : "?", flags_str(what));
  if (strcmp(name, "usr2") == 0 && !raised_inside) {
    raised_inside = 1;
    LOG("  usr2 raises USR2 again from its callback");
    raise(SIGUSR2);
  }
}

static void run(const char *title) {
  int rc = event_base_loop(base, EVLOOP_NONBLOCK);
  LOG("%s: loop=%d plain handler calls=%d", title, rc, (int)plain_calls);
}

int main(void) {
  struct sigaction sa;
  base = new_base();
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = plain_handler;
  sigemptyset(&sa.sa_mask);
  CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);

  raise(SIGUSR1);
  LOG("before any event: plain handler calls=%d", (int)plain_calls);

  persist_ev = evsignal_new(base, SIGUSR1, sig_cb, "persist");
  second_ev = evsignal_new(base, SIGUSR1, sig_cb, "second");
  CHECK(evsignal_add(persist_ev, NULL) == 0);
  CHECK(evsignal_add(second_ev, NULL) == 0);
  raise(SIGUSR1);
  run("two events, one raise");
  CHECK(evsignal_del(second_ev) == 0);
  raise(SIGUSR1);
  run("second deleted, one raise");
  CHECK(evsignal_del(persist_ev) == 0);
  raise(SIGUSR1);
  run("both deleted: the plain handler is back");

  once_ev = event_new(base, SIGUSR1, EV_SIGNAL, sig_cb, "non-persist");
  CHECK(event_add(once_ev, NULL) == 0);
  raise(SIGUSR1);
  run("non-persist event, one raise");
  LOG("non-persist pending=%s", pending_str(once_ev));
  raise(SIGUSR1);
  run("after the non-persist event fired");

  usr2_ev = evsignal_new(base, SIGUSR2, sig_cb, "usr2");
  CHECK(evsignal_add(usr2_ev, NULL) == 0);
  raise(SIGUSR2);
  run("usr2, first iteration");
  run("usr2, second iteration");
  CHECK(evsignal_del(usr2_ev) == 0);
  raise(SIGUSR2);
  LOG("usr2 deleted and raised: still alive (SIG_IGN restored)");
  run("nothing left");

  event_free(persist_ev);
  event_free(second_ev);
  event_free(once_ev);
  event_free(usr2_ev);
  event_base_free(base);
  raise(SIGUSR1);
  LOG("after event_base_free: plain handler calls=%d", (int)plain_calls);
  return 0;
}
