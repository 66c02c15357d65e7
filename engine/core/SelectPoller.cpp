#include "core/SelectPoller.h"

#include <cerrno>
#include <new>

#include "core/Event.h"

namespace rs {

// ---------------------------------------------------------------------------
// FdBits

bool FdBits::reserve(int nfds) {
  const size_t words = wordsFor(nfds);
  if (words <= words_.size()) return true;
  try {
    words_.resize(words, 0);
  } catch (const std::bad_alloc&) {
    return false;
  }
  return true;
}

void FdBits::set(int fd, bool on) {
  const auto i = static_cast<size_t>(fd / kWordBits);
  const Word bit = Word{1} << (fd % kWordBits);
  if (on) words_[i] |= bit;
  else words_[i] &= ~bit;
}

int FdBits::highest() const {
  for (size_t i = words_.size(); i-- > 0;) {
    if (!words_[i]) continue;
    int bit = kWordBits - 1;
    while (!(words_[i] & (Word{1} << bit))) --bit;
    return static_cast<int>(i) * kWordBits + bit;
  }
  return -1;
}

// ---------------------------------------------------------------------------
// SelectPoller

int SelectPoller::update(int fd, short, short newInterest) {
  if (fd < 0) return -EBADF;
  const bool read = newInterest & kEvRead;
  const bool write = newInterest & kEvWrite;
  if (read || write) {
    if (!readInterest_.reserve(fd + 1) || !writeInterest_.reserve(fd + 1) || !readReady_.reserve(fd + 1) ||
        !writeReady_.reserve(fd + 1))
      return -ENOMEM;
  } else if (fd > maxFd_) {
    return 0;  // nothing registered there
  }
  readInterest_.set(fd, read);
  writeInterest_.set(fd, write);
  if (read || write) {
    if (fd > maxFd_) maxFd_ = fd;
  } else if (fd == maxFd_) {
    const int highestRead = readInterest_.highest();
    const int highestWrite = writeInterest_.highest();
    maxFd_ = highestRead > highestWrite ? highestRead : highestWrite;
  }
  return 0;
}

int SelectPoller::wait(Nanos timeoutNs, ReadyFd* ready, int capacity) {
  const int nfds = maxFd_ + 1;
  const size_t words = FdBits::wordsFor(nfds);
  readReady_.copyFrom(readInterest_, words);
  writeReady_.copyFrom(writeInterest_, words);
  timespec ts{};
  const int n = pselect(nfds, nfds ? readReady_.asFdSet() : nullptr, nfds ? writeReady_.asFdSet() : nullptr,
                        nullptr, relativeTimespec(timeoutNs, ts), nullptr);
  if (n < 0) return errno == EINTR ? 0 : -errno;
  int count = 0;
  for (size_t i = 0; i < words && count < capacity; ++i) {
    const FdBits::Word readable = readReady_.word(i);
    const FdBits::Word writable = writeReady_.word(i);
    if (!(readable | writable)) continue;
    for (int bit = 0; bit < FdBits::kWordBits && count < capacity; ++bit) {
      const FdBits::Word mask = FdBits::Word{1} << bit;
      short res = 0;
      if (readable & mask) res |= kEvRead;
      if (writable & mask) res |= kEvWrite;
      if (res) ready[count++] = {static_cast<int>(i) * FdBits::kWordBits + bit, res};
    }
  }
  return count;
}

}  // namespace rs
