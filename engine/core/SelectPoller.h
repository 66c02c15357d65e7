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

#include <algorithm>
#include <vector>

#include "core/Poller.h"

namespace rs {

// One fd set of any size, laid out as the kernel reads select()'s fd_set: an
// array of fd_mask words, bit (fd % bits) of word (fd / bits).
class FdBits {
 public:
  using Word = unsigned long;  // fd_mask, unsigned for the bit arithmetic
  static_assert(sizeof(Word) == sizeof(fd_mask));
  static constexpr int kWordBits = static_cast<int>(8 * sizeof(Word));
  static size_t wordsFor(int nfds) { return static_cast<size_t>((nfds + kWordBits - 1) / kWordBits); }

  // Grows (zero bits) to hold fds below `nfds`; false if memory runs out.
  bool reserve(int nfds);
  void set(int fd, bool on);  // fd must be below the reserved size
  // The highest fd set, or -1.
  int highest() const;
  // The first `words` words of `from` (select() overwrites the set it gets).
  void copyFrom(const FdBits& from, size_t words) { std::copy_n(from.words_.begin(), words, words_.begin()); }
  Word word(size_t i) const { return words_[i]; }
  fd_set* asFdSet() { return reinterpret_cast<fd_set*>(words_.data()); }

 private:
  std::vector<Word> words_;
};

class SelectPoller final : public Poller {
 public:
  const char* name() const override { return "select"; }
  // Only kEvRead and kEvWrite count (kEvClosed and kEvET are ignored, as by
  // libevent's select backend); -ENOMEM if the sets cannot grow to `fd`.
  int update(int fd, short oldInterest, short newInterest) override;
  // Readable and writable fds in ascending order; -EBADF if a registered fd
  // was closed (select() checks every fd in its sets).
  int wait(Nanos timeoutNs, ReadyFd* ready, int capacity) override;

 private:
  FdBits readInterest_, writeInterest_;
  FdBits readReady_, writeReady_;  // the copies each wait hands to select()
  int maxFd_ = -1;                 // the highest fd with interest (select's nfds - 1)
};

}  // namespace rs
