/* Inspecting a base: event_base_dump_events' text ("Inserted events:" /
 * "Active events:", one line per event, libevent's words) and
 * event_base_foreach_event's visiting order, the fields it leaves readable and
 * its early stop. Pointers and fds are printed as the scenario's names for
 * them, expiries as whether they lie within their timeout from now. */
#include "scenario.h"

#define NAMED 8

static struct event_base *base;
static const struct event *events[NAMED];
static const char *names[NAMED];
static int fds[NAMED];
static int named;

static void remember(const struct event *ev, const char *name) {
  events[named] = ev;
  names[named] = name;
  fds[named] = event_get_fd(ev);
  ++named;
}

static const char *name_of_event(const void *p) {
  for (int i = 0; i < named; ++i)
    if (events[i] == p) return names[i];
  return "?";
}

static const char *name_of_fd(int fd) {
  if (fd == -1) return "-1";
  for (int i = 0; i < named; ++i)
    if (fds[i] == fd) return names[i];
  return "?";
}

static void cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  LOG("callback %s what=%s", (const char *)arg, flags_str(what));
}

/* One dump line with the pointer, the fd and the expiry replaced. */
static void print_dump_line(char *line) {
  char out[512];
  char *p = line, *o = out;
  struct timeval now;
  gettimeofday(&now, NULL);
  while (*p && o < out + sizeof out - 64) {
    if (p[0] == '0' && p[1] == 'x') {
      void *ptr = NULL;
      int used = 0;
      sscanf(p, "%p%n", &ptr, &used);
      o += sprintf(o, "<%s>", name_of_event(ptr));
      p += used;
    } else if (strncmp(p, "[fd ", 4) == 0) {
      int fd = 0, used = 0;
      sscanf(p + 4, "%d%n", &fd, &used);
      o += sprintf(o, "[fd <%s>", name_of_fd(fd));
      p += 4 + used;
    } else if (strncmp(p, "Timeout=", 8) == 0) {
      long sec = 0;
      int usec = 0, used = 0;
      sscanf(p + 8, "%ld.%d%n", &sec, &usec, &used);
      long long ahead_us = (sec - (long long)now.tv_sec) * 1000000LL + usec - now.tv_usec;
      o += sprintf(o, "Timeout=%s", ahead_us > 0 && ahead_us <= 20000000LL ? "<within 20 s>" : "<wrong>");
      p += 8 + used;
    } else {
      *o++ = *p++;
    }
  }
  *o = '\0';
  LOG("%s", out);
}

static void dump(const char *when) {
  char line[512];
  FILE *f = tmpfile();
  CHECK(f != NULL);
  LOG("-- dump %s", when);
  event_base_dump_events(base, f);
  rewind(f);
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    print_dump_line(line);
  }
  fclose(f);
}

static int visit(const struct event_base *b, const struct event *ev, void *arg) {
  int *stop_after = arg;
  LOG("visit %s same-base=%d fd=<%s> events=%s flags:inserted=%d timeout=%d active=%d res=%s", name_of_event(ev),
      b == base, name_of_fd(event_get_fd(ev)), flags_str(event_get_events(ev)), (ev->ev_evcallback.evcb_flags & EVLIST_INSERTED) != 0,
      (ev->ev_evcallback.evcb_flags & EVLIST_TIMEOUT) != 0, (ev->ev_evcallback.evcb_flags & EVLIST_ACTIVE) != 0, flags_str(ev->ev_res));
  return --*stop_after == 0 ? 7 : 0;
}

int main(void) {
  int p1[2], p2[2], p3[2];
  struct timeval tv;
  int stop_after;
  base = new_base();
  CHECK(event_base_priority_init(base, 3) == 0);
  make_pair(p1);
  make_pair(p2);
  make_pair(p3);

  struct event *reader = event_new(base, p1[0], EV_READ | EV_PERSIST, cb, "reader");
  struct event *writer = event_new(base, p2[1], EV_WRITE | EV_CLOSED, cb, "writer");
  struct event *reader_to = event_new(base, p3[0], EV_READ, cb, "reader-timeout");
  struct event *t5 = evtimer_new(base, cb, "timer-5s");
  struct event *t9 = event_new(base, -1, EV_PERSIST, cb, "timer-9s");
  struct event *idle = evtimer_new(base, cb, "idle");
  struct event *kicked = event_new(base, -1, 0, cb, "kicked");
  remember(reader, "reader");
  remember(writer, "writer");
  remember(reader_to, "reader-timeout");
  remember(t5, "timer-5s");
  remember(t9, "timer-9s");
  remember(idle, "idle");
  remember(kicked, "kicked");
  CHECK(event_priority_set(kicked, 0) == 0);

  dump("of an empty base");
  stop_after = 100;
  LOG("foreach on an empty base -> %d", event_base_foreach_event(base, visit, &stop_after));

  CHECK(event_add(reader, NULL) == 0);
  CHECK(event_add(writer, NULL) == 0);
  tv = ms(10000);
  CHECK(event_add(reader_to, &tv) == 0);
  tv = ms(5000);
  CHECK(event_add(t5, &tv) == 0);
  tv = ms(9000);
  CHECK(event_add(t9, &tv) == 0);
  dump("with two io events, one io event with a timeout, two timers");

  event_active(kicked, EV_TIMEOUT, 1);
  event_active(reader, EV_READ, 1);
  event_active(t5, EV_TIMEOUT | EV_WRITE, 1);
  dump("with three of them active");
  stop_after = 100;
  LOG("foreach -> %d", event_base_foreach_event(base, visit, &stop_after));
  stop_after = 2;
  LOG("foreach stopped by the second call -> %d", event_base_foreach_event(base, visit, &stop_after));
  LOG("foreach(NULL fn) -> %d", event_base_foreach_event(base, NULL, NULL));

  LOG("-- NONBLOCK loop runs the active ones -> %d", event_base_loop(base, EVLOOP_NONBLOCK));
  dump("after the loop");

  CHECK(event_del(reader) == 0);
  CHECK(event_del(writer) == 0);
  CHECK(event_del(reader_to) == 0);
  CHECK(event_del(t9) == 0);
  dump("after deleting all");

  event_free(reader);
  event_free(writer);
  event_free(reader_to);
  event_free(t5);
  event_free(t9);
  event_free(idle);
  event_free(kicked);
  close(p1[0]);
  close(p1[1]);
  close(p2[0]);
  close(p2[1]);
  close(p3[0]);
  close(p3[1]);
  event_base_free(base);
  return 0;
}
