/* bufferevent_incref / bufferevent_decref, as code that hands a bufferevent to
 * another part of the program does: with a reference held, bufferevent_free
 * drops the callbacks but the bufferevent lives on (its buffers readable, a
 * pair still linked to its partner, a socket's data still read into its input)
 * until the last decref, which says it freed it (1). A decref without an
 * incref frees at once. */
#include "scenario.h"
#include "bev_common.h"

static int callbacks;

static void read_cb(struct bufferevent *bev, void *ctx) {
  (void)bev, (void)ctx;
  ++callbacks;
}

int main(void) {
  struct event_base *base = new_base();
  struct bufferevent *pair[2], *sock;
  int fds[2];
  char buf[32];

  CHECK(bufferevent_pair_new(base, 0, pair) == 0);
  bufferevent_setcb(pair[0], read_cb, NULL, NULL, NULL);
  CHECK(bufferevent_enable(pair[0], EV_READ) == 0);
  bufferevent_incref(pair[0]);
  bufferevent_free(pair[0]);
  LOG("pair: freed with a reference held; partner linked: %s", bufferevent_pair_get_partner(pair[1]) ? "yes" : "no");
  CHECK(bufferevent_write(pair[0], "held", 4) == 0);
  LOG("pair: its output holds %d bytes", (int)evbuffer_get_length(bufferevent_get_output(pair[0])));
  CHECK(bufferevent_write(pair[1], "to the freed one", 16) == 0);
  run_for(base, 20);
  LOG("pair: callbacks after free: %d", callbacks);
  LOG("pair: decref -> %d", bufferevent_decref(pair[0]));
  LOG("pair: partner linked after the last decref: %s", bufferevent_pair_get_partner(pair[1]) ? "yes" : "no");
  bufferevent_free(pair[1]);

  CHECK(bufferevent_pair_new(base, 0, pair) == 0);
  bufferevent_incref(pair[0]);
  bufferevent_incref(pair[0]);
  LOG("pair 2: decref with two held -> %d", bufferevent_decref(pair[0]));
  LOG("pair 2: decref with one held -> %d (the program's own stays)", bufferevent_decref(pair[0]));
  LOG("pair 2: partner linked: %s", bufferevent_pair_get_partner(pair[1]) ? "yes" : "no");
  LOG("pair 2: decref of the program's own -> %d", bufferevent_decref(pair[0]));
  LOG("pair 2: partner linked: %s", bufferevent_pair_get_partner(pair[1]) ? "yes" : "no");
  bufferevent_free(pair[1]);

  make_pair(fds);
  sock = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
  CHECK(sock != NULL);
  bufferevent_setcb(sock, read_cb, NULL, NULL, NULL);
  CHECK(bufferevent_enable(sock, EV_READ) == 0);
  bufferevent_incref(sock);
  bufferevent_free(sock);
  CHECK(write(fds[1], "still read", 10) == 10);
  callbacks = 0;
  run_for(base, 20);
  LOG("socket: freed with a reference held: callbacks %d, input %d bytes", callbacks,
      (int)evbuffer_get_length(bufferevent_get_input(sock)));
  LOG("socket: decref -> %d", bufferevent_decref(sock));
  run_for(base, 20); /* (libevent closes in a deferred callback; here at once: docs/compat.md) */
  {
    ssize_t n = read(fds[1], buf, sizeof buf);
    LOG("socket: the peer reads %d (its fd closed with the last reference)", (int)n);
  }
  close(fds[1]);
  event_base_free(base);
  return 0;
}
