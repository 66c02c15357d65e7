/* PERSIST events with timeouts: an fd event re-armed after each timeout and
 * after a read (relative to now), a non-persistent fd event with a timeout, and
 * a PERSIST signal event whose timeout is not re-armed (libevent 2.1's signal
 * closure ignores the interval). */
#include "scenario.h"

static struct event_base *base;
static struct event *io_persist, *io_once, *sig_timeout, *writer;
static int pair[2];
static int io_calls;

static void io_persist_cb(evutil_socket_t fd, short what, void *arg) {
  (void)arg;
  ++io_calls;
  if (what & EV_READ) read_one(fd);
  LOG("io-persist #%d what=%s pending=%s", io_calls, flags_str(what), pending_str(io_persist));
  if (io_calls == 4) {
    CHECK(event_del(io_persist) == 0);
    LOG("io-persist deleted, pending=%s", pending_str(io_persist));
  }
}

static void io_once_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  LOG("io-once what=%s pending=%s", flags_str(what), pending_str(io_once));
}

static void sig_cb(evutil_socket_t sig, short what, void *arg) {
  (void)arg;
  LOG("signal-with-timeout sig=%s what=%s pending=%s", sig == SIGUSR1 ? "SIGUSR1" : "?", flags_str(what),
      pending_str(sig_timeout));
}

static void writer_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  LOG("writer what=%s: one byte for io-persist", flags_str(what));
  send_bytes(pair[1], "x");
}

int main(void) {
  struct timeval tv;
  int other[2];
  int rc;

  base = new_base();
  make_pair(pair);
  make_pair(other);

  /* Timeouts at 200 and 400 ms, the byte at 500 ms, then a timeout 200 ms after
   * the read: 100 ms either side of the byte, so a loaded machine keeps the order. */
  io_persist = event_new(base, pair[0], EV_READ | EV_PERSIST, io_persist_cb, NULL);
  tv = ms(200);
  CHECK(event_add(io_persist, &tv) == 0);
  writer = evtimer_new(base, writer_cb, NULL);
  tv = ms(500);
  CHECK(evtimer_add(writer, &tv) == 0);

  io_once = event_new(base, other[0], EV_READ, io_once_cb, NULL);
  tv = ms(30);
  CHECK(event_add(io_once, &tv) == 0);

  sig_timeout = evsignal_new(base, SIGUSR1, sig_cb, NULL);
  tv = ms(50);
  CHECK(evsignal_add(sig_timeout, &tv) == 0);
  LOG("signal event pending=%s", pending_str(sig_timeout));

  rc = event_base_dispatch(base);
  LOG("dispatch returned %d", rc);
  LOG("after: io-persist=%s io-once=%s signal=%s", pending_str(io_persist), pending_str(io_once),
      pending_str(sig_timeout));

  event_free(io_persist);
  event_free(io_once);
  event_free(sig_timeout);
  event_free(writer);
  close(pair[0]);
  close(pair[1]);
  close(other[0]);
  close(other[1]);
  event_base_free(base);
  return 0;
}
