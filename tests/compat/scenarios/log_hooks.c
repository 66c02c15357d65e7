/* libevent's diagnostics hooks: a warning reaches event_set_log_callback's
 * callback with its severity, and without a callback goes to stderr as
 * "[warn] text" (captured here through a pipe so the log compares it). */
#include <event.h>

#include "scenario.h"

static int calls;

static void log_cb(int severity, const char *msg) {
  ++calls;
  LOG("log callback: severity %d [%s]", severity, msg);
}

/* Runs what() with stderr redirected into a pipe and logs what it wrote. */
static void capture_stderr(const char *label, void (*what)(void)) {
  int fds[2];
  char text[512];
  CHECK(pipe(fds) == 0);
  fflush(stderr);
  const int saved = dup(2);
  CHECK(saved >= 0 && dup2(fds[1], 2) == 2);
  what();
  fflush(stderr);
  CHECK(dup2(saved, 2) == 2);
  close(saved);
  close(fds[1]);
  const ssize_t n = read(fds[0], text, sizeof text - 1);
  close(fds[0]);
  text[n > 0 ? n : 0] = '\0';
  if (n > 0 && text[n - 1] == '\n') text[n - 1] = '\0';
  LOG("%s: stderr [%s]", label, text);
}

static void free_nothing(void) { event_base_free(NULL); }

int main(void) {
  struct event_base *base = new_base();
  event_base_free(base);

  LOG("constants: %d %d %d %d, dbg all %#x none %d", EVENT_LOG_DEBUG, EVENT_LOG_MSG, EVENT_LOG_WARN, EVENT_LOG_ERR,
      EVENT_DBG_ALL, EVENT_DBG_NONE);
  event_enable_debug_logging(EVENT_DBG_NONE);

  capture_stderr("no callback, event_base_free(NULL)", free_nothing);

  event_set_log_callback(log_cb);
  event_base_free(NULL);
  LOG("callback calls: %d", calls);

  /* event_base_free(NULL) frees event_init()'s base, silently. */
  struct event_base *current = event_init();
  CHECK(current != NULL);
  event_base_free(NULL);
  LOG("after freeing event_init's base: callback calls %d", calls);
  event_base_free(NULL);
  LOG("then nothing to free: callback calls %d", calls);

  event_set_log_callback(NULL);
  capture_stderr("callback reset", free_nothing);
  LOG("callback calls at the end: %d", calls);
  libevent_global_shutdown();
  return 0;
}
