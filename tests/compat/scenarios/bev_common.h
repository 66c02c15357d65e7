/* Shared by the bufferevent scenarios (bev_*.c): BEV_EVENT_* rendering and a
 * bounded loop run. Included after scenario.h. */
#ifndef BEV_COMMON_H
#define BEV_COMMON_H

#include <event2/buffer.h>
#include <event2/bufferevent.h>

/* "READING|TIMEOUT" style rendering of BEV_EVENT_* bits. */
static inline const char *bev_what(short what) {
  static char buf[8][96];
  static int slot;
  char *b = buf[slot++ % 8];
  b[0] = '\0';
  if (what & BEV_EVENT_READING) strcat(b, "|READING");
  if (what & BEV_EVENT_WRITING) strcat(b, "|WRITING");
  if (what & BEV_EVENT_EOF) strcat(b, "|EOF");
  if (what & BEV_EVENT_ERROR) strcat(b, "|ERROR");
  if (what & BEV_EVENT_TIMEOUT) strcat(b, "|TIMEOUT");
  if (what & BEV_EVENT_CONNECTED) strcat(b, "|CONNECTED");
  if (what & ~0xf3) strcat(b, "|?");
  return b[0] ? b + 1 : "0";
}

/* Runs base's loop for at most milliseconds (it may end earlier if empty). */
static inline void run_for(struct event_base *base, long milliseconds) {
  struct timeval tv = ms(milliseconds);
  CHECK(event_base_loopexit(base, &tv) == 0);
  CHECK(event_base_dispatch(base) >= 0);
}

#endif
