/* ReactorScope's libevent-compatible C API: threads (libevent's
 * <event2/thread.h>).
 *
 * After evthread_use_pthreads(), event_add, event_del, event_active,
 * event_base_loopbreak and event_base_loopexit may be called from any thread:
 * while the base's loop runs on another thread, the call is handed to the loop
 * (which it wakes) and returns the loop's result, as libevent's locked call
 * returns it. Everything else stays on the loop's thread. The lock and
 * condition callbacks are accepted and not used (the engine does not lock its
 * bases; it hands cross-thread calls to the loop). */
#ifndef REACTORSCOPE_EVENT2_THREAD_H_INCLUDED_
#define REACTORSCOPE_EVENT2_THREAD_H_INCLUDED_

#include <sys/time.h>

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;

#define EVTHREAD_WRITE 0x04
#define EVTHREAD_READ 0x08
#define EVTHREAD_TRY 0x10

#define EVTHREAD_LOCK_API_VERSION 1
#define EVTHREAD_LOCKTYPE_RECURSIVE 1
#define EVTHREAD_LOCKTYPE_READWRITE 2

struct evthread_lock_callbacks {
  int lock_api_version;
  unsigned supported_locktypes;
  void *(*alloc)(unsigned locktype);
  void (*free)(void *lock, unsigned locktype);
  int (*lock)(unsigned mode, void *lock);
  int (*unlock)(unsigned mode, void *lock);
};
int evthread_set_lock_callbacks(const struct evthread_lock_callbacks *);

#define EVTHREAD_CONDITION_API_VERSION 1

struct evthread_condition_callbacks {
  int condition_api_version;
  void *(*alloc_condition)(unsigned condtype);
  void (*free_condition)(void *cond);
  int (*signal_condition)(void *cond, int broadcast);
  int (*wait_condition)(void *cond, void *lock, const struct timeval *timeout);
};
int evthread_set_condition_callbacks(const struct evthread_condition_callbacks *);

void evthread_set_id_callback(unsigned long (*id_fn)(void));

#define EVTHREAD_USE_PTHREADS_IMPLEMENTED 1
int evthread_use_pthreads(void);

void evthread_enable_lock_debugging(void);
void evthread_enable_lock_debuging(void);

int evthread_make_base_notifiable(struct event_base *base);

#ifdef __cplusplus
}
#endif

#endif /* REACTORSCOPE_EVENT2_THREAD_H_INCLUDED_ */
