// libevent's thread.h over the engine: see CrossThread.h for what "thread-safe"
// means here.
#include <event2/thread.h>

#include "CompatBase.h"
#include "CrossThread.h"

namespace {
evthread_lock_callbacks g_lockCallbacks{};            // stored, not used
evthread_condition_callbacks g_conditionCallbacks{};  // stored, not used
}  // namespace

extern "C" {

int evthread_use_pthreads(void) {
  rs::compat::enableThreads();
  return 0;
}

int evthread_set_lock_callbacks(const struct evthread_lock_callbacks* cbs) {
  if (cbs) {
    g_lockCallbacks = *cbs;
    rs::compat::enableThreads();
  } else {
    g_lockCallbacks = evthread_lock_callbacks{};
  }
  return 0;
}

int evthread_set_condition_callbacks(const struct evthread_condition_callbacks* cbs) {
  g_conditionCallbacks = cbs ? *cbs : evthread_condition_callbacks{};
  return 0;
}

// Internal in libevent, exported all the same (libevent-2.1.symbols).
const struct evthread_lock_callbacks* evthread_get_lock_callbacks(void);
const struct evthread_condition_callbacks* evthread_get_condition_callbacks(void);
const struct evthread_lock_callbacks* evthread_get_lock_callbacks(void) { return &g_lockCallbacks; }
const struct evthread_condition_callbacks* evthread_get_condition_callbacks(void) { return &g_conditionCallbacks; }

void evthread_set_id_callback(unsigned long (*)(void)) {}

void evthread_enable_lock_debugging(void) {}

void evthread_enable_lock_debuging(void) {}

// Opens the base's wakeup eventfd if it has none (a base made before
// evthread_use_pthreads, or with EVENT_BASE_FLAG_NOLOCK), as libevent's.
int evthread_make_base_notifiable(struct event_base* base) { return base ? base->makeNotifiable() : -1; }

}  // extern "C"
