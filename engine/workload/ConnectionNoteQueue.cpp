#include "workload/ConnectionNoteQueue.h"

#include <utility>

namespace rs {

ConnectionNoteQueue::ConnectionNoteQueue(size_t capacity) : capacity_(capacity) {}

void ConnectionNoteQueue::push(ConnectionNote&& note) {
  std::lock_guard lock(mutex_);
  if (notes_.size() >= capacity_) {
    ++dropped_;
    return;
  }
  notes_.push_back(std::move(note));
}

uint64_t ConnectionNoteQueue::takeAll(std::vector<ConnectionNote>* out) {
  out->clear();
  std::lock_guard lock(mutex_);
  out->swap(notes_);
  return std::exchange(dropped_, 0);
}

void ConnectionNoteQueue::setCapacity(size_t capacity) {
  std::lock_guard lock(mutex_);
  capacity_ = capacity;
}

size_t ConnectionNoteQueue::capacity() const {
  std::lock_guard lock(mutex_);
  return capacity_;
}

}  // namespace rs
