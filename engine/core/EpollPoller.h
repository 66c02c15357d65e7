// epoll backend (default). Sub-millisecond timeouts through epoll_pwait2 where
// the kernel has it; otherwise milliseconds rounded up, so a timer never fires early.
#pragma once
#include <sys/epoll.h>

#include <vector>

#include "core/Poller.h"

namespace rs {

class EpollPoller final : public Poller {
 public:
  // An epoll_ctl that failed for good (after libevent's retries), as libevent's
  // warning describes it: the operation (EPOLL_CTL_*), the epoll events asked
  // for, the fd, its interest before and after (kEv* bits), errno, and whether
  // it was the retry of the other operation (ADD after ENOENT, MOD after EEXIST).
  struct CtlFailure {
    int op;
    uint32_t epollEvents;
    int fd;
    short oldInterest;
    short newInterest;
    int error;
    bool retried;
  };
  // Process-wide: told of every such failure (engine/compat prints libevent's
  // [warn] line). Any thread; set it before the bases' loops start.
  using CtlFailureHook = void (*)(const CtlFailure& failure);
  static void setCtlFailureHook(CtlFailureHook hook);

  EpollPoller();
  ~EpollPoller() override;
  bool ok() const { return epfd_ >= 0; }
  const char* name() const override { return "epoll"; }
  // One epoll_ctl, the retry logic out of line. Inline, and called through an
  // EpollPoller* (final) on EventBase's hot path: no virtual call there.
  int update(int fd, short oldInterest, short newInterest) override {
    epoll_event ev;
    ev.events = toEpoll(newInterest);
    ev.data.u64 = static_cast<uint32_t>(fd);
    if (epoll_ctl(epfd_, opFor(oldInterest, newInterest), fd, &ev) == 0) [[likely]] return 0;
    return ctlFailed(oldInterest, fd, ev);
  }
  static int opFor(short oldInterest, short newInterest) {
    return oldInterest == 0 ? EPOLL_CTL_ADD : (newInterest == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD);
  }
  // kEvRead | kEvWrite | kEvClosed | kEvET (0x02, 0x04, 0x80, 0x20) -> EPOLL* bits.
  static uint32_t toEpoll(short interest) {
    const auto i = static_cast<uint32_t>(static_cast<uint16_t>(interest));
    static_assert(EPOLLIN == 0x01 && EPOLLOUT == 0x04 && EPOLLRDHUP == 0x2000 && EPOLLET == 1u << 31);
    return ((i & 0x02) >> 1) | (i & 0x04) | ((i & 0x80) << 6) | ((i & 0x20) << 26);
  }
  int wait(Nanos timeoutNs, ReadyFd* ready, int capacity) override;
  // wait() without the conversion: the raw epoll events (valid until the next
  // wait) for EventBase's untraced hot path, which converts with toRes().
  int waitRaw(Nanos timeoutNs, int capacity, const epoll_event** out);
  // libevent's mapping: an error, or a hang-up the kernel did not report as the
  // peer's close (no RDHUP), wakes readers and writers alike; otherwise
  // IN/OUT/RDHUP are READ/WRITE/CLOSED (0x02/0x04/0x80), by shifts. (A closed
  // AF_UNIX peer reports IN|HUP|RDHUP: that is READ|CLOSED, as in libevent.)
  static short toRes(uint32_t ev) {
    static_assert(EPOLLIN << 1 == 0x02 && EPOLLOUT == 0x04 && EPOLLRDHUP >> 6 == 0x80);
    if ((ev & EPOLLERR) || (ev & (EPOLLHUP | EPOLLRDHUP)) == EPOLLHUP) [[unlikely]] return 0x02 | 0x04;
    return static_cast<short>(((ev & EPOLLIN) << 1) | (ev & EPOLLOUT) | ((ev & EPOLLRDHUP) >> 6));
  }

 private:
  // The retries (cold): `ev` holds what update() asked for.
  int ctlFailed(short oldInterest, int fd, epoll_event& ev);
  int epfd_ = -1;
  bool havePwait2_ = true;
  bool full_ = false;  // the last wait filled events_: grow before the next
  std::vector<epoll_event> events_;
};

}  // namespace rs
