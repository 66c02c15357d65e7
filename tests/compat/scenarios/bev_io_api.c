/* The bufferevent data calls a line protocol uses: bufferevent_write /
 * write_buffer / read / read_buffer with their return values, the read size
 * cap (set_max_single_read: 10000 bytes already in the socket arrive in
 * 1000-byte reads, one read callback each), get_max_single_read / write
 * defaults, and an evbuffer callback on the output that tells the program when
 * everything it wrote has gone to the socket. */
#include "scenario.h"
#include "bev_common.h"

static struct event_base *base;
static int read_cbs;

static void count_read_cb(struct bufferevent *bev, void *ctx) {
  size_t len = evbuffer_get_length(bufferevent_get_input(bev));
  (void)ctx;
  ++read_cbs;
  if (read_cbs <= 12) LOG("  read cb #%d: input=%zu", read_cbs, len);
  CHECK(evbuffer_drain(bufferevent_get_input(bev), len) == 0);
}

static void sent_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg) {
  (void)arg;
  if (info->n_deleted && evbuffer_get_length(buf) == 0) LOG("  output cb: all sent (last removal %zu)", info->n_deleted);
}

int main(void) {
  int pair[2], r;
  struct bufferevent *bev;
  struct evbuffer *scratch = evbuffer_new();
  char big[10000], out[64];
  ssize_t n;
  size_t total;
  base = new_base();
  make_pair(pair);
  bev = bufferevent_socket_new(base, pair[0], BEV_OPT_CLOSE_ON_FREE);
  CHECK(bev != NULL);
  LOG("max_single_read=%d max_single_write=%d", (int)bufferevent_get_max_single_read(bev),
      (int)bufferevent_get_max_single_write(bev));

  LOG("== writing");
  evbuffer_add_cb(bufferevent_get_output(bev), sent_cb, NULL);
  LOG("write 5=%d", bufferevent_write(bev, "hello", 5));
  LOG("write 0=%d", bufferevent_write(bev, "", 0));
  evbuffer_add_printf(scratch, " %s %d\n", "world", 2);
  r = bufferevent_write_buffer(bev, scratch);
  LOG("write_buffer=%d scratch left=%zu output=%zu", r, evbuffer_get_length(scratch),
      evbuffer_get_length(bufferevent_get_output(bev)));
  CHECK(bufferevent_enable(bev, EV_WRITE) == 0);
  run_for(base, 30);
  memset(out, 0, sizeof out);
  n = read(pair[1], out, sizeof out - 1);
  LOG("peer read %d [%s]", (int)n, out);

  LOG("== reading");
  send_bytes(pair[1], "abcdefghij");
  CHECK(bufferevent_enable(bev, EV_READ) == 0);
  bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
  run_for(base, 30);
  memset(out, 0, sizeof out);
  LOG("read 4=%d [%s]", (int)bufferevent_read(bev, out, 4), out);
  r = bufferevent_read_buffer(bev, scratch);
  LOG("read_buffer=%d scratch=%zu input=%zu", r, evbuffer_get_length(scratch),
      evbuffer_get_length(bufferevent_get_input(bev)));
  memset(out, 0, sizeof out);
  LOG("read from empty=%d", (int)bufferevent_read(bev, out, sizeof out));

  LOG("== max_single_read 1000 with 10000 bytes waiting");
  memset(big, 'b', sizeof big);
  CHECK(write(pair[1], big, sizeof big) == (ssize_t)sizeof big);
  LOG("set_max_single_read=%d", bufferevent_set_max_single_read(bev, 1000));
  LOG("max_single_read=%d", (int)bufferevent_get_max_single_read(bev));
  bufferevent_setcb(bev, count_read_cb, NULL, NULL, NULL);
  run_for(base, 60);
  LOG("read callbacks=%d", read_cbs);
  LOG("set_max_single_write 100=%d", bufferevent_set_max_single_write(bev, 100));
  for (r = 0; r < 5; ++r) CHECK(bufferevent_write(bev, big, 100) == 0);
  run_for(base, 30);
  total = 0;
  while ((n = read(pair[1], big, sizeof big)) > 0) total += (size_t)n;
  LOG("peer got %zu", total);
  bufferevent_free(bev);
  evbuffer_free(scratch);
  close(pair[1]);
  event_base_free(base);
  return 0;
}
