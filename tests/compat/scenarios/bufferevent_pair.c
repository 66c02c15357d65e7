/* bufferevent_pair_new: two socketless bufferevents, each one's output
 * feeding the other's input. When bytes move (enable, write, drain below the
 * high watermark, flush), which deferred callbacks run with which lengths,
 * watermarks on both sides, BEV_FLUSH / BEV_FINISHED, get_partner, freeing
 * one half, and a bounded ping-pong driven from the callbacks. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "scenario.h"

static struct event_base *base;
static struct bufferevent *pair[2];
static int drain_in_readcb = 1;
static int pingpong_rounds;

static int side(struct bufferevent *bev) { return !bev ? -1 : bev == pair[0] ? 0 : bev == pair[1] ? 1 : -1; }

static void show(const char *what) {
  int i;
  for (i = 0; i < 2; ++i) {
    if (!pair[i]) continue;
    LOG("  %s [%d] enabled=%s in=%zu out=%zu partner=%d", what, i, flags_str(bufferevent_get_enabled(pair[i])),
        evbuffer_get_length(bufferevent_get_input(pair[i])), evbuffer_get_length(bufferevent_get_output(pair[i])),
        side(bufferevent_pair_get_partner(pair[i])));
  }
}

static void read_cb(struct bufferevent *bev, void *arg) {
  struct evbuffer *in = bufferevent_get_input(bev);
  (void)arg;
  LOG("read_cb [%d] in=%zu", side(bev), evbuffer_get_length(in));
  if (pingpong_rounds > 0) {
    char buf[32];
    size_t n = bufferevent_read(bev, buf, sizeof buf - 1);
    buf[n] = '\0';
    LOG("  got '%s'", buf);
    if (--pingpong_rounds > 0) bufferevent_write(bev, buf, n);
    return;
  }
  if (drain_in_readcb) {
    char buf[8];
    size_t n = bufferevent_read(bev, buf, sizeof buf);
    LOG("  drained %zu, in=%zu", n, evbuffer_get_length(in));
  }
}

static void write_cb(struct bufferevent *bev, void *arg) {
  (void)arg;
  LOG("write_cb [%d] out=%zu", side(bev), evbuffer_get_length(bufferevent_get_output(bev)));
}

static void event_cb(struct bufferevent *bev, short what, void *arg) {
  (void)arg;
  LOG("event_cb [%d] what=0x%x", side(bev), what);
}

static void run(const char *what) {
  LOG("-- loop (%s)", what);
  CHECK(event_base_loop(base, EVLOOP_NONBLOCK) == 0 || 1);
  show("after");
}

int main(void) {
  int i;
  base = new_base();
  CHECK(bufferevent_pair_new(base, 0, pair) == 0);
  LOG("partner of 0 is %d, of 1 is %d", side(bufferevent_pair_get_partner(pair[0])),
      side(bufferevent_pair_get_partner(pair[1])));
  show("new");
  for (i = 0; i < 2; ++i) bufferevent_setcb(pair[i], read_cb, write_cb, event_cb, NULL);

  LOG("== write before the reader enables EV_READ");
  CHECK(bufferevent_write(pair[0], "hello", 5) == 0);
  show("written");
  run("nothing moved");
  bufferevent_enable(pair[1], EV_READ);
  show("[1] enabled READ");
  run("read and write callbacks");

  LOG("== both willing: bytes move at once");
  CHECK(bufferevent_write(pair[0], "abcdefghij", 10) == 0);
  show("written");
  run("callbacks");
  run("again");

  LOG("== writer disabled");
  bufferevent_disable(pair[0], EV_WRITE);
  CHECK(bufferevent_write(pair[0], "xyz", 3) == 0);
  show("written");
  bufferevent_enable(pair[0], EV_WRITE);
  show("[0] enabled WRITE");
  run("callbacks");

  LOG("== reader's high watermark 10 (no read callback: one that leaves the input at high is called again and again)");
  bufferevent_setcb(pair[1], NULL, write_cb, event_cb, NULL);
  bufferevent_setwatermark(pair[1], EV_READ, 0, 10);
  {
    char data[40];
    memset(data, 'q', sizeof data);
    CHECK(bufferevent_write(pair[0], data, sizeof data) == 0);
  }
  show("written 40");
  run("reader at high");
  {
    char buf[6];
    CHECK(bufferevent_read(pair[1], buf, sizeof buf) == 6);
  }
  show("reader drained 6");
  run("more moved");
  CHECK(evbuffer_drain(bufferevent_get_input(pair[1]), 10) == 0);
  show("reader drained 10");
  run("more moved");
  CHECK(evbuffer_drain(bufferevent_get_input(pair[1]), 1000) == 0);
  show("reader drained all");
  run("rest moved");
  CHECK(evbuffer_drain(bufferevent_get_input(pair[1]), 1000) == 0);

  LOG("== reader's low watermark 4");
  bufferevent_setcb(pair[1], read_cb, write_cb, event_cb, NULL);
  bufferevent_setwatermark(pair[1], EV_READ, 4, 0);
  CHECK(bufferevent_write(pair[0], "abc", 3) == 0);
  show("written 3");
  run("below low: no read_cb");
  CHECK(bufferevent_write(pair[0], "de", 2) == 0);
  show("written 2 more");
  run("read_cb");

  LOG("== writer's low watermark 8");
  bufferevent_setwatermark(pair[1], EV_READ, 0, 0);
  CHECK(evbuffer_drain(bufferevent_get_input(pair[1]), 1000) == 0);
  bufferevent_setwatermark(pair[0], EV_WRITE, 8, 0);
  bufferevent_disable(pair[1], EV_READ);
  CHECK(bufferevent_write(pair[0], "0123456789", 10) == 0);
  show("written, reader disabled");
  bufferevent_enable(pair[1], EV_READ);
  run("write_cb at low 8");
  bufferevent_setwatermark(pair[0], EV_WRITE, 0, 0);
  CHECK(evbuffer_drain(bufferevent_get_input(pair[1]), 1000) == 0);

  LOG("== flush");
  bufferevent_setwatermark(pair[1], EV_READ, 0, 5);
  CHECK(bufferevent_write(pair[0], "0123456789abcdef", 16) == 0);
  show("written 16, high 5");
  LOG("flush NORMAL: %d", bufferevent_flush(pair[0], EV_WRITE, BEV_NORMAL));
  show("after NORMAL");
  LOG("flush FLUSH: %d", bufferevent_flush(pair[0], EV_WRITE, BEV_FLUSH));
  show("after FLUSH");
  run("callbacks");
  bufferevent_setwatermark(pair[1], EV_READ, 0, 0);
  CHECK(evbuffer_drain(bufferevent_get_input(pair[1]), 1000) == 0);
  CHECK(bufferevent_write(pair[1], "back", 4) == 0);
  show("[1] wrote 4 back ([0] not reading)");
  LOG("flush FINISHED from [0] (READ): %d", bufferevent_flush(pair[0], EV_READ, BEV_FINISHED));
  show("after FINISHED");
  run("EOF to [1]");
  CHECK(evbuffer_drain(bufferevent_get_input(pair[0]), 1000) == 0);

  LOG("== ping-pong");
  drain_in_readcb = 1;
  bufferevent_enable(pair[0], EV_READ);
  bufferevent_setcb(pair[0], read_cb, NULL, event_cb, NULL);
  bufferevent_setcb(pair[1], read_cb, NULL, event_cb, NULL);
  pingpong_rounds = 6;
  CHECK(bufferevent_write(pair[0], "ball", 4) == 0);
  for (i = 0; i < 10 && pingpong_rounds > 0; ++i) run("round");
  pingpong_rounds = 0;

  LOG("== free one half");
  bufferevent_free(pair[1]);
  pair[1] = NULL;
  show("freed [1]");
  CHECK(bufferevent_write(pair[0], "lost", 4) == 0);
  show("wrote to [0]");
  LOG("flush FLUSH: %d", bufferevent_flush(pair[0], EV_WRITE, BEV_FLUSH));
  run("nothing");
  bufferevent_free(pair[0]);

  LOG("== socket bufferevent is no pair");
  {
    struct bufferevent *sock = bufferevent_socket_new(base, -1, 0);
    LOG("partner of socket bufferevent: %s", bufferevent_pair_get_partner(sock) ? "set" : "NULL");
    LOG("flush FLUSH of socket bufferevent: %d", bufferevent_flush(sock, EV_WRITE, BEV_FLUSH));
    bufferevent_free(sock);
  }
  event_base_free(base);
  LOG("done");
  return 0;
}
