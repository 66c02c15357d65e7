#include "core/EpollPoller.h"

#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <climits>

#include "core/Event.h"

namespace rs {

namespace {
constexpr size_t kInitialEvents = 32;

uint32_t toEpoll(short interest) {
  uint32_t e = 0;
  if (interest & kEvRead) e |= EPOLLIN;
  if (interest & kEvWrite) e |= EPOLLOUT;
  if (interest & kEvClosed) e |= EPOLLRDHUP;
  if (interest & kEvET) e |= EPOLLET;
  return e;
}
}  // namespace

EpollPoller::EpollPoller() : epfd_(epoll_create1(EPOLL_CLOEXEC)), events_(kInitialEvents) {}

EpollPoller::~EpollPoller() {
  if (epfd_ >= 0) ::close(epfd_);
}

int EpollPoller::update(int fd, short oldInterest, short newInterest) {
  epoll_event ev{};
  ev.events = toEpoll(newInterest);
  ev.data.fd = fd;
  int op = oldInterest == 0 ? EPOLL_CTL_ADD : (newInterest == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD);
  if (epoll_ctl(epfd_, op, fd, &ev) == 0) return 0;
  // The kernel's view can differ from ours when an fd was closed and reused
  // behind our back; retry with the other operation, as libevent does.
  if (op == EPOLL_CTL_MOD && errno == ENOENT) {
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0) return 0;
  } else if (op == EPOLL_CTL_ADD && errno == EEXIST) {
    if (epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) == 0) return 0;
  } else if (op == EPOLL_CTL_DEL && (errno == ENOENT || errno == EBADF || errno == EPERM)) {
    return 0;  // already gone (closed fd): nothing to remove
  }
  return -errno;
}

int EpollPoller::wait(Nanos timeoutNs, ReadyFd* ready, int capacity) {
  int n;
  const int maxEvents = std::min(static_cast<int>(events_.size()), capacity);
  if (havePwait2_) {
    timespec ts{};
    timespec* tsp = nullptr;
    if (timeoutNs >= 0) {
      ts.tv_sec = static_cast<time_t>(timeoutNs / kNsPerSec);
      ts.tv_nsec = static_cast<long>(timeoutNs % kNsPerSec);
      tsp = &ts;
    }
    n = epoll_pwait2(epfd_, events_.data(), maxEvents, tsp, nullptr);
    if (n < 0 && errno == ENOSYS) {
      havePwait2_ = false;
      return wait(timeoutNs, ready, capacity);
    }
  } else {
    int ms = -1;
    if (timeoutNs >= 0) {
      const Nanos rounded = (timeoutNs + kNsPerMs - 1) / kNsPerMs;  // round up: never early
      ms = rounded > INT_MAX ? INT_MAX : static_cast<int>(rounded);
    }
    n = epoll_wait(epfd_, events_.data(), maxEvents, ms);
  }
  if (n < 0) return errno == EINTR ? 0 : -errno;

  int count = 0;
  for (int i = 0; i < n; ++i) {
    const epoll_event& e = events_[static_cast<size_t>(i)];
    // libevent's mapping: hang-up or error wakes readers and writers alike;
    // otherwise IN/OUT/RDHUP are READ/WRITE/CLOSED, computed by shifts.
    static_assert(EPOLLIN << 1 == kEvRead && EPOLLOUT == kEvWrite && EPOLLRDHUP >> 6 == kEvClosed);
    const uint32_t ev = e.events;
    const short res = (ev & (EPOLLHUP | EPOLLERR))
                          ? static_cast<short>(kEvRead | kEvWrite)
                          : static_cast<short>(((ev & EPOLLIN) << 1) | (ev & EPOLLOUT) | ((ev & EPOLLRDHUP) >> 6));
    if (res) ready[count++] = {e.data.fd, static_cast<short>(res | kEvET)};
  }
  if (n == maxEvents && events_.size() < static_cast<size_t>(kMaxReady)) events_.resize(events_.size() * 2);
  return count;
}

}  // namespace rs
