#include "core/EpollPoller.h"

#include <unistd.h>

#include <cerrno>
#include <climits>

#include "core/Event.h"

namespace rs {

namespace {
constexpr size_t kInitialEvents = 32;
constexpr size_t kMaxEvents = 4096;

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

int EpollPoller::wait(Nanos timeoutNs, std::vector<ReadyFd>& ready) {
  int n;
  const int maxEvents = static_cast<int>(events_.size());
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
      return wait(timeoutNs, ready);
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

  for (int i = 0; i < n; ++i) {
    const uint32_t what = events_[static_cast<size_t>(i)].events;
    short res = 0;
    if (what & (EPOLLHUP | EPOLLERR)) {
      res = kEvRead | kEvWrite;
    } else {
      if (what & EPOLLIN) res |= kEvRead;
      if (what & EPOLLOUT) res |= kEvWrite;
      if (what & EPOLLRDHUP) res |= kEvClosed;
    }
    if (res) ready.push_back({events_[static_cast<size_t>(i)].data.fd, static_cast<short>(res | kEvET)});
  }
  if (static_cast<size_t>(n) == events_.size() && events_.size() < kMaxEvents)
    events_.resize(events_.size() * 2);
  return n;
}

}  // namespace rs
