#include "core/PollPoller.h"

#include <cerrno>

#include "core/Event.h"

namespace rs {

namespace {
short toPoll(short interest) {
  short e = 0;
  if (interest & kEvRead) e |= POLLIN;
  if (interest & kEvWrite) e |= POLLOUT;
  if (interest & kEvClosed) e |= POLLRDHUP;
  return e;
}
}  // namespace

int PollPoller::update(int fd, short, short newInterest) {
  if (fd < 0) return -EBADF;
  const auto ufd = static_cast<size_t>(fd);
  if (ufd >= indexOf_.size()) indexOf_.resize(ufd + 1, -1);
  int idx = indexOf_[ufd];
  if (newInterest == 0) {
    if (idx < 0) return 0;
    // Swap-remove keeps the array dense.
    const auto uidx = static_cast<size_t>(idx);
    const pollfd last = pollfds_.back();
    pollfds_[uidx] = last;
    indexOf_[static_cast<size_t>(last.fd)] = idx;
    pollfds_.pop_back();
    indexOf_[ufd] = -1;
    return 0;
  }
  if (idx < 0) {
    indexOf_[ufd] = static_cast<int>(pollfds_.size());
    pollfds_.push_back({fd, toPoll(newInterest), 0});
  } else {
    pollfds_[static_cast<size_t>(idx)].events = toPoll(newInterest);
  }
  return 0;
}

int PollPoller::wait(Nanos timeoutNs, ReadyFd* ready, int capacity) {
  timespec ts{};
  const int n = ppoll(pollfds_.data(), pollfds_.size(), relativeTimespec(timeoutNs, ts), nullptr);
  if (n < 0) return errno == EINTR ? 0 : -errno;
  int found = 0;
  int count = 0;
  for (size_t i = 0; i < pollfds_.size() && found < n && count < capacity; ++i) {
    const short what = pollfds_[i].revents;
    if (!what) continue;
    ++found;
    short res = 0;
    if (what & (POLLHUP | POLLERR | POLLNVAL)) res |= kEvRead | kEvWrite;
    if (what & POLLIN) res |= kEvRead;
    if (what & POLLOUT) res |= kEvWrite;
    if (what & POLLRDHUP) res |= kEvClosed;
    if (res) ready[count++] = {pollfds_[i].fd, res};
  }
  return count;
}

}  // namespace rs
