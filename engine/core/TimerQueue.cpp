#include "core/TimerQueue.h"

namespace rs {

void TimerQueue::shiftUp(size_t hole, Event* ev) {
  while (hole > 0) {
    const size_t parent = (hole - 1) / 2;
    if (!(heap_[parent]->deadline_ > ev->deadline_)) break;
    heap_[hole] = heap_[parent];
    heap_[hole]->heapIndex_ = static_cast<int>(hole);
    hole = parent;
  }
  heap_[hole] = ev;
  ev->heapIndex_ = static_cast<int>(hole);
}

void TimerQueue::shiftDown(size_t hole, Event* ev) {
  const size_t n = heap_.size();
  size_t child = 2 * (hole + 1);
  while (child <= n) {
    if (child == n || heap_[child]->deadline_ > heap_[child - 1]->deadline_) --child;
    if (!(ev->deadline_ > heap_[child]->deadline_)) break;
    heap_[hole] = heap_[child];
    heap_[hole]->heapIndex_ = static_cast<int>(hole);
    hole = child;
    child = 2 * (hole + 1);
  }
  heap_[hole] = ev;
  ev->heapIndex_ = static_cast<int>(hole);
}

void TimerQueue::push(Event* ev) {
  heap_.push_back(ev);
  shiftUp(heap_.size() - 1, ev);
}

void TimerQueue::erase(Event* ev) {
  if (ev->heapIndex_ < 0) return;
  const auto idx = static_cast<size_t>(ev->heapIndex_);
  Event* last = heap_.back();
  heap_.pop_back();
  if (last != ev) {
    if (idx > 0 && heap_[(idx - 1) / 2]->deadline_ > last->deadline_) shiftUp(idx, last);
    else shiftDown(idx, last);
  }
  ev->heapIndex_ = -1;
}

Nanos TimerQueue::timeUntilNext(Nanos now) const {
  if (heap_.empty()) return -1;
  const Nanos left = heap_.front()->deadline_ - now;
  return left < 0 ? 0 : left;
}

}  // namespace rs
