// Bounded lock-free single-producer / single-consumer ring of trace records.
//
//   producer (loop thread)                        consumer (one reader thread)
//   push(): writes slot[head & mask], head++       drain(): reads slot[tail & mask], tail++
//
// A full ring never blocks the loop: the record is dropped and counted, and the
// consumer reads the count (dropped()) so losses are reported, never silent.
// Timestamps may travel as raw TSC stamps (core/TraceClock.h); drain() hands
// out CLOCK_MONOTONIC ns (and a CallbackEnd's duration in ns) either way.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/Trace.h"

namespace rs {

class TraceRing {
 public:
  // Ring-internal record types; drain() hands out the records they stand for,
  // consumers never see them.
  //  - kDispatchBeginPair: a Dispatch transition and the CallbackBegin record
  //    that follows it at the same instant, in one slot (fields as for the
  //    transition).
  //  - kEndDispatchBegin: the same, preceded by the CallbackEnd record of the
  //    callback that ran just before: `value` holds that callback's duration;
  //    its identity and begin stamp are those of the last pair or triple
  //    (callbacks of one base never nest), its stamp begin + duration.
  //  - kEndOfOpen: that CallbackEnd record alone (only `value` is set).
  // The producer writes the last two only for a callback whose pair or triple
  // was written (not dropped).
  static constexpr TraceType kDispatchBeginPair = static_cast<TraceType>(0x80);
  static constexpr TraceType kEndDispatchBegin = static_cast<TraceType>(0x81);
  static constexpr TraceType kEndOfOpen = static_cast<TraceType>(0x82);

  explicit TraceRing(size_t capacityPow2 = size_t{1} << 17);
  TraceRing(const TraceRing&) = delete;
  TraceRing& operator=(const TraceRing&) = delete;

  // Producer thread only.
  bool push(const TraceRecord& r) {
    return emplace([&](TraceRecord& slot) { slot = r; });
  }

  // Producer thread only: fills the next slot in place (no temporary record).
  // `fill(TraceRecord&)` must set every field it cares about; the slot holds
  // an old record otherwise.
  template <class Fill>
  bool emplace(Fill&& fill) {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    if (!room(head, 1)) return false;
    fill(slots_[head & mask_]);
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  // Producer thread only: a slot that stands for kRecords records (a pair: 2,
  // a triple: 3; `fill` writes the ring-internal type). A drop loses all of
  // them and counts kRecords.
  template <unsigned kRecords, class Fill>
  bool emplaceGroup(Fill&& fill) {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    if (!room(head, kRecords)) return false;
    fill(slots_[head & mask_]);
    extra_.store(extra_.load(std::memory_order_relaxed) + (kRecords - 1), std::memory_order_relaxed);
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  // Producer thread only: a burst of records written through local copies of
  // the ring's state (no reloads between records), published once by
  // endBurst(). beginBurst(max) makes room for up to `max` records; next()
  // returns the next slot, or nullptr (the record is counted as dropped) once
  // the room is used up. Nothing else may push between begin and end.
  struct Burst {
    TraceRecord* base;
    uint64_t mask;
    uint64_t head;
    uint64_t end;
  };
  Burst beginBurst(size_t max) {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    if (head + max > limit_) limit_ = tail_.load(std::memory_order_acquire) + capacity_;
    const uint64_t room = limit_ - head;
    return {slots_.get(), mask_, head, head + (room < max ? room : max)};
  }
  TraceRecord* next(Burst& b) {
    if (b.head < b.end) [[likely]] return &b.base[b.head++ & b.mask];
    countDropped(1);
    return nullptr;
  }
  // next() and fill in one: `fill(TraceRecord&)` runs only when there is room.
  template <class Fill>
  void fillNext(Burst& b, Fill&& fill) {
    if (b.head < b.end) [[likely]] {
      fill(b.base[b.head++ & b.mask]);
      return;
    }
    countDropped(1);
  }
  void endBurst(const Burst& b) { head_.store(b.head, std::memory_order_release); }

  // Producer thread only: records lost without a push (counted as dropped).
  void countDropped(uint64_t n) {
    dropped_.store(dropped_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  // Consumer thread only: copies up to max records into out, returns how many.
  // Raw TSC stamps come out converted to monotonic ns, in non-decreasing order.
  size_t drain(TraceRecord* out, size_t max);

  // Safe from any thread.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // Records written (a pair slot counts two, a triple three).
  uint64_t pushed() const {
    return head_.load(std::memory_order_relaxed) + extra_.load(std::memory_order_relaxed);
  }
  size_t capacity() const { return capacity_; }

 private:
  void expandGroup(const TraceRecord& slot, TraceRecord* dst);

  // Producer: whether slot `head` may be written. The room is checked against
  // the cached limit (tail + capacity) and the tail reloaded only when that is
  // reached; when the ring is really full, `lost` records are counted dropped.
  bool room(uint64_t head, uint64_t lost) {
    if (head < limit_) [[likely]] return true;
    limit_ = tail_.load(std::memory_order_acquire) + capacity_;
    if (head < limit_) return true;
    countDropped(lost);
    return false;
  }

  size_t capacity_;
  uint64_t mask_;
  std::unique_ptr<TraceRecord[]> slots_;
  alignas(64) std::atomic<uint64_t> head_{0};
  // Producer: its view of tail + capacity (head may reach it), refreshed only
  // when full. Set from capacity_ by the constructor.
  uint64_t limit_ = 0;
  std::atomic<uint64_t> extra_{0};  // records beyond one per slot (pairs, triples; for pushed())
  alignas(64) std::atomic<uint64_t> dropped_{0};
  alignas(64) std::atomic<uint64_t> tail_{0};
  int64_t lastTscNs_ = 0;  // consumer: the last converted TSC stamp (keeps order)
  // Consumer: records of a pair or triple that did not fit the last drain
  // (pending_[pendingFirst_ ..], pendingCount_ of them).
  TraceRecord pending_[2];
  unsigned pendingFirst_ = 0;
  unsigned pendingCount_ = 0;
  // Consumer: the CallbackBegin of the last pair or triple (a triple's
  // CallbackEnd belongs to it).
  TraceRecord open_;
};

}  // namespace rs
