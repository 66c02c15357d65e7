/* Unix-domain stream sockets, as local services use them: a listener bound
 * with evconnlistener_new_bind(AF_UNIX), a bufferevent_socket_connect to its
 * path (connected, then an echo through a bufferevent on the accepted fd), a
 * connect to a path nobody listens on (refused), then everything freed. */
#include "scenario.h"
#include "bev_common.h"

#include <event2/listener.h>
#include <sys/un.h>

static struct event_base *base;
static struct bufferevent *served;
/* The accept and the client's CONNECTED come in the same poll round, in an
 * order libevent leaves to the backend (poll and select start at a random
 * fd): noted, and logged after the loop. */
static int accepted_family = -1;
static int client_connected;

/* What the bufferevent's input holds, as a string in buf (64 bytes). */
static size_t read_text(struct bufferevent *bev, char buf[64]) {
  size_t n = bufferevent_read(bev, buf, 63);
  buf[n] = '\0';
  return n;
}

static void served_read(struct bufferevent *bev, void *ctx) {
  char buf[64];
  size_t n = read_text(bev, buf);
  (void)ctx;
  LOG("server read \"%s\", echoes it", buf);
  bufferevent_write(bev, buf, n);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg) {
  (void)l, (void)socklen, (void)arg;
  accepted_family = sa->sa_family;
  served = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
  CHECK(served != NULL);
  bufferevent_setcb(served, served_read, NULL, NULL, NULL);
  CHECK(bufferevent_enable(served, EV_READ) == 0);
}

static void client_read(struct bufferevent *bev, void *ctx) {
  char buf[64];
  (void)ctx;
  read_text(bev, buf);
  LOG("client read \"%s\"", buf);
  event_base_loopbreak(base);
}

static void client_event(struct bufferevent *bev, short what, void *ctx) {
  if (what == BEV_EVENT_CONNECTED) {
    client_connected = 1;
    bufferevent_write(bev, "ping", 4);
    return;
  }
  LOG("%s: event %s", (const char *)ctx, bev_what(what));
  if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) event_base_loopbreak(base);
}

int main(void) {
  struct sockaddr_un un, nobody;
  struct evconnlistener *listener;
  struct bufferevent *client, *refused;
  int rc;
  base = new_base();
  memset(&un, 0, sizeof un);
  un.sun_family = AF_UNIX;
  snprintf(un.sun_path, sizeof un.sun_path, "/tmp/rs-scenario-unix.%d", (int)getpid());
  unlink(un.sun_path);
  nobody = un;
  snprintf(nobody.sun_path, sizeof nobody.sun_path, "/tmp/rs-scenario-unix-nobody.%d", (int)getpid());
  unlink(nobody.sun_path);

  listener = evconnlistener_new_bind(base, on_accept, NULL, LEV_OPT_CLOSE_ON_FREE, 8, (struct sockaddr *)&un, sizeof un);
  LOG("listener bound: %s", listener ? "yes" : "no");
  CHECK(listener != NULL);

  client = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(client, client_read, NULL, client_event, "client");
  CHECK(bufferevent_enable(client, EV_READ) == 0);
  rc = bufferevent_socket_connect(client, (struct sockaddr *)&un, sizeof un);
  LOG("connect: %d", rc);
  run_for(base, 2000);
  LOG("accepted: family %s", accepted_family == AF_UNIX ? "AF_UNIX" : "other");
  LOG("client: event %s", client_connected ? "CONNECTED" : "none");

  refused = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(refused, NULL, NULL, client_event, "nobody");
  rc = bufferevent_socket_connect(refused, (struct sockaddr *)&nobody, sizeof nobody);
  LOG("connect to a path nobody listens on: %d", rc);
  if (rc == 0) run_for(base, 200);

  bufferevent_free(refused);
  bufferevent_free(client);
  if (served) bufferevent_free(served);
  evconnlistener_free(listener);
  unlink(un.sun_path);
  event_base_free(base);
  LOG("done");
  return 0;
}
