#include "core/LoopTasks.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rs {

struct LoopTasks::OnceEvent {
  Event event;
  LoopTasks* owner = nullptr;
  std::function<void()> fn;
  EventCallback cb = nullptr;
  void* arg = nullptr;
  std::list<std::unique_ptr<OnceEvent>>::iterator self;
};

LoopTasks::LoopTasks() = default;

LoopTasks::~LoopTasks() {
  const int fd = wakeupFd_.load(std::memory_order_relaxed);
  if (fd >= 0) ::close(fd);
}

bool LoopTasks::open(EventBase* base, std::string* error) {
  if (isOpen()) return true;
  const int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) {
    *error = std::string("eventfd: ") + std::strerror(errno);
    return false;
  }
  wakeupEvent_ = std::make_unique<Event>();
  wakeupEvent_->setInternal(true);
  wakeupEvent_->assign(base, fd, kEvRead | kEvPersist, &LoopTasks::wakeupCallback, this);
  wakeupEvent_->setLabel("loop wakeup (eventfd)");
  wakeupEvent_->setPriority(0);
  wakeupEvent_->add(nullptr);
  // Published after the event is in place; a functor queued before it (whose
  // wakeup() found no fd) is woken for here: the mutex orders this check after
  // that queue(), or that queue()'s wakeup() after the store.
  wakeupPending_.store(false);
  wakeupFd_.store(fd, std::memory_order_release);
  bool queuedBefore;
  {
    std::lock_guard lock(queueMutex_);
    queuedBefore = !queued_.empty();
  }
  if (queuedBefore) wakeup();
  return true;
}

void LoopTasks::shut() {
  const int fd = wakeupFd_.exchange(-1);
  if (fd < 0) return;
  wakeupEvent_.reset();  // deleted from the base (which ignores the backend now)
  ::close(fd);
}

// ---------------------------------------------------------------------------
// One-shot events

int LoopTasks::once(EventBase* base, int fd, short events, Nanos delay, std::function<void()> fn,
                    EventCallback cb, void* arg, std::string_view label) {
  onces_.push_back(std::make_unique<OnceEvent>());
  OnceEvent* once = onces_.back().get();
  once->self = std::prev(onces_.end());
  once->owner = this;
  once->fn = std::move(fn);
  once->cb = cb;
  once->arg = arg;
  once->event.assign(base, fd, events, &LoopTasks::onceCallback, once);
  once->event.setLabel(label);
  int rc = 0;
  if (events == 0 && delay <= 0) once->event.activate(kEvTimeout);
  else rc = once->event.addTimeoutNs(delay);
  if (rc != 0) onces_.erase(once->self);
  return rc;
}

void LoopTasks::onceCallback(int fd, short what, void* arg) {
  auto* once = static_cast<OnceEvent*>(arg);
  // Like libevent's event_once_cb: run the callback, then free the event.
  if (once->cb) once->cb(fd, what, once->arg);
  else if (once->fn) once->fn();
  once->owner->onces_.erase(once->self);
}

// ---------------------------------------------------------------------------
// Cross-thread queue

void LoopTasks::queue(std::function<void()> fn) {
  {
    std::lock_guard lock(queueMutex_);
    queued_.push_back(std::move(fn));
  }
  wakeup();
}

void LoopTasks::wakeup() {
  const int fd = wakeupFd_.load(std::memory_order_acquire);
  if (fd < 0) return;  // not notifiable (yet): open() wakes for what is queued
  // Merge repeated wakeups: one eventfd write until the loop drains it.
  if (wakeupPending_.exchange(true)) return;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(fd, &one, sizeof one);
}

void LoopTasks::wakeupCallback(int fd, short, void* arg) {
  auto* tasks = static_cast<LoopTasks*>(arg);
  uint64_t value;
  [[maybe_unused]] ssize_t n = ::read(fd, &value, sizeof value);
  tasks->wakeupPending_.store(false);
  tasks->runQueued();
}

bool LoopTasks::runQueued() {
  std::vector<std::function<void()>> functors;
  {
    std::lock_guard lock(queueMutex_);
    functors.swap(queued_);
  }
  for (auto& fn : functors) fn();
  return !functors.empty();
}

}  // namespace rs
