// An insert-only map from an integer key to a row number, for the aggregator's
// per-record lookups (an event's row, a connection's series). Open addressing with
// linear probing in one array of {key, row} pairs: a lookup is usually one cache
// line, where std::unordered_map follows a bucket and then a node. Rows are never
// erased one by one: the owner rebuilds the index (clear() + emplace()) when rows
// move. Any key value is allowed (a slot is free when its row is -1).
// Thread contract: one thread (the aggregator's, the GUI thread).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace rs::gui {

template <typename Key>
class FlatIndex {
 public:
  // The row of key, or -1.
  int find(Key key) const {
    if (slots_.empty()) return -1;
    for (size_t i = slotOf(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.row < 0) return -1;
      if (s.key == key) return s.row;
    }
  }
  bool contains(Key key) const { return find(key) >= 0; }

  // Adds key -> row (row >= 0; key must not be there yet).
  void emplace(Key key, int row) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    size_t i = slotOf(key);
    while (slots_[i].row >= 0) i = (i + 1) & mask_;
    slots_[i] = {key, row};
    ++size_;
  }

  void clear() {
    slots_.clear();
    mask_ = size_ = 0;
  }
  void reserve(size_t n) {
    while (slots_.size() < n * 2) grow();
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    Key key{};
    int row = -1;  // -1: free
  };

  size_t slotOf(Key key) const {
    // Fibonacci hashing: sequential ids (the common keys) spread over the table.
    const uint64_t h = static_cast<uint64_t>(key) * 0x9E3779B97F4A7C15ULL;
    return static_cast<size_t>(h >> 32) & mask_;
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (const Slot& s : old)
      if (s.row >= 0) emplace(s.key, s.row);
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace rs::gui
