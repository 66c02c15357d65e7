// epoll backend (default). Sub-millisecond timeouts through epoll_pwait2 where
// the kernel has it; otherwise milliseconds rounded up, so a timer never fires early.
#pragma once
#include <sys/epoll.h>

#include <vector>

#include "core/Poller.h"

namespace rs {

class EpollPoller final : public Poller {
 public:
  EpollPoller();
  ~EpollPoller() override;
  bool ok() const { return epfd_ >= 0; }
  const char* name() const override { return "epoll"; }
  int update(int fd, short oldInterest, short newInterest) override;
  int wait(Nanos timeoutNs, ReadyFd* ready, int capacity) override;

 private:
  int epfd_ = -1;
  bool havePwait2_ = true;
  std::vector<epoll_event> events_;
};

}  // namespace rs
