/* evbuffer: add/remove/drain/copyout/pullup, prepend and buffer moves, readln
 * with every EOL style, search with evbuffer_ptr, peek, reserve/commit,
 * freeze, fd I/O, and change callbacks with their evbuffer_cb_info values.
 * Only contents, lengths and return values are printed: how many extents a
 * peek or reservation spans depends on each library's block sizes. */
#include <event2/buffer.h>
#include <event2/buffer_compat.h>

#include "scenario.h"

/* The buffer's bytes, with \r \n \0 made visible. */
static const char *show(struct evbuffer *buf) {
  static char ring[4][4096];
  static int slot;
  char *out = ring[slot++ % 4];
  char tmp[1024];
  ev_ssize_t n = evbuffer_copyout(buf, tmp, sizeof tmp);
  size_t o = 0;
  ev_ssize_t i;
  for (i = 0; i < n && o + 4 < sizeof ring[0]; ++i) {
    if (tmp[i] == '\r') { out[o++] = '\\'; out[o++] = 'r'; }
    else if (tmp[i] == '\n') { out[o++] = '\\'; out[o++] = 'n'; }
    else if (tmp[i] == '\0') { out[o++] = '\\'; out[o++] = '0'; }
    else out[o++] = tmp[i];
  }
  out[o] = '\0';
  return out;
}

static void log_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg) {
  LOG("  cb %s: orig=%zu added=%zu deleted=%zu now=%zu", (const char *)arg, info->orig_size, info->n_added,
      info->n_deleted, evbuffer_get_length(buf));
}

static int self_removals;
static void remove_self_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg) {
  (void)arg;
  LOG("  cb once: added=%zu deleted=%zu", info->n_added, info->n_deleted);
  ++self_removals;
  CHECK(evbuffer_remove_cb(buf, remove_self_cb, NULL) == 0);
}

static void basics(void) {
  struct evbuffer *buf = evbuffer_new();
  char out[64];
  int r;
  unsigned char *p;
  LOG("== basics");
  LOG("empty len=%zu contiguous=%zu", evbuffer_get_length(buf), evbuffer_get_contiguous_space(buf));
  LOG("add=%d", evbuffer_add(buf, "hello", 5));
  LOG("add 0 bytes=%d", evbuffer_add(buf, "", 0));
  LOG("printf=%d", evbuffer_add_printf(buf, " %s-%d", "world", 42));
  LOG("len=%zu contiguous=%zu [%s]", evbuffer_get_length(buf), evbuffer_get_contiguous_space(buf), show(buf));
  memset(out, 0, sizeof out);
  LOG("copyout 3=%d [%.3s] len=%zu", (int)evbuffer_copyout(buf, out, 3), out, evbuffer_get_length(buf));
  memset(out, 0, sizeof out);
  r = evbuffer_remove(buf, out, 6);
  LOG("remove 6=%d [%s] len=%zu", r, out, evbuffer_get_length(buf));
  r = evbuffer_drain(buf, 2);
  LOG("drain 2=%d [%s]", r, show(buf));
  r = evbuffer_drain(buf, 100);
  LOG("drain 100=%d len=%zu", r, evbuffer_get_length(buf));
  LOG("drain empty=%d", evbuffer_drain(buf, 1));
  memset(out, 0, sizeof out);
  LOG("remove from empty=%d", evbuffer_remove(buf, out, 4));
  LOG("pullup empty=%s", evbuffer_pullup(buf, -1) ? "ptr" : "NULL");
  LOG("prepend=%d", evbuffer_prepend(buf, "tail", 4));
  r = evbuffer_prepend(buf, "head-", 5);
  LOG("prepend=%d [%s]", r, show(buf));
  p = evbuffer_pullup(buf, 5);
  LOG("pullup 5=[%.5s]", p);
  LOG("pullup 99=%s", evbuffer_pullup(buf, 99) ? "ptr" : "NULL");
  p = evbuffer_pullup(buf, -1);
  LOG("pullup all=[%.9s]", p);
  r = evbuffer_expand(buf, 10000);
  LOG("expand=%d len=%zu", r, evbuffer_get_length(buf));
  evbuffer_free(buf);
}

static void moves(void) {
  struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
  char big[10000];
  size_t i;
  int r;
  LOG("== moves");
  evbuffer_add(a, "AAAA", 4);
  evbuffer_add(b, "bbbb", 4);
  r = evbuffer_add_buffer(a, b);
  LOG("add_buffer=%d a=[%s] b=[%s]", r, show(a), show(b));
  evbuffer_add(b, "pre:", 4);
  r = evbuffer_prepend_buffer(a, b);
  LOG("prepend_buffer=%d a=[%s] b=len %zu", r, show(a), evbuffer_get_length(b));
  r = evbuffer_remove_buffer(a, b, 6);
  LOG("remove_buffer 6=%d a=[%s] b=[%s]", r, show(a), show(b));
  r = evbuffer_remove_buffer(a, b, 100);
  LOG("remove_buffer 100=%d a=len %zu b=[%s]", r, evbuffer_get_length(a), show(b));
  LOG("add_buffer self=%d", evbuffer_add_buffer(b, b));
  for (i = 0; i < sizeof big; ++i) big[i] = (char)('a' + i % 26);
  evbuffer_drain(b, evbuffer_get_length(b));
  evbuffer_add(a, big, sizeof big);
  evbuffer_add(a, big, sizeof big);
  r = evbuffer_remove_buffer(a, b, 15000);
  LOG("remove_buffer 15000=%d a=%zu b=%zu", r, evbuffer_get_length(a), evbuffer_get_length(b));
  {
    char chunk[8] = {0};
    evbuffer_copyout(b, chunk, 7);
    LOG("b starts [%s]; pullup 12000 of b %s", chunk,
        memcmp(evbuffer_pullup(b, 12000) + 10000, big, 2000) == 0 ? "matches" : "differs");
  }
  evbuffer_free(a);
  evbuffer_free(b);
}

static void lines(void) {
  static const char *names[] = {"ANY", "CRLF", "CRLF_STRICT", "LF", "NUL"};
  static const char input[] = "one\r\ntwo\nthree\r\r\nfour\n\rfive\0six\r\n\nseven";
  int style;
  LOG("== readln");
  for (style = EVBUFFER_EOL_ANY; style <= EVBUFFER_EOL_NUL; ++style) {
    struct evbuffer *buf = evbuffer_new();
    char *line;
    size_t n;
    evbuffer_add(buf, input, sizeof input - 1);
    LOG("%s:", names[style]);
    while ((line = evbuffer_readln(buf, &n, (enum evbuffer_eol_style)style)) != NULL) {
      struct evbuffer *tmp = evbuffer_new();
      evbuffer_add(tmp, line, n);
      LOG("  line n=%zu [%s]", n, show(tmp));
      evbuffer_free(tmp);
      free(line);
    }
    LOG("  no more; n=%zu left=[%s]", n, show(buf));
    evbuffer_free(buf);
  }
  {
    struct evbuffer *buf = evbuffer_new();
    char *line;
    evbuffer_add(buf, "a\r\n\r\nb", 6);
    line = evbuffer_readline(buf);
    LOG("readline=[%s] left=[%s]", line, show(buf));
    free(line);
    evbuffer_free(buf);
  }
}

static void searching(void) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_ptr p, q, end;
  size_t eol;
  char out[16] = {0};
  struct evbuffer_iovec v[4];
  int n, i;
  size_t total;
  LOG("== search");
  evbuffer_add(buf, "abcabcab", 8);
  evbuffer_add(buf, "cXYZ\r\nline2\n", 12);
  p = evbuffer_search(buf, "abc", 3, NULL);
  LOG("search abc=%d", (int)p.pos);
  CHECK(evbuffer_ptr_set(buf, &p, 1, EVBUFFER_PTR_ADD) == 0);
  q = evbuffer_search(buf, "abc", 3, &p);
  LOG("next abc=%d", (int)q.pos);
  CHECK(evbuffer_ptr_set(buf, &q, 1, EVBUFFER_PTR_ADD) == 0);
  q = evbuffer_search(buf, "abc", 3, &q);
  LOG("third abc (crosses adds)=%d", (int)q.pos);
  LOG("search none=%d", (int)evbuffer_search(buf, "nope", 4, NULL).pos);
  LOG("search empty pattern=%d", (int)evbuffer_search(buf, "", 0, NULL).pos);
  CHECK(evbuffer_ptr_set(buf, &end, 5, EVBUFFER_PTR_SET) == 0);
  LOG("range abc to 5=%d", (int)evbuffer_search_range(buf, "abc", 3, NULL, &end).pos);
  CHECK(evbuffer_ptr_set(buf, &end, 6, EVBUFFER_PTR_SET) == 0);
  LOG("range abc from 1 to 6=%d", (int)evbuffer_search_range(buf, "abc", 3, &p, &end).pos);
  n = evbuffer_ptr_set(buf, &q, 20, EVBUFFER_PTR_SET);
  LOG("ptr_set 20 (end)=%d pos=%d", n, (int)q.pos);
  n = evbuffer_ptr_set(buf, &q, 21, EVBUFFER_PTR_SET);
  LOG("ptr_set 21=%d pos=%d", n, (int)q.pos);
  p = evbuffer_search_eol(buf, NULL, &eol, EVBUFFER_EOL_CRLF);
  LOG("eol CRLF at %d len %zu", (int)p.pos, eol);
  CHECK(evbuffer_ptr_set(buf, &p, eol, EVBUFFER_PTR_ADD) == 0);
  q = evbuffer_search_eol(buf, &p, &eol, EVBUFFER_EOL_LF);
  LOG("next eol LF at %d len %zu", (int)q.pos, eol);
  q = evbuffer_search_eol(buf, NULL, &eol, EVBUFFER_EOL_NUL);
  LOG("eol NUL at %d len %zu", (int)q.pos, eol);
  CHECK(evbuffer_ptr_set(buf, &p, 9, EVBUFFER_PTR_SET) == 0);
  LOG("copyout_from 9=%d", (int)evbuffer_copyout_from(buf, &p, out, 3));
  LOG("  [%s]", out);
  /* peek: what the extents cover, never how many there are */
  n = evbuffer_peek(buf, -1, NULL, v, 4);
  for (i = 0, total = 0; i < n && i < 4; ++i) total += v[i].iov_len;
  LOG("peek all covers %zu bytes, first byte %c", total, *(char *)v[0].iov_base);
  n = evbuffer_peek(buf, 2, &p, v, 1);
  LOG("peek 2 at 9: n=%d first [%.2s]", n, (char *)v[0].iov_base);
  CHECK(evbuffer_ptr_set(buf, &p, 20, EVBUFFER_PTR_SET) == 0);
  LOG("peek at end=%d", evbuffer_peek(buf, -1, &p, v, 4));
  LOG("find=[%.4s]", (char *)evbuffer_find(buf, (const unsigned char *)"XYZ", 3));
  LOG("find none=%s", evbuffer_find(buf, (const unsigned char *)"QQ", 2) ? "ptr" : "NULL");
  evbuffer_free(buf);
}

static void reserve(void) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v[2];
  int n;
  LOG("== reserve/commit");
  evbuffer_add(buf, "x", 1);
  n = evbuffer_reserve_space(buf, 100, v, 1);
  LOG("reserve 100 in 1=%d big enough=%d", n, v[0].iov_len >= 100);
  memcpy(v[0].iov_base, "reserved", 8);
  v[0].iov_len = 8;
  n = evbuffer_commit_space(buf, v, 1);
  LOG("commit=%d [%s]", n, show(buf));
  n = evbuffer_reserve_space(buf, 5000, v, 2);
  LOG("reserve 5000 in 2: n>0=%d", n > 0);
  memcpy(v[0].iov_base, "!", 1);
  v[0].iov_len = 1;
  n = evbuffer_commit_space(buf, v, 1);
  LOG("commit first 1=%d [%s]", n, show(buf));
  LOG("commit 0=%d", evbuffer_commit_space(buf, v, 0));
  LOG("reserve 0 vecs=%d", evbuffer_reserve_space(buf, 10, v, 0));
  evbuffer_free(buf);
}

static void freezing(void) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v[1];
  char out[4];
  LOG("== freeze");
  evbuffer_add(buf, "abc", 3);
  evbuffer_freeze(buf, 0);
  LOG("end frozen: add=%d", evbuffer_add(buf, "d", 1));
  LOG("end frozen: printf=%d", evbuffer_add_printf(buf, "e"));
  LOG("end frozen: reserve=%d", evbuffer_reserve_space(buf, 1, v, 1));
  LOG("end frozen: prepend=%d", evbuffer_prepend(buf, "z", 1));
  LOG("end frozen: drain=%d [%s]", evbuffer_drain(buf, 1), show(buf));
  evbuffer_unfreeze(buf, 0);
  evbuffer_freeze(buf, 1);
  LOG("start frozen: add=%d", evbuffer_add(buf, "d", 1));
  LOG("start frozen: prepend=%d", evbuffer_prepend(buf, "z", 1));
  LOG("start frozen: drain=%d", evbuffer_drain(buf, 1));
  LOG("start frozen: remove=%d", evbuffer_remove(buf, out, 1));
  LOG("start frozen: copyout=%d", (int)evbuffer_copyout(buf, out, 1));
  evbuffer_unfreeze(buf, 1);
  LOG("thawed [%s]", show(buf));
  evbuffer_free(buf);
}

static void fd_io(void) {
  struct evbuffer *buf = evbuffer_new();
  int pair[2];
  char big[10000];
  int r;
  LOG("== read/write");
  make_pair(pair);
  evbuffer_add(buf, "ping-pong", 9);
  r = evbuffer_write_atmost(buf, pair[0], 4);
  LOG("write_atmost 4=%d left=[%s]", r, show(buf));
  LOG("write_atmost 0=%d", evbuffer_write_atmost(buf, pair[0], 0));
  r = evbuffer_write(buf, pair[0]);
  LOG("write=%d left=%zu", r, evbuffer_get_length(buf));
  LOG("write empty=%d", evbuffer_write(buf, pair[0]));
  r = evbuffer_read(buf, pair[1], 3);
  LOG("read 3=%d [%s]", r, show(buf));
  r = evbuffer_read(buf, pair[1], -1);
  LOG("read rest=%d [%s]", r, show(buf));
  r = evbuffer_read(buf, pair[1], -1);
  LOG("read nothing=%d again=%d", r, errno == EAGAIN);
  memset(big, 'q', sizeof big);
  CHECK(write(pair[0], big, sizeof big) == (ssize_t)sizeof big);
  evbuffer_drain(buf, evbuffer_get_length(buf));
  /* libevent reads at most 4096 bytes per call (EVBUFFER_MAX_READ) */
  LOG("read big=%d", evbuffer_read(buf, pair[1], -1));
  LOG("read big 5000=%d", evbuffer_read(buf, pair[1], 5000));
  close(pair[0]);
  LOG("read 100=%d", evbuffer_read(buf, pair[1], 100));
  LOG("read rest=%d", evbuffer_read(buf, pair[1], -1));
  r = evbuffer_read(buf, pair[1], -1);
  LOG("read eof=%d len=%zu", r, evbuffer_get_length(buf));
  close(pair[1]);
  evbuffer_free(buf);
}

static void callbacks(void) {
  struct evbuffer *buf = evbuffer_new(), *other = evbuffer_new();
  struct evbuffer_cb_entry *first, *second;
  char out[16];
  char *line;
  LOG("== callbacks (newest first)");
  first = evbuffer_add_cb(buf, log_cb, "first");
  second = evbuffer_add_cb(buf, log_cb, "second");
  CHECK(first != NULL && second != NULL);
  LOG("add"); evbuffer_add(buf, "hello\nworld\n", 12);
  LOG("add nothing"); evbuffer_add(buf, "", 0);
  LOG("drain"); evbuffer_drain(buf, 2);
  LOG("remove"); evbuffer_remove(buf, out, 3);
  LOG("readln"); line = evbuffer_readln(buf, NULL, EVBUFFER_EOL_LF); free(line);
  LOG("printf"); evbuffer_add_printf(buf, "%d", 12345);
  LOG("prepend"); evbuffer_prepend(buf, ">>", 2);
  evbuffer_add(other, "OTHER", 5);
  LOG("add_buffer into"); evbuffer_add_buffer(buf, other);
  LOG("add_buffer out of"); evbuffer_add_buffer(other, buf);
  LOG("prepend_buffer"); evbuffer_prepend_buffer(buf, other);
  LOG("remove_buffer 4"); evbuffer_remove_buffer(buf, other, 4);
  LOG("clear ENABLED on second=%d", evbuffer_cb_clear_flags(buf, second, EVBUFFER_CB_ENABLED));
  LOG("drain 1"); evbuffer_drain(buf, 1);
  LOG("set ENABLED on second=%d", evbuffer_cb_set_flags(buf, second, EVBUFFER_CB_ENABLED));
  LOG("pullup (no change)"); evbuffer_pullup(buf, -1);
  LOG("remove_cb_entry first=%d", evbuffer_remove_cb_entry(buf, first));
  LOG("drain 2"); evbuffer_drain(buf, 2);
  LOG("remove_cb unknown=%d", evbuffer_remove_cb(buf, log_cb, "nobody"));
  evbuffer_add_cb(buf, remove_self_cb, NULL);
  LOG("add (one-shot cb)"); evbuffer_add(buf, "ab", 2);
  LOG("add again"); evbuffer_add(buf, "cd", 2);
  LOG("one-shot ran %d time(s)", self_removals);
  {
    struct evbuffer_iovec v[1];
    evbuffer_reserve_space(buf, 10, v, 1);
    LOG("reserve (no change)");
    memcpy(v[0].iov_base, "12", 2);
    v[0].iov_len = 2;
    LOG("commit"); evbuffer_commit_space(buf, v, 1);
  }
  LOG("final [%s]", show(buf));
  evbuffer_free(buf);
  evbuffer_free(other);
}

int main(void) {
  /* No base is needed; scenarios still announce a backend for the runner. */
  struct event_base *base = new_base();
  basics();
  moves();
  lines();
  searching();
  reserve();
  freezing();
  fd_io();
  callbacks();
  event_base_free(base);
  return 0;
}
