/* bufferevent_enable / disable as a request-at-a-time server uses them: the
 * read callback disables reading after one line; re-enabling does not call it
 * again for the pipelined lines already in the input (only a new read does); output queued while writing is
 * disabled stays queued until enabled; disable of a direction never enabled;
 * enable twice; get_enabled after each step; and EOF arriving while reading
 * is disabled (reported only once reading is enabled again). */
#include "scenario.h"
#include "bev_common.h"

static struct event_base *base;
static struct bufferevent *bev;
static int peer;

static void read_cb(struct bufferevent *b, void *ctx) {
  char *line;
  (void)ctx;
  line = evbuffer_readln(bufferevent_get_input(b), NULL, EVBUFFER_EOL_LF);
  LOG("  read cb: line [%s] left=%zu", line ? line : "(none)", evbuffer_get_length(bufferevent_get_input(b)));
  free(line);
  LOG("  disable READ=%d", bufferevent_disable(b, EV_READ));
  LOG("  enabled=%s", flags_str(bufferevent_get_enabled(b)));
}

static void write_cb(struct bufferevent *b, void *ctx) {
  (void)ctx;
  LOG("  write cb: output=%zu", evbuffer_get_length(bufferevent_get_output(b)));
}

static void event_cb(struct bufferevent *b, short what, void *ctx) {
  (void)ctx;
  LOG("  event cb: %s enabled=%s", bev_what(what), flags_str(bufferevent_get_enabled(b)));
}

static void peer_read(void) {
  char buf[128];
  ssize_t n = read(peer, buf, sizeof buf - 1);
  if (n < 0) n = 0;
  buf[n] = '\0';
  LOG("peer got [%s]", buf);
}

int main(void) {
  int pair[2], round;
  base = new_base();
  make_pair(pair);
  peer = pair[1];
  bev = bufferevent_socket_new(base, pair[0], BEV_OPT_CLOSE_ON_FREE);
  CHECK(bev != NULL);
  bufferevent_setcb(bev, read_cb, write_cb, event_cb, NULL);
  LOG("new: enabled=%s", flags_str(bufferevent_get_enabled(bev)));
  LOG("disable READ (never enabled)=%d", bufferevent_disable(bev, EV_READ));
  LOG("enabled=%s", flags_str(bufferevent_get_enabled(bev)));
  LOG("enable READ=%d", bufferevent_enable(bev, EV_READ));
  LOG("enable READ again=%d", bufferevent_enable(bev, EV_READ));
  LOG("enabled=%s", flags_str(bufferevent_get_enabled(bev)));

  /* three pipelined requests in one send: all read at once, one callback */
  send_bytes(peer, "req1\nreq2\nreq3\n");
  for (round = 0; round < 4; ++round) {
    run_for(base, 30);
    LOG("round %d: input=%zu enabled=%s", round, evbuffer_get_length(bufferevent_get_input(bev)),
        flags_str(bufferevent_get_enabled(bev)));
    CHECK(bufferevent_enable(bev, EV_READ) == 0);
  }

  LOG("== writing disabled");
  LOG("disable WRITE=%d", bufferevent_disable(bev, EV_WRITE));
  LOG("enabled=%s", flags_str(bufferevent_get_enabled(bev)));
  CHECK(bufferevent_write(bev, "queued reply", 12) == 0);
  run_for(base, 30);
  LOG("output while disabled=%zu", evbuffer_get_length(bufferevent_get_output(bev)));
  LOG("enable WRITE=%d", bufferevent_enable(bev, EV_WRITE));
  run_for(base, 30);
  LOG("output after enable=%zu", evbuffer_get_length(bufferevent_get_output(bev)));
  peer_read();
  LOG("disable READ|WRITE=%d", bufferevent_disable(bev, EV_READ | EV_WRITE));
  LOG("enabled=%s", flags_str(bufferevent_get_enabled(bev)));

  LOG("== EOF while reading is disabled");
  send_bytes(peer, "late\n");
  shutdown(peer, SHUT_WR);
  run_for(base, 30);
  LOG("nothing reported; input=%zu", evbuffer_get_length(bufferevent_get_input(bev)));
  LOG("enable READ=%d", bufferevent_enable(bev, EV_READ));
  run_for(base, 30);
  LOG("enable READ=%d", bufferevent_enable(bev, EV_READ));
  run_for(base, 30);
  LOG("final enabled=%s", flags_str(bufferevent_get_enabled(bev)));
  bufferevent_free(bev);
  close(peer);
  event_base_free(base);
  return 0;
}
