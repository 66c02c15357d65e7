// Bounded lock-free single-producer / single-consumer ring of trace records.
//
//   producer (loop thread)                        consumer (one reader thread)
//   push(): writes slot[head & mask], head++       drain(): reads slot[tail & mask], tail++
//
// A full ring never blocks the loop: the record is dropped and counted, and the
// consumer reads the count (dropped()) so losses are reported, never silent.
// The ring holds TraceSlots, timed with raw stamps (core/TraceClock.h); drain()
// hands out TraceRecords in CLOCK_MONOTONIC ns (a CallbackEnd's duration too).
#pragma once
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "core/Trace.h"
#include "core/TraceClock.h"

namespace rs {

// One slot of the ring: a record as the loop writes it, in five stores. Its time
// is a raw TraceStamp (TSC ticks or ns) and a callback's duration is in stamp
// units; its type may be one of TraceRing's internal group types. The same 40
// bytes as a TraceRecord; drain() turns slots into records.
struct TraceSlot {
  TraceStamp stamp = 0;
  uint64_t eventId = 0;
  int64_t value = 0;
  uint64_t ownerFd = 0;  // packOwnerFd()
  uint64_t word = 0;     // packRecordWord(), with the BufferId in byte 5

  TraceType type() const { return static_cast<TraceType>(word & 0xff); }
  void setByte(unsigned index, uint8_t byte) {
    const unsigned shift = index * 8;
    word = (word & ~(uint64_t{0xff} << shift)) | (uint64_t{byte} << shift);
  }
  void setType(TraceType t) { setByte(0, static_cast<uint8_t>(t)); }
};
static_assert(sizeof(TraceSlot) == sizeof(TraceRecord));

// Fills every word of a slot.
inline void fillSlot(TraceSlot& s, TraceStamp ts, uint64_t eventId, int64_t value, uint64_t ownerFd, uint64_t word) {
  s.stamp = ts;
  s.eventId = eventId;
  s.value = value;
  s.ownerFd = ownerFd;
  s.word = word;
}

// fillSlot() with the type..flags word given as fields (buffer = None).
inline void fillSlot(TraceSlot& s, TraceStamp ts, uint64_t eventId, int64_t value, uint64_t ownerFd, TraceType type,
                     EventKind kind, EventState from, EventState to, TraceCause cause, int16_t flags) {
  fillSlot(s, ts, eventId, value, ownerFd, packRecordWord(type, kind, from, to, cause, flags));
}

// The slot standing for a record whose time is already ns (tests, replays): ns
// is a valid stamp, as on a machine without an invariant TSC.
inline TraceSlot slotOf(const TraceRecord& r) {
  TraceSlot s;
  fillSlot(s, r.tsNs, r.eventId, r.value, packOwnerFd(r.owner, r.fd), r.type, r.kind, r.from, r.to, r.cause, r.flags);
  s.setByte(5, static_cast<uint8_t>(r.buffer));
  return s;
}

// The record a slot's words stand for, timed `ns`.
inline TraceRecord recordOf(const TraceSlot& s, int64_t ns) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  static_assert(offsetof(TraceRecord, owner) == 24 && offsetof(TraceRecord, fd) == 28 &&
                offsetof(TraceRecord, type) == 32 && offsetof(TraceRecord, kind) == 33 &&
                offsetof(TraceRecord, from) == 34 && offsetof(TraceRecord, to) == 35 &&
                offsetof(TraceRecord, cause) == 36 && offsetof(TraceRecord, buffer) == 37 &&
                offsetof(TraceRecord, flags) == 38);
  auto r = std::bit_cast<TraceRecord>(s);  // the words are the fields' bytes
#else
  TraceRecord r;
  r.eventId = s.eventId;
  r.value = s.value;
  r.owner = static_cast<uint32_t>(s.ownerFd);
  r.fd = static_cast<int32_t>(s.ownerFd >> 32);
  r.type = static_cast<TraceType>(s.word & 0xff);
  r.kind = static_cast<EventKind>((s.word >> 8) & 0xff);
  r.from = static_cast<EventState>((s.word >> 16) & 0xff);
  r.to = static_cast<EventState>((s.word >> 24) & 0xff);
  r.cause = static_cast<TraceCause>((s.word >> 32) & 0xff);
  r.buffer = static_cast<BufferId>((s.word >> 40) & 0xff);
  r.flags = static_cast<int16_t>(s.word >> 48);
#endif
  r.tsNs = ns;
  return r;
}

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
  bool push(const TraceSlot& s) {
    return emplace([&](TraceSlot& slot) { slot = s; });
  }

  // Producer thread only: fills the next slot in place (no temporary record).
  // `fill(TraceSlot&)` must set every word it cares about; the slot holds
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
  // endBurst(). beginBurst(max) makes room for `max` records; next() returns
  // the next slot (past `max`, as long as the ring has room: widen()), or
  // nullptr (the record is counted as dropped) when the ring is full. Nothing
  // else may push between begin and end.
  struct Burst {
    TraceSlot* base;
    uint64_t mask;
    uint64_t head;
    uint64_t end;
  };
  Burst beginBurst(size_t max) {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    if (head + max > limit_) reloadLimit();
    const uint64_t room = limit_ - head;
    return {slots_.get(), mask_, head, head + (room < max ? room : max)};
  }
  TraceSlot* next(Burst& b) {
    if (b.head < b.end || widen(b)) [[likely]] return &b.base[b.head++ & b.mask];
    countDropped(1);
    return nullptr;
  }
  // next() and fill in one: `fill(TraceSlot&)` runs only when there is room.
  template <class Fill>
  void fillNext(Burst& b, Fill&& fill) {
    if (b.head < b.end || widen(b)) [[likely]] {
      fill(b.base[b.head++ & b.mask]);
      return;
    }
    countDropped(1);
  }
  void endBurst(const Burst& b) { head_.store(b.head, std::memory_order_release); }
  // A burst that needs more records than beginBurst() was told (an fd whose
  // read and write events both became active counts once in an epoll wait):
  // the room left in the ring, the tail reloaded once it is used up. False
  // only when the ring is really full.
  [[gnu::noinline]] bool widen(Burst& b) {
    if (b.head >= limit_) reloadLimit();
    b.end = limit_;
    return b.head < b.end;
  }

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
  int64_t nsOf(TraceStamp stamp, const traceclock::Converter& conv);
  TraceRecord convert(const TraceSlot& slot, const traceclock::Converter& conv);
  TraceRecord openEnd(StampTicks duration, const traceclock::Converter& conv);
  unsigned expandGroup(const TraceSlot& slot, TraceRecord* dst, const traceclock::Converter& conv);

  // Producer: whether slot `head` may be written. The room is checked against
  // the cached limit (tail + capacity) and the tail reloaded only when that is
  // reached; when the ring is really full, `lost` records are counted dropped.
  bool room(uint64_t head, uint64_t lost) {
    if (head < limit_) [[likely]] return true;
    reloadLimit();
    if (head < limit_) return true;
    countDropped(lost);
    return false;
  }

  // Producer: the limit from the consumer's current tail (the producer's one read of tail_).
  void reloadLimit() { limit_ = tail_.load(std::memory_order_acquire) + capacity_; }

  size_t capacity_;
  uint64_t mask_;
  std::unique_ptr<TraceSlot[]> slots_;
  alignas(64) std::atomic<uint64_t> head_{0};
  // Producer: its view of tail + capacity (head may reach it), refreshed only
  // when full. Set from capacity_ by the constructor.
  uint64_t limit_ = 0;
  std::atomic<uint64_t> extra_{0};  // records beyond one per slot (pairs, triples; for pushed())
  alignas(64) std::atomic<uint64_t> dropped_{0};
  alignas(64) std::atomic<uint64_t> tail_{0};
  int64_t lastTscNs_ = 0;  // consumer: the last converted TSC stamp, in ns (keeps order)
  // Consumer: records of a pair or triple that did not fit the last drain
  // (pending_[pendingFirst_ ..], pendingCount_ of them), already converted.
  TraceRecord pending_[2];
  unsigned pendingFirst_ = 0;
  unsigned pendingCount_ = 0;
  // Consumer: the CallbackBegin of the last pair or triple (a triple's
  // CallbackEnd belongs to it), and its raw stamp (its end's stamp is that
  // plus the duration).
  TraceRecord open_;
  TraceStamp openStamp_ = 0;
};

}  // namespace rs
