/* evbuffer_expand / reserve / commit as a reader fills a buffer in place, and
 * evbuffer_freeze as bufferevents use it, exercised on every call that moves
 * data between buffers: add_buffer / prepend_buffer / remove_buffer into or out
 * of a frozen end, commit into a frozen end, nested freezes, and what the
 * change callbacks see. Only lengths, contents and return values are printed
 * (how many extents a reservation spans is each library's own choice). */
#include <event2/buffer.h>

#include "scenario.h"

static void changed(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg) {
  LOG("  cb %s: orig=%zu +%zu -%zu now=%zu", (const char *)arg, info->orig_size, info->n_added, info->n_deleted,
      evbuffer_get_length(buf));
}

static const char *text(struct evbuffer *buf) {
  static char out[2][128];
  static int slot;
  char *o = out[slot++ % 2];
  ev_ssize_t n = evbuffer_copyout(buf, o, sizeof out[0] - 1);
  o[n < 0 ? 0 : n] = '\0';
  return o;
}

int main(void) {
  struct event_base *base = new_base();
  struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
  struct evbuffer_iovec v[4];
  int n, i, r;
  size_t filled;

  evbuffer_add_cb(a, changed, "a");
  evbuffer_add_cb(b, changed, "b");
  LOG("expand 0=%d", evbuffer_expand(a, 0));
  r = evbuffer_expand(a, 5000);
  LOG("expand 5000=%d len=%zu", r, evbuffer_get_length(a));

  /* Fill 3000 bytes through a 2-vector reservation. */
  n = evbuffer_reserve_space(a, 3000, v, 2);
  CHECK(n >= 1 && n <= 2);
  for (i = 0, filled = 0; i < n; ++i) filled += v[i].iov_len;
  LOG("reserve 3000: room>=3000 is %d", filled >= 3000);
  for (i = 0, filled = 0; i < n; ++i) {
    size_t want = 3000 - filled < v[i].iov_len ? 3000 - filled : v[i].iov_len;
    memset(v[i].iov_base, 'r', want);
    v[i].iov_len = want;
    filled += want;
  }
  r = evbuffer_commit_space(a, v, n);
  LOG("commit=%d len=%zu", r, evbuffer_get_length(a));
  r = evbuffer_drain(a, 2990);
  LOG("drain 2990=%d [%s]", r, text(a));

  LOG("-- freeze end of a");
  evbuffer_freeze(a, 0);
  n = evbuffer_reserve_space(a, 10, v, 1);
  LOG("reserve on frozen end=%d", n);
  evbuffer_add(b, "BBB", 3);
  r = evbuffer_add_buffer(a, b);
  LOG("add_buffer into frozen end=%d a=[%s] b=[%s]", r, text(a), text(b));
  LOG("remove_buffer into frozen end=%d", evbuffer_remove_buffer(b, a, 2));
  r = evbuffer_add_buffer(b, a);
  LOG("add_buffer out of a (front not frozen)=%d a=[%s] b=[%s]", r, text(a), text(b));
  r = evbuffer_prepend_buffer(a, b);
  LOG("prepend_buffer into a (front not frozen)=%d a=[%s]", r, text(a));
  LOG("nested freeze end=%d", evbuffer_freeze(a, 0));
  r = evbuffer_unfreeze(a, 0);
  LOG("unfreeze once=%d", r);
  LOG("add=%d", evbuffer_add(a, "x", 1));
  r = evbuffer_unfreeze(a, 0);
  LOG("unfreeze twice=%d", r);
  r = evbuffer_add(a, "x", 1);
  LOG("add=%d [%s]", r, text(a));

  LOG("-- freeze start of a");
  evbuffer_freeze(a, 1);
  LOG("remove_buffer out of frozen start=%d", evbuffer_remove_buffer(a, b, 2));
  LOG("add_buffer out of frozen start=%d", evbuffer_add_buffer(b, a));
  evbuffer_add(b, "pp", 2);
  LOG("prepend_buffer into frozen start=%d", evbuffer_prepend_buffer(a, b));
  n = evbuffer_reserve_space(a, 4, v, 1);
  LOG("reserve at the end (not frozen)=%d", n);
  memcpy(v[0].iov_base, "tail", 4);
  v[0].iov_len = 4;
  r = evbuffer_commit_space(a, v, 1);
  LOG("commit=%d [%s]", r, text(a));
  LOG("pullup on frozen start=%s", evbuffer_pullup(a, -1) ? "ptr" : "NULL");
  LOG("expand on frozen start=%d", evbuffer_expand(a, 100));
  evbuffer_unfreeze(a, 1);
  r = evbuffer_drain(a, evbuffer_get_length(a));
  LOG("thawed: drain all=%d len=%zu", r, evbuffer_get_length(a));

  LOG("-- reservation abandoned by a second reserve");
  n = evbuffer_reserve_space(a, 8, v, 1);
  memcpy(v[0].iov_base, "lost", 4);
  n = evbuffer_reserve_space(a, 8, v, 1);
  memcpy(v[0].iov_base, "kept", 4);
  v[0].iov_len = 4;
  r = evbuffer_commit_space(a, v, n);
  LOG("commit second=%d [%s]", r, text(a));
  LOG("commit of more than reserved=%d", evbuffer_commit_space(a, v, 3));

  evbuffer_free(a);
  evbuffer_free(b);
  event_base_free(base);
  return 0;
}
