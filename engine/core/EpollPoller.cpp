#include "core/EpollPoller.h"

#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <atomic>
#include <climits>

#include "core/Event.h"

namespace rs {

namespace {
constexpr size_t kInitialEvents = 32;
static_assert(kEvRead == 0x02 && kEvWrite == 0x04 && kEvClosed == 0x80 && kEvET == 0x20);
std::atomic<EpollPoller::CtlFailureHook> g_ctlFailureHook{nullptr};

// toEpoll()'s inverse.
short fromEpoll(uint32_t events) {
  return static_cast<short>(((events & EPOLLIN) << 1) | (events & EPOLLOUT) | ((events & EPOLLRDHUP) >> 6) |
                            ((events & EPOLLET) >> 26));
}
}  // namespace

EpollPoller::EpollPoller() : epfd_(epoll_create1(EPOLL_CLOEXEC)), events_(kInitialEvents) {}

EpollPoller::~EpollPoller() {
  if (epfd_ >= 0) ::close(epfd_);
}

void EpollPoller::setCtlFailureHook(CtlFailureHook hook) { g_ctlFailureHook.store(hook, std::memory_order_release); }

int EpollPoller::ctlFailed(short oldInterest, int fd, epoll_event& ev) {
  const short newInterest = fromEpoll(ev.events);
  const int op = opFor(oldInterest, newInterest);
  // The kernel's view can differ from ours when an fd was closed and reused
  // behind our back; retry with the other operation, as libevent does.
  bool retried = false;
  if (op == EPOLL_CTL_MOD && errno == ENOENT) {
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0) return 0;
    retried = true;
  } else if (op == EPOLL_CTL_ADD && errno == EEXIST) {
    if (epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) == 0) return 0;
    retried = true;
  } else if (op == EPOLL_CTL_DEL && (errno == ENOENT || errno == EBADF || errno == EPERM)) {
    return 0;  // already gone (closed fd): nothing to remove
  }
  const int error = errno;
  if (const CtlFailureHook hook = g_ctlFailureHook.load(std::memory_order_acquire))
    hook(CtlFailure{op, ev.events, fd, oldInterest, newInterest, error, retried});
  errno = error;
  return -error;
}

int EpollPoller::waitRaw(Nanos timeoutNs, int capacity, const epoll_event** out) {
  // Grow after a full wait, before the next one (the caller reads the array
  // between the two).
  if (full_ && events_.size() < static_cast<size_t>(kMaxReady)) events_.resize(events_.size() * 2);
  full_ = false;
  int n;
  const int maxEvents = std::min(static_cast<int>(events_.size()), capacity);
  if (havePwait2_) {
    timespec ts{};
    n = epoll_pwait2(epfd_, events_.data(), maxEvents, relativeTimespec(timeoutNs, ts), nullptr);
    if (n < 0 && errno == ENOSYS) {
      havePwait2_ = false;
      return waitRaw(timeoutNs, capacity, out);
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
  full_ = n == maxEvents;
  *out = events_.data();
  return n;
}

int EpollPoller::wait(Nanos timeoutNs, ReadyFd* ready, int capacity) {
  const epoll_event* events = nullptr;
  const int n = waitRaw(timeoutNs, capacity, &events);
  if (n <= 0) return n;
  int count = 0;
  for (int i = 0; i < n; ++i) {
    const short res = toRes(events[i].events);
    if (res) ready[count++] = {events[i].data.fd, static_cast<short>(res | kEvET)};
  }
  return count;
}

}  // namespace rs
