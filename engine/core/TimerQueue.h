// The timer queue of one EventBase (muduo's TimerQueue, libevent's min_heap):
// a binary min-heap of pending events on their absolute deadline, each event
// holding its own index so erase() is O(log n). Same shape of algorithm as
// libevent's min_heap, so equal deadlines pop in the same order.
//
// Thread contract: loop thread only (the owning EventBase's). The queue does
// not touch list bits: EventBase::insertTimeout() / removeTimeout() do.
#pragma once
#include <cstddef>
#include <vector>

#include "core/Clock.h"
#include "core/Event.h"

namespace rs {

class TimerQueue {
 public:
  bool empty() const { return heap_.empty(); }
  // The event with the earliest deadline; the queue must not be empty.
  Event* top() const { return heap_.front(); }
  // Makes room for one more event, so the push that follows cannot fail
  // (event_add checks for memory before it changes anything, like libevent).
  void reserveOne() { heap_.reserve(heap_.size() + 1); }
  // Adds `ev`, whose deadline_ is set.
  void push(Event* ev);
  // Removes `ev` if it is queued (heapIndex_ >= 0).
  void erase(Event* ev);
  // Time from `now` to the earliest deadline (0 when due); -1 when empty.
  Nanos timeUntilNext(Nanos now) const;

 private:
  void shiftUp(size_t hole, Event* ev);
  void shiftDown(size_t hole, Event* ev);

  std::vector<Event*> heap_;
};

}  // namespace rs
