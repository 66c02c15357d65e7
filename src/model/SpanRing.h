// A bounded ring of trivially copyable samples, oldest first. It grows
// geometrically up to its cap (so an idle event costs little) and then overwrites
// the oldest sample: the timeline's memory is bounded per event no matter the rate.
// GUI thread only.
#pragma once
#include <algorithm>
#include <cstddef>
#include <vector>

namespace rs::gui {

template <typename T>
class SpanRing {
 public:
  explicit SpanRing(size_t cap = 1024) : cap_(roundUp(cap)) {}
  static size_t roundDown(size_t n) {
    size_t p = 16;
    while (p * 2 <= n) p <<= 1;
    return p;
  }
  static size_t roundUp(size_t n) {
    size_t p = 16;
    while (p < n) p <<= 1;
    return p;
  }

  void setCap(size_t cap) {
    cap = roundUp(cap);
    if (cap == cap_) return;
    Buffer keep;
    const size_t n = std::min(size_, cap);
    keep.reserve(n);
    for (size_t i = size_ - n; i < size_; ++i) keep.push_back((*this)[i]);
    keep.resize(roundUp(std::max<size_t>(n, 1)));
    buf_ = std::move(keep);
    mask_ = buf_.size() - 1;
    cap_ = cap;
    head_ = 0;
    size_ = n;
  }
  size_t cap() const { return cap_; }

  // (v is copied first: it may be a sample of this ring, which pushSlot() may
  // move or overwrite.)
  void push(const T& v) {
    const T copy = v;
    pushSlot() = copy;
  }
  // The slot of a new newest sample, for a caller that writes it field by field
  // (no temporary copied in: a padded sample built on the stack and copied costs
  // a store-forwarding stall). Inline: this is the app's per-record path.
  [[gnu::always_inline]] T& pushSlot() {
    if (size_ < buf_.size()) [[likely]] {
      T& slot = buf_[(head_ + size_) & mask_];
      ++size_;
      prefetchNextLine();
      return slot;
    }
    return pushSlow();
  }

  // Asks for the cache lines of the oldest n samples (and the one after them) at
  // once, before a pass over them (TraceAggregator's fold): their misses overlap
  // instead of coming one after the other.
  void prefetchOldest(size_t n) const {
    n = std::min(n + 1, size_);
    for (size_t i = 0; i < n; i += kSamplesPerLine) __builtin_prefetch(&(*this)[i]);
    if (n > 0) __builtin_prefetch(&(*this)[n - 1]);
  }

  // Drops samples from the front while pred(oldest) holds.
  template <typename Pred>
  void dropFrontWhile(Pred pred) {
    while (size_ > 0 && pred(buf_[head_])) {
      head_ = (head_ + 1) & mask_;
      --size_;
    }
  }

  void dropFront(size_t n) {
    n = std::min(n, size_);
    head_ = (head_ + n) & mask_;
    size_ -= n;
  }

  void clear() {
    buf_.clear();
    buf_.shrink_to_fit();
    head_ = size_ = 0;
    mask_ = 0;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T& operator[](size_t i) const { return buf_[(head_ + i) & mask_]; }
  T& operator[](size_t i) { return buf_[(head_ + i) & mask_]; }
  const T& back() const { return (*this)[size_ - 1]; }
  T& back() { return (*this)[size_ - 1]; }
  const T& front() const { return buf_[head_]; }
  size_t memoryBytes() const { return buf_.capacity() * sizeof(T); }

 private:
  // A ring still growing, or at its cap with nothing free (the oldest is overwritten).
  [[gnu::noinline]] T& pushSlow() {
    if (buf_.size() < cap_) {
      // Grow: unroll into a fresh buffer (amortized, not per sample).
      const size_t newSize = std::min(cap_, std::max<size_t>(16, buf_.size() * 2));
      Buffer grown(newSize);
      for (size_t i = 0; i < size_; ++i) grown[i] = (*this)[i];
      buf_ = std::move(grown);
      mask_ = buf_.size() - 1;
      head_ = 0;
      return buf_[size_++];
    }
    T& slot = buf_[head_];  // (cap_ >= 16: a full ring is never empty)
    head_ = (head_ + 1) & mask_;
    prefetchNextLine();
    return slot;
  }

  // A busy app pushes into thousands of rings in turn, so the slot a push writes
  // has usually left the cache: ask for the next cache line's slots now, long
  // before this ring's next pushes need them.
  void prefetchNextLine() {
    __builtin_prefetch(&buf_[(head_ + size_ + kSamplesPerLine) & mask_], 1);
  }

  static constexpr size_t kSamplesPerLine = 64 / sizeof(T) > 0 ? 64 / sizeof(T) : 1;
  using Buffer = std::vector<T>;
  Buffer buf_;
  size_t cap_;
  size_t mask_ = 0;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace rs::gui
