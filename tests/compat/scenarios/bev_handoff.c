/* Handing a connection from one bufferevent to another, as a server that
 * switches protocol handlers does: handler A reads the first line and leaves
 * the rest of what it read in its input; A is freed without CLOSE_ON_FREE;
 * handler B is created on the same fd. The bytes A had already read are not
 * in the kernel any more: B gets them only if the program moves them, and the
 * input of a bufferevent is frozen at its end (evbuffer_add_buffer into it
 * fails), so they go in with evbuffer_prepend_buffer. */
#include "scenario.h"
#include "bev_common.h"

static struct event_base *base;
static char b_seen[256];

static void a_read_cb(struct bufferevent *bev, void *ctx) {
  char *line = evbuffer_readln(bufferevent_get_input(bev), NULL, EVBUFFER_EOL_LF);
  (void)ctx;
  LOG("  A: first line [%s], %zu bytes left in A's input", line ? line : "(none)",
      evbuffer_get_length(bufferevent_get_input(bev)));
  free(line);
  CHECK(bufferevent_disable(bev, EV_READ) == 0);
}

static void b_read_cb(struct bufferevent *bev, void *ctx) {
  char *line;
  (void)ctx;
  while ((line = evbuffer_readln(bufferevent_get_input(bev), NULL, EVBUFFER_EOL_LF)) != NULL) {
    strcat(b_seen, line);
    strcat(b_seen, "|");
    free(line);
  }
}

static struct bufferevent *handler_b(int fd, struct evbuffer *carried, int use_prepend) {
  struct bufferevent *b = bufferevent_socket_new(base, fd, 0);
  CHECK(b != NULL);
  bufferevent_setcb(b, b_read_cb, NULL, NULL, NULL);
  if (carried) {
    int r = use_prepend ? evbuffer_prepend_buffer(bufferevent_get_input(b), carried)
                        : evbuffer_add_buffer(bufferevent_get_input(b), carried);
    LOG("  move A's leftovers into B's input with %s=%d", use_prepend ? "prepend_buffer" : "add_buffer", r);
  }
  CHECK(bufferevent_enable(b, EV_READ) == 0);
  return b;
}

static void attempt(const char *title, int carry, int use_prepend) {
  int pair[2];
  struct bufferevent *a, *b;
  struct evbuffer *carried = evbuffer_new();
  LOG("== %s", title);
  make_pair(pair);
  b_seen[0] = '\0';
  a = bufferevent_socket_new(base, pair[0], 0);
  CHECK(a != NULL);
  bufferevent_setcb(a, a_read_cb, NULL, NULL, NULL);
  CHECK(bufferevent_enable(a, EV_READ) == 0);
  send_bytes(pair[1], "HELLO v2\nreq one\nreq two\n");
  run_for(base, 30);
  if (carry) evbuffer_add_buffer(carried, bufferevent_get_input(a));
  bufferevent_free(a);
  b = handler_b(pair[0], carry ? carried : NULL, use_prepend);
  send_bytes(pair[1], "req three\n");
  run_for(base, 30);
  LOG("  B saw: %s", b_seen);
  LOG("  B's input left=%zu, carried left=%zu", evbuffer_get_length(bufferevent_get_input(b)),
      evbuffer_get_length(carried));
  bufferevent_free(b);
  evbuffer_free(carried);
  close(pair[0]);
  close(pair[1]);
}

int main(void) {
  base = new_base();
  attempt("leftovers dropped", 0, 0);
  attempt("leftovers added with add_buffer", 1, 0);
  attempt("leftovers prepended", 1, 1);
  event_base_free(base);
  return 0;
}
