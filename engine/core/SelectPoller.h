// select(2) backend, libevent's last resort (its selectops): read and write
// interest only (no EV_CLOSED, no edge triggering), level-triggered.
//
// fds at or above FD_SETSIZE: as libevent's select.c, the fd sets are bitmaps
// grown to the highest registered fd, not glibc's fixed 1024-bit fd_set, and
// select() is given that many bits (Linux takes any nfds up to the process's
// fd table; the FD_SET macros are not used, so _FORTIFY_SOURCE's FD_SETSIZE
// check does not apply). update() fails with -ENOMEM only if a set cannot grow.
//
// Thread contract: loop thread only (the owning EventBase's).
#pragma once
#include <sys/select.h>

#include <vector>

#include "core/Poller.h"

namespace rs {

class SelectPoller final : public Poller {
 public:
  const char* name() const override { return "select"; }
  int update(int fd, short oldInterest, short newInterest) override;
  int wait(Nanos timeoutNs, ReadyFd* ready, int capacity) override;

 private:
  // The kernel reads the sets as arrays of fd_mask; unsigned for the bit arithmetic.
  using Word = unsigned long;
  static_assert(sizeof(Word) == sizeof(fd_mask));
  static constexpr int kWordBits = static_cast<int>(8 * sizeof(Word));
  static bool test(const std::vector<Word>& set, int fd);
  static void assign(std::vector<Word>& set, int fd, bool on);
  int highestFd() const;

  // Interest, one bit per fd; kept as long as the highest fd needs.
  std::vector<Word> readInterest_;
  std::vector<Word> writeInterest_;
  // select() overwrites its sets: copies of the interest for each wait.
  std::vector<Word> readReady_;
  std::vector<Word> writeReady_;
  int maxFd_ = -1;  // the highest fd with interest (select's nfds - 1)
};

}  // namespace rs
