#include "core/SelectPoller.h"

#include <algorithm>
#include <cerrno>
#include <new>

#include "core/Event.h"

namespace rs {

bool SelectPoller::test(const std::vector<Word>& set, int fd) {
  const auto word = static_cast<size_t>(fd / kWordBits);
  const Word bit = Word{1} << (fd % kWordBits);
  return word < set.size() && (set[word] & bit) != 0;
}

void SelectPoller::assign(std::vector<Word>& set, int fd, bool on) {
  const auto word = static_cast<size_t>(fd / kWordBits);
  const Word bit = Word{1} << (fd % kWordBits);
  if (on) set[word] |= bit;
  else set[word] &= ~bit;
}

int SelectPoller::highestFd() const {
  for (size_t word = readInterest_.size(); word-- > 0;) {
    const Word any = readInterest_[word] | writeInterest_[word];
    if (!any) continue;
    int bit = kWordBits - 1;
    while (!(any & (Word{1} << bit))) --bit;
    return static_cast<int>(word) * kWordBits + bit;
  }
  return -1;
}

int SelectPoller::update(int fd, short, short newInterest) {
  if (fd < 0) return -EBADF;
  const bool read = newInterest & kEvRead;
  const bool write = newInterest & kEvWrite;
  const auto words = static_cast<size_t>(fd / kWordBits) + 1;
  if ((read || write) && words > readInterest_.size()) {
    try {
      readInterest_.resize(words, 0);
      writeInterest_.resize(words, 0);
      readReady_.resize(words, 0);
      writeReady_.resize(words, 0);
    } catch (const std::bad_alloc&) {
      return -ENOMEM;
    }
  }
  if (static_cast<size_t>(fd / kWordBits) >= readInterest_.size()) return 0;  // nothing to remove
  assign(readInterest_, fd, read);
  assign(writeInterest_, fd, write);
  if (read || write) {
    if (fd > maxFd_) maxFd_ = fd;
  } else if (fd == maxFd_) {
    maxFd_ = highestFd();
  }
  return 0;
}

int SelectPoller::wait(Nanos timeoutNs, ReadyFd* ready, int capacity) {
  const int nfds = maxFd_ + 1;
  const auto words = static_cast<size_t>((nfds + kWordBits - 1) / kWordBits);
  std::copy_n(readInterest_.begin(), words, readReady_.begin());
  std::copy_n(writeInterest_.begin(), words, writeReady_.begin());
  timespec ts{};
  // The sets are arrays of fd_mask at least nfds bits long: what the kernel reads.
  const int n = pselect(nfds, reinterpret_cast<fd_set*>(readReady_.data()),
                        reinterpret_cast<fd_set*>(writeReady_.data()), nullptr, relativeTimespec(timeoutNs, ts),
                        nullptr);
  if (n < 0) return errno == EINTR ? 0 : -errno;
  int count = 0;
  for (size_t word = 0; word < words && count < capacity; ++word) {
    const Word readable = readReady_[word];
    const Word writable = writeReady_[word];
    if (!(readable | writable)) continue;
    for (int bit = 0; bit < kWordBits && count < capacity; ++bit) {
      const Word mask = Word{1} << bit;
      short res = 0;
      if (readable & mask) res |= kEvRead;
      if (writable & mask) res |= kEvWrite;
      if (res) ready[count++] = {static_cast<int>(word) * kWordBits + bit, res};
    }
  }
  return count;
}

}  // namespace rs
