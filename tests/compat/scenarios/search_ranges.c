/* evbuffer_search / search_range / search_eol / ptr_set as a parser walks a
 * buffer: every match of a pattern by advancing a ptr, matches spanning the
 * boundary between two adds, ranges that end inside a match, a start past the
 * end, EVBUFFER_PTR_ADD past the end (rejected, ptr unchanged), search_eol from
 * a ptr with each style, and a ptr kept across a drain (re-set, as libevent
 * requires). */
#include <event2/buffer.h>

#include "scenario.h"

static void all_matches(struct evbuffer *buf, const char *pattern) {
  struct evbuffer_ptr p = evbuffer_search(buf, pattern, strlen(pattern), NULL);
  char line[512] = "";
  int count = 0;
  while (p.pos != -1 && count < 50) {
    char one[16];
    snprintf(one, sizeof one, " %d", (int)p.pos);
    strcat(line, one);
    ++count;
    CHECK(evbuffer_ptr_set(buf, &p, 1, EVBUFFER_PTR_ADD) == 0);
    p = evbuffer_search(buf, pattern, strlen(pattern), &p);
  }
  LOG("matches of [%s]:%s (%d)", pattern, line, count);
}

static void ranged(struct evbuffer *buf, const char *pattern, int from, int to) {
  struct evbuffer_ptr start, end;
  struct evbuffer_ptr r;
  CHECK(evbuffer_ptr_set(buf, &start, (size_t)from, EVBUFFER_PTR_SET) == 0);
  CHECK(evbuffer_ptr_set(buf, &end, (size_t)to, EVBUFFER_PTR_SET) == 0);
  r = evbuffer_search_range(buf, pattern, strlen(pattern), &start, &end);
  LOG("range [%s] %d..%d -> %d", pattern, from, to, (int)r.pos);
}

int main(void) {
  struct event_base *base = new_base();
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_ptr p, q;
  size_t eol_len;
  int rc, style;
  char out[32];

  /* "key=value;" records split across adds at awkward places */
  evbuffer_add(buf, "alpha=1;be", 10);
  evbuffer_add(buf, "ta=22;gam", 9);
  evbuffer_add(buf, "ma=333;;", 8);
  evbuffer_add(buf, ";delta=4", 8);
  LOG("len=%zu", evbuffer_get_length(buf));
  all_matches(buf, ";");
  all_matches(buf, "=");
  all_matches(buf, "ta=");
  all_matches(buf, "a=");
  all_matches(buf, ";;");
  all_matches(buf, "gamma");
  all_matches(buf, "alpha=1;beta=22;gamma=333;;;delta=4");
  all_matches(buf, "alpha=1;beta=22;gamma=333;;;delta=45");
  ranged(buf, "beta", 0, 35);
  ranged(buf, "beta", 0, 12);
  ranged(buf, "beta", 0, 11);
  ranged(buf, "beta", 8, 12);
  ranged(buf, "beta", 9, 35);
  ranged(buf, ";", 26, 27);
  ranged(buf, ";", 27, 27);
  ranged(buf, "=4", 33, 35);

  rc = evbuffer_ptr_set(buf, &p, 35, EVBUFFER_PTR_SET);
  LOG("ptr_set 35 (the end)=%d pos=%d", rc, (int)p.pos);
  q = evbuffer_search(buf, "a", 1, &p);
  LOG("search from the end=%d", (int)q.pos);
  rc = evbuffer_ptr_set(buf, &p, 36, EVBUFFER_PTR_SET);
  LOG("ptr_set 36=%d", rc);
  CHECK(evbuffer_ptr_set(buf, &p, 30, EVBUFFER_PTR_SET) == 0);
  rc = evbuffer_ptr_set(buf, &p, 5, EVBUFFER_PTR_ADD);
  LOG("ptr_set 30+5=%d pos=%d", rc, (int)p.pos);
  rc = evbuffer_ptr_set(buf, &p, 1, EVBUFFER_PTR_ADD);
  LOG("ptr_set 35+1=%d", rc);

  /* copyout_from a ptr in the middle of an add */
  CHECK(evbuffer_ptr_set(buf, &p, 8, EVBUFFER_PTR_SET) == 0);
  memset(out, 0, sizeof out);
  LOG("copyout_from 8 (12)=%d [%s] len still %zu", (int)evbuffer_copyout_from(buf, &p, out, 12), out,
      evbuffer_get_length(buf));
  CHECK(evbuffer_ptr_set(buf, &p, 30, EVBUFFER_PTR_SET) == 0);
  memset(out, 0, sizeof out);
  LOG("copyout_from 30 (20)=%d [%s]", (int)evbuffer_copyout_from(buf, &p, out, 20), out);

  /* a ptr is re-set after the buffer changes at its front */
  p = evbuffer_search(buf, "gamma", 5, NULL);
  LOG("gamma at %d", (int)p.pos);
  evbuffer_drain(buf, 8);
  p = evbuffer_search(buf, "gamma", 5, NULL);
  LOG("after draining 8, gamma at %d", (int)p.pos);

  evbuffer_drain(buf, evbuffer_get_length(buf));
  evbuffer_add(buf, "one\r", 4);
  evbuffer_add(buf, "\ntwo\n\r", 6);
  evbuffer_add(buf, "three\0four\r\r\nend", 16);
  for (style = EVBUFFER_EOL_ANY; style <= EVBUFFER_EOL_NUL; ++style) {
    char line[256] = "";
    int hops = 0;
    p = evbuffer_search_eol(buf, NULL, &eol_len, (enum evbuffer_eol_style)style);
    while (p.pos != -1 && hops < 20) {
      char one[32];
      snprintf(one, sizeof one, " %d/%zu", (int)p.pos, eol_len);
      strcat(line, one);
      ++hops;
      if (evbuffer_ptr_set(buf, &p, eol_len ? eol_len : 1, EVBUFFER_PTR_ADD) != 0) break;
      p = evbuffer_search_eol(buf, &p, &eol_len, (enum evbuffer_eol_style)style);
    }
    LOG("eol style %d at/len:%s", style, line);
  }
  p = evbuffer_search_eol(buf, NULL, NULL, EVBUFFER_EOL_LF);
  LOG("search_eol with NULL eol_len_out=%d", (int)p.pos);

  evbuffer_drain(buf, evbuffer_get_length(buf));
  LOG("empty: search=%d eol=%d", (int)evbuffer_search(buf, "x", 1, NULL).pos,
      (int)evbuffer_search_eol(buf, NULL, &eol_len, EVBUFFER_EOL_ANY).pos);
  rc = evbuffer_ptr_set(buf, &p, 0, EVBUFFER_PTR_SET);
  LOG("empty: ptr_set 0=%d pos=%d", rc, (int)p.pos);
  evbuffer_free(buf);
  event_base_free(base);
  return 0;
}
