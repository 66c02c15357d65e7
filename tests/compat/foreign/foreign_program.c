/* A libevent program built the way any program on Debian is: against Debian's
 * <event2/...> headers, linked with Debian's -levent_core. ctest runs the very
 * same binary twice, once as built and once with LD_LIBRARY_PATH at
 * ReactorScope's shared compat library, and requires the same log on stdout;
 * stderr names the object that event_base_new came from, so the test knows
 * which library ran. Its ticker is a struct event of its own (libevent's 128
 * bytes, from Debian's header) that it event_assign()s, as programs that embed
 * events in their own structs do; event_get_struct_event_size() must agree. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/util.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LOG(...) (printf(__VA_ARGS__), putchar('\n'), fflush(stdout))

static struct event_base *base;
static struct event tick; /* the program's own storage */
static int ticks;

static void on_tick(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  LOG("tick %d what=%#x", ++ticks, what);
  if (ticks == 3) event_del((struct event *)arg);
}

static void echo_read(struct bufferevent *bev, void *arg) {
  (void)arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  LOG("server read %zu bytes", evbuffer_get_length(in));
  bufferevent_write_buffer(bev, in); /* echo */
}

static void client_read(struct bufferevent *bev, void *arg) {
  (void)arg;
  char line[64];
  size_t n = bufferevent_read(bev, line, sizeof line - 1);
  line[n] = '\0';
  LOG("client got [%s]", line);
  if (strcmp(line, "second") == 0) event_base_loopexit(base, NULL);
  else bufferevent_write(bev, "second", 6);
}

static void on_signal(evutil_socket_t sig, short what, void *arg) {
  (void)what, (void)arg;
  LOG("signal %d", (int)sig);
}

int main(void) {
  Dl_info info;
  if (dladdr((void *)&event_base_new, &info) && info.dli_fname) fprintf(stderr, "library: %s\n", info.dli_fname);

  LOG("version %s (%#x)", event_get_version(), (unsigned)event_get_version_number());
  /* util.h macros in libevent (no such symbols in its .so): a build against our headers must link too */
  struct timeval now;
  LOG("gettimeofday %d, ECONNREFUSED [%s]", evutil_gettimeofday(&now, NULL), evutil_socket_error_to_string(ECONNREFUSED));
  base = event_base_new();
  if (!base) return 1;
  LOG("method %s", event_base_get_method(base));

  LOG("struct event: %zu bytes here, %zu in the library", sizeof(struct event), event_get_struct_event_size());
  if (event_assign(&tick, base, -1, EV_PERSIST, on_tick, event_self_cbarg()) != 0) return 1;
  LOG("assigned: fd %d, events %#x, base ours %d", (int)tick.ev_fd, tick.ev_events, tick.ev_base == base);
  struct event *sig = evsignal_new(base, SIGUSR1, on_signal, NULL);
  event_add(sig, NULL);
  raise(SIGUSR1);

  int fds[2];
  if (evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return 1;
  evutil_make_socket_nonblocking(fds[0]);
  evutil_make_socket_nonblocking(fds[1]);
  struct bufferevent *server = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
  struct bufferevent *client = bufferevent_socket_new(base, fds[1], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(server, echo_read, NULL, NULL, NULL);
  bufferevent_setcb(client, client_read, NULL, NULL, NULL);
  bufferevent_enable(server, EV_READ | EV_WRITE);
  bufferevent_enable(client, EV_READ | EV_WRITE);
  bufferevent_write(client, "first", 5);

  /* Run until the echo exchange is over, then until the ticker stops (added
   * only then: on a loaded machine the exchange may take longer than a tick,
   * and the two logs would interleave differently). */
  LOG("dispatch -> %d", event_base_dispatch(base));
  bufferevent_free(client);
  bufferevent_free(server);
  event_free(sig);
  struct timeval ten_ms = {0, 10000};
  event_add(&tick, &ten_ms);
  const int rc = event_base_dispatch(base);
  LOG("dispatch -> %d (ticks %d)", rc, ticks);

  struct evbuffer *buf = evbuffer_new();
  evbuffer_add_printf(buf, "line one\r\nline two\n");
  char *line = evbuffer_readln(buf, NULL, EVBUFFER_EOL_CRLF);
  LOG("readln [%s], %zu left", line, evbuffer_get_length(buf));
  free(line);
  evbuffer_free(buf);
  event_base_free(base);
  return 0;
}
