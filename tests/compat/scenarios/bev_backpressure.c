/* Two bufferevents on a socketpair moving 2 MB under watermarks, as a proxy
 * with flow control does: the producer refills its output from the write
 * callback whenever it falls to the write low watermark; the consumer has a
 * read low and high watermark and drains its input in 1500-byte pieces.
 * Printed: totals, and invariants checked on every callback (input never
 * above the high mark, never below the low mark at a callback, output never
 * refilled above its bound) -- never callback counts, which depend on the
 * kernel's socket buffer. The loop is bounded by a 20 s loopexit. */
#include "scenario.h"
#include "bev_common.h"

#define TOTAL (2 * 1024 * 1024)
#define CHUNK 8192
#define WRITE_LOW 16384
#define READ_LOW 100
#define READ_HIGH 6000

static struct event_base *base;
static struct bufferevent *producer, *consumer;
static size_t produced, consumed, max_input, min_input_at_cb = (size_t)-1, max_output;
static int producer_done, order_ok = 1;

static void refill(void) {
  unsigned char chunk[CHUNK];
  struct evbuffer *out = bufferevent_get_output(producer);
  while (produced < TOTAL && evbuffer_get_length(out) < WRITE_LOW * 2) {
    size_t i, n = TOTAL - produced < CHUNK ? TOTAL - produced : CHUNK;
    for (i = 0; i < n; ++i) chunk[i] = (unsigned char)((produced + i) % 251);
    CHECK(bufferevent_write(producer, chunk, n) == 0);
    produced += n;
  }
  if (evbuffer_get_length(out) > max_output) max_output = evbuffer_get_length(out);
}

static void producer_write_cb(struct bufferevent *bev, void *ctx) {
  (void)ctx;
  if (evbuffer_get_length(bufferevent_get_output(bev)) > WRITE_LOW) {
    LOG("write cb above the low watermark (must not happen)");
  }
  if (produced < TOTAL) {
    refill();
  } else if (!producer_done && evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
    producer_done = 1;
    LOG("producer: all %d bytes flushed", TOTAL);
  }
}

static void consumer_read_cb(struct bufferevent *bev, void *ctx) {
  struct evbuffer *in = bufferevent_get_input(bev);
  unsigned char buf[1500];
  size_t len = evbuffer_get_length(in), n, i;
  (void)ctx;
  if (len > max_input) max_input = len;
  if (len < min_input_at_cb) min_input_at_cb = len;
  /* in 1500-byte pieces, as a datagram-sized framer would */
  while ((n = bufferevent_read(bev, buf, sizeof buf)) > 0) {
    for (i = 0; i < n; ++i) {
      if (buf[i] != (unsigned char)((consumed + i) % 251)) order_ok = 0;
    }
    consumed += n;
  }
  if (consumed == TOTAL) {
    LOG("consumer: all %d bytes read", TOTAL);
    event_base_loopexit(base, NULL);
  }
}

static void event_cb(struct bufferevent *bev, short what, void *ctx) {
  (void)bev;
  LOG("%s event: %s", (const char *)ctx, bev_what(what));
}

int main(void) {
  int pair[2];
  struct timeval limit = ms(20000);
  base = new_base();
  make_pair(pair);
  producer = bufferevent_socket_new(base, pair[0], BEV_OPT_CLOSE_ON_FREE);
  consumer = bufferevent_socket_new(base, pair[1], BEV_OPT_CLOSE_ON_FREE);
  CHECK(producer && consumer);
  bufferevent_setcb(producer, NULL, producer_write_cb, event_cb, "producer");
  bufferevent_setcb(consumer, consumer_read_cb, NULL, event_cb, "consumer");
  bufferevent_setwatermark(producer, EV_WRITE, WRITE_LOW, 0);
  bufferevent_setwatermark(consumer, EV_READ, READ_LOW, READ_HIGH);
  CHECK(bufferevent_enable(producer, EV_WRITE) == 0);
  CHECK(bufferevent_enable(consumer, EV_READ) == 0);
  refill();
  CHECK(event_base_loopexit(base, &limit) == 0);
  LOG("dispatch=%d", event_base_dispatch(base));
  LOG("produced=%zu consumed=%zu in order=%d", produced, consumed, order_ok);
  LOG("input never above the high watermark: %d", max_input <= READ_HIGH);
  LOG("input at a read callback never below the low watermark: %d", min_input_at_cb >= READ_LOW);
  LOG("output never refilled above its bound: %d", max_output < WRITE_LOW * 2 + CHUNK);
  LOG("producer flushed: %d", producer_done);
  bufferevent_free(producer);
  LOG("after freeing the producer:");
  run_for(base, 50);
  bufferevent_free(consumer);
  event_base_free(base);
  return 0;
}
