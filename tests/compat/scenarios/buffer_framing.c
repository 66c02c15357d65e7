/* A length-prefixed framing layer over evbuffers, as a protocol codec writes
 * it: messages built with evbuffer_add_vprintf into a scratch buffer, a 4-byte
 * big-endian header prepended, whole frames moved to an output buffer with
 * evbuffer_add_buffer / prepend_buffer, then decoded back in uneven pieces with
 * evbuffer_remove_buffer, copyout_from and drain. */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <stdarg.h>
#include <stdint.h>

#include "scenario.h"

static int frame(struct evbuffer *out, const char *fmt, ...) {
  struct evbuffer *msg = evbuffer_new();
  va_list ap;
  uint32_t header;
  int n;
  va_start(ap, fmt);
  n = evbuffer_add_vprintf(msg, fmt, ap);
  va_end(ap);
  header = htonl((uint32_t)evbuffer_get_length(msg));
  CHECK(evbuffer_prepend(msg, &header, sizeof header) == 0);
  CHECK(evbuffer_add_buffer(out, msg) == 0);
  LOG("framed %d bytes, msg left %zu, out now %zu", n, evbuffer_get_length(msg), evbuffer_get_length(out));
  evbuffer_free(msg);
  return n;
}

/* Takes every complete frame off in; returns how many. */
static int decode(struct evbuffer *in) {
  int frames = 0;
  for (;;) {
    uint32_t header;
    size_t body;
    struct evbuffer *msg;
    char text[4096];
    struct evbuffer_ptr p;
    if (evbuffer_copyout(in, &header, sizeof header) < (ev_ssize_t)sizeof header) break;
    body = ntohl(header);
    if (evbuffer_get_length(in) < sizeof header + body) {
      LOG("  partial frame: need %zu have %zu", sizeof header + body, evbuffer_get_length(in));
      break;
    }
    CHECK(evbuffer_drain(in, sizeof header) == 0);
    msg = evbuffer_new();
    LOG("  remove_buffer %zu=%d", body, evbuffer_remove_buffer(in, msg, body));
    memset(text, 0, sizeof text);
    CHECK(evbuffer_ptr_set(msg, &p, body > 6 ? body - 6 : 0, EVBUFFER_PTR_SET) == 0);
    evbuffer_copyout_from(msg, &p, text, 6);
    LOG("  frame %d: %zu bytes, ends [%s]", frames, evbuffer_get_length(msg), text);
    if (body < 80) {
      memset(text, 0, sizeof text);
      evbuffer_remove(msg, text, sizeof text - 1);
      LOG("  frame %d text [%s]", frames, text);
    }
    evbuffer_free(msg);
    ++frames;
  }
  return frames;
}

int main(void) {
  struct event_base *base = new_base();
  struct evbuffer *wire = evbuffer_new(), *in = evbuffer_new(), *urgent = evbuffer_new();
  char big[3000];
  size_t sent = 0, total;
  int i;

  memset(big, 'z', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  frame(wire, "hello %s", "world");
  frame(wire, "%d+%d=%d", 2, 2, 4);
  frame(wire, "%s", "");
  frame(wire, "%5.2f|%-6s|%x|%c", 3.14159, "ab", 255, 'Q');
  frame(wire, "%s%s%s", big, big, "END!!!");
  frame(urgent, "urgent %u", 7u);
  i = evbuffer_prepend_buffer(wire, urgent);
  LOG("prepend_buffer=%d wire=%zu urgent=%zu", i, evbuffer_get_length(wire), evbuffer_get_length(urgent));

  /* Deliver the wire bytes in uneven pieces, decoding after each. */
  total = evbuffer_get_length(wire);
  for (i = 0; sent < total; ++i) {
    size_t piece = (size_t)(i % 3 == 0 ? 3 : i % 3 == 1 ? 17 : 1500);
    int moved = evbuffer_remove_buffer(wire, in, piece);
    sent += (size_t)moved;
    LOG("piece %d: moved %d (sent %zu of %zu)", i, moved, sent, total);
    LOG("  decoded %d", decode(in));
  }
  LOG("left: wire=%zu in=%zu", evbuffer_get_length(wire), evbuffer_get_length(in));
  LOG("remove_buffer from empty=%d", evbuffer_remove_buffer(wire, in, 10));
  evbuffer_free(wire);
  evbuffer_free(in);
  evbuffer_free(urgent);
  event_base_free(base);
  return 0;
}
