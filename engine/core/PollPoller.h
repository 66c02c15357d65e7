// poll(2) backend: portable reference and a second opinion for tests.
#pragma once
#include <poll.h>

#include <vector>

#include "core/Poller.h"

namespace rs {

class PollPoller final : public Poller {
 public:
  const char* name() const override { return "poll"; }
  int update(int fd, short oldInterest, short newInterest) override;
  int wait(Nanos timeoutNs, ReadyFd* ready, int capacity) override;

 private:
  std::vector<pollfd> pollfds_;
  std::vector<int> indexOf_;  // fd -> index in pollfds_, -1 if absent
};

}  // namespace rs
