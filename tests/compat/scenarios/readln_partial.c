/* evbuffer_readln as a line-based protocol reader uses it: input arriving in
 * small pieces (one add per piece, so lines span several chains), a line not
 * complete yet (NULL, nothing consumed), a CR at the end of the data that may
 * or may not start a CRLF, every EOL style, n_read_out NULL, and a line longer
 * than one chain. */
#include <event2/buffer.h>

#include "scenario.h"

static const char *style_name(int style) {
  static const char *names[] = {"ANY", "CRLF", "CRLF_STRICT", "LF", "NUL"};
  return names[style];
}

/* The line's bytes, with \r \n \0 made visible. */
static const char *visible(const char *bytes, size_t n) {
  static char out[8192];
  size_t i, o = 0;
  for (i = 0; i < n && o + 3 < sizeof out; ++i) {
    if (bytes[i] == '\r') { out[o++] = '\\'; out[o++] = 'r'; }
    else if (bytes[i] == '\n') { out[o++] = '\\'; out[o++] = 'n'; }
    else if (bytes[i] == '\0') { out[o++] = '\\'; out[o++] = '0'; }
    else out[o++] = bytes[i];
  }
  out[o] = '\0';
  return out;
}

/* Feeds the input piece by piece (pieces separated by '|'), reading every
 * complete line after each piece, as a read callback would. */
static void feed(int style, const char *pieces, size_t total) {
  struct evbuffer *buf = evbuffer_new();
  size_t start = 0, i;
  LOG("%s feeding [%s]", style_name(style), visible(pieces, total));
  for (i = 0; i <= total; ++i) {
    if (i == total || pieces[i] == '|') {
      char *line;
      size_t n = 12345;
      CHECK(evbuffer_add(buf, pieces + start, i - start) == 0);
      while ((line = evbuffer_readln(buf, &n, (enum evbuffer_eol_style)style)) != NULL) {
        LOG("  after piece %zu: line n=%zu [%s]", start, n, visible(line, n));
        free(line);
      }
      {
        char rest[256];
        ev_ssize_t left = evbuffer_copyout(buf, rest, sizeof rest);
        LOG("  after piece %zu: none (n=%zu) left=%d [%s]", start, n, (int)left, visible(rest, (size_t)left));
      }
      start = i + 1;
    }
  }
  evbuffer_free(buf);
}

int main(void) {
  struct event_base *base = new_base();
  static const char input[] = "GET / HTTP/1.1\r|\nHost: x\r\n|\r\n|a\nb\r|c\r\r|\n\0|d\0e|\n";
  int style;
  for (style = EVBUFFER_EOL_ANY; style <= EVBUFFER_EOL_NUL; ++style) feed(style, input, sizeof input - 1);

  {
    /* A line far longer than a chain, added 100 bytes at a time. */
    struct evbuffer *buf = evbuffer_new();
    char piece[100];
    char *line;
    size_t n = 0;
    int i;
    memset(piece, 'L', sizeof piece);
    for (i = 0; i < 70; ++i) evbuffer_add(buf, piece, sizeof piece);
    line = evbuffer_readln(buf, &n, EVBUFFER_EOL_LF);
    LOG("long line before its LF: %s", line ? "line" : "NULL");
    evbuffer_add(buf, "\nnext", 5);
    line = evbuffer_readln(buf, &n, EVBUFFER_EOL_LF);
    LOG("long line n=%zu all L=%d terminated=%d", n, line && strspn(line, "L") == 7000, line && line[n] == '\0');
    free(line);
    line = evbuffer_readln(buf, NULL, EVBUFFER_EOL_ANY);
    LOG("n_read_out NULL, no EOL: %s left=%zu", line ? line : "NULL", evbuffer_get_length(buf));
    evbuffer_add(buf, "\r\n", 2);
    line = evbuffer_readln(buf, NULL, EVBUFFER_EOL_CRLF);
    LOG("n_read_out NULL: [%s] left=%zu", line ? line : "NULL", evbuffer_get_length(buf));
    free(line);
    line = evbuffer_readln(buf, &n, EVBUFFER_EOL_ANY);
    LOG("empty buffer: %s", line ? "line" : "NULL");
    evbuffer_add(buf, "\n\n\r\n", 4);
    for (style = 0; style < 3; ++style) {
      line = evbuffer_readln(buf, &n, EVBUFFER_EOL_LF);
      LOG("empty line %d: n=%zu [%s] left=%zu", style, n, line ? visible(line, n) : "NULL", evbuffer_get_length(buf));
      free(line);
    }
    evbuffer_free(buf);
  }
  event_base_free(base);
  return 0;
}
