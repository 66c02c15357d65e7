// Work an EventBase runs for others, outside any user event: one-shot events
// (libevent's event_base_once, also behind loopexit()) and the cross-thread
// functor queue (muduo's runInLoop/queueInLoop: a mutex-guarded vector swapped
// out and run in the loop, an eventfd to wake the loop, repeated wakeups merged).
//
// The eventfd exists only once open() ran (EventBase opens it at construction
// unless its options say the base is notifiable on request, as libevent's is:
// then evthread_make_base_notifiable or threads enabled before the base).
// Without it, queue() keeps the functor and wakeup() does nothing; open() then
// wakes the loop for what was queued.
//
// Thread contract: queue() and wakeup() are safe from any thread; everything
// else is loop thread only (the owning EventBase's), or while no loop runs. The
// wakeup flag and the eventfd's number are the only fields both sides touch
// without the mutex (atomics).
#pragma once
#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/Clock.h"
#include "core/Event.h"

namespace rs {

class LoopTasks {
 public:
  LoopTasks();
  // Closes the eventfd; the once-events left become plain memory (the base has
  // detached them).
  ~LoopTasks();
  LoopTasks(const LoopTasks&) = delete;
  LoopTasks& operator=(const LoopTasks&) = delete;

  // Creates the eventfd and its internal event on `base`; false (and `error`
  // set) when eventfd() fails. Nothing to do when open.
  bool open(EventBase* base, std::string* error);
  bool isOpen() const { return wakeupFd_.load(std::memory_order_relaxed) >= 0; }
  // Frees the internal wakeup event (before the base tears its events down).
  void close() { wakeupEvent_.reset(); }
  // event_reinit, in a child after fork(): deletes the internal event and
  // closes the eventfd (shared with the parent); open() makes a new one.
  void shut();

  // Safe from any thread: appends `fn` and wakes the loop.
  void queue(std::function<void()> fn);
  // Safe from any thread: one eventfd write until the loop drains it.
  void wakeup();
  // Loop thread: runs what other threads queued (the wakeup event's callback
  // does; so does a loop about to end for want of events). False when there
  // was nothing.
  bool runQueued();

  // A one-shot event of `base` that frees itself after its callback: `cb(fd,
  // what, arg)` when cb is set, else `fn()`. An fd event (events != 0) or a
  // timer (events == 0), after `delay` (< 0: none). A timer without a non-zero
  // delay is activated at once (libevent's order-preserving way to schedule a
  // callback). Returns event_add's result; nothing is kept on failure.
  int once(EventBase* base, int fd, short events, Nanos delay, std::function<void()> fn, EventCallback cb,
           void* arg, std::string_view label);

 private:
  struct OnceEvent;
  static void onceCallback(int fd, short what, void* arg);
  static void wakeupCallback(int fd, short what, void* arg);

  std::atomic<int> wakeupFd_{-1};  // written by open()/shut() only, read by wakeup() from any thread
  std::unique_ptr<Event> wakeupEvent_;
  std::atomic<bool> wakeupPending_{false};
  std::mutex queueMutex_;
  std::vector<std::function<void()>> queued_;  // guarded by queueMutex_
  std::list<std::unique_ptr<OnceEvent>> onces_;
};

}  // namespace rs
