// An event's older history, decimated: contiguous time buckets of equal width,
// each holding the time the event spent in each state, the transitions and the
// callbacks that fell in it. TraceAggregator folds every full-resolution sample an
// event's ring is about to overwrite into these buckets, so a busy event keeps a
// complete (coarser) picture of its whole retention instead of losing its past.
//
// Memory: at most kMaxBuckets buckets (kMaxBuckets * sizeof(HistoryBucket) bytes);
// the width is chosen from the retention so kMaxBuckets cover it (bucketNsFor()).
// Thread contract: GUI thread only.
#pragma once
#include <QtGlobal>

#include <algorithm>
#include <array>

#include "core/Trace.h"
#include "model/SpanRing.h"

namespace rs::gui {

struct HistoryBucket {
  std::array<quint32, 3> stateNs{};  // NonPending, Pending, Active
  quint32 transitions = 0;
  quint32 callbacks = 0;
  quint32 callbackNs = 0;  // saturates at ~4.29 s per bucket
  // The state the event spent the most time in (Invalid when none was recorded).
  EventState dominant() const {
    int best = -1;
    for (int k = 0; k < 3; ++k)
      if (stateNs[static_cast<size_t>(k)] > 0 && (best < 0 || stateNs[static_cast<size_t>(k)] > stateNs[static_cast<size_t>(best)]))
        best = k;
    return best < 0 ? EventState::Invalid : static_cast<EventState>(best + 1);
  }
};

class CoarseHistory {
 public:
  static constexpr size_t kMaxBuckets = 4096;
  // Bucket width that lets kMaxBuckets (less a 5% margin) cover retentionNs; >= 1 ms.
  static qint64 bucketNsFor(qint64 retentionNs) {
    const qint64 ms = 1'000'000;
    const qint64 raw = retentionNs / static_cast<qint64>(kMaxBuckets - kMaxBuckets / 20);
    return std::max<qint64>(ms, (raw + ms - 1) / ms * ms);
  }

  // Changing the width discards the buckets (they no longer line up).
  void setBucketNs(qint64 ns) {
    if (ns == bucketNs_) return;
    bucketNs_ = ns;
    clear();
  }
  qint64 bucketNs() const { return bucketNs_; }
  // Limits the bucket count (the global memory bound lowers it; kMaxBuckets by default).
  void setMaxBuckets(size_t n) {
    n = std::clamp<size_t>(n, 16, kMaxBuckets);
    if (SpanRing<HistoryBucket>::roundUp(n) == ring_.cap()) return;
    const size_t before = ring_.size();
    ring_.setCap(n);
    startNs_ += static_cast<qint64>(before - ring_.size()) * bucketNs_;
  }
  size_t maxBuckets() const { return ring_.cap(); }

  // Time [fromNs, toNs) spent in `state` (Invalid is ignored); a transition at fromNs.
  void addSpan(EventState state, qint64 fromNs, qint64 toNs) {
    if (state == EventState::Invalid) return;
    const auto k = static_cast<size_t>(state) - 1;
    // Most spans lie inside the bucket found last (see indexAt()).
    if (lastFound_.ringStartNs == startNs_ && fromNs >= lastFound_.bucketStartNs &&
        toNs <= lastFound_.bucketStartNs + bucketNs_ && lastFound_.index < ring_.size()) [[likely]] {
      HistoryBucket& b = ring_[lastFound_.index];
      ++b.transitions;
      b.stateNs[k] += static_cast<quint32>(toNs - fromNs);
      return;
    }
    if (HistoryBucket* b = bucketAt(fromNs)) ++b->transitions;
    fromNs = std::max(fromNs, toNs - static_cast<qint64>(ring_.cap()) * bucketNs_);  // older ones would be overwritten
    while (fromNs < toNs) {
      size_t i = 0;
      if (!indexAt(fromNs, &i)) {
        if (ring_.empty()) return;
        fromNs = startNs_;
        continue;
      }
      const qint64 end = std::min(toNs, bucketStartNs(i) + bucketNs_);
      ring_[i].stateNs[k] += static_cast<quint32>(end - fromNs);
      fromNs = end;
    }
  }
  // What addSpans() reads of each span.
  struct Span {
    EventState state;
    qint64 fromNs;
    qint64 toNs;
  };
  // n spans in time order (spanAt(i) -> Span): the same buckets as n addSpan()
  // calls, but a run of spans inside one bucket is summed in registers and
  // written to the bucket once (the fold's path: one bucket holds hundreds).
  template <typename SpanAt>
  void addSpans(size_t n, SpanAt spanAt) {
    for (size_t i = 0; i < n;) {
      if (lastFoundValid()) {
        const qint64 lo = lastFound_.bucketStartNs, hi = lo + bucketNs_;
        std::array<quint32, 3> stateNs{};
        quint32 transitions = 0;
        for (; i < n; ++i) {
          const Span s = spanAt(i);
          if (s.state == EventState::Invalid) continue;
          if (s.fromNs < lo || s.toNs > hi) break;
          ++transitions;
          stateNs[static_cast<size_t>(s.state) - 1] += static_cast<quint32>(s.toNs - s.fromNs);
        }
        HistoryBucket& b = ring_[lastFound_.index];
        b.transitions += transitions;
        for (size_t k = 0; k < stateNs.size(); ++k) b.stateNs[k] += stateNs[k];
        if (i == n) return;
      }
      const Span s = spanAt(i++);
      addSpan(s.state, s.fromNs, s.toNs);
    }
  }
  // n callbacks in time order (callbackAt(i) -> CallbackSample-like {beginNs,
  // durationNs}): the same buckets as n addCallback() calls, a run in one bucket
  // summed first.
  template <typename CallbackAt>
  void addCallbacks(size_t n, CallbackAt callbackAt) {
    for (size_t i = 0; i < n;) {
      if (lastFoundValid()) {
        const qint64 lo = lastFound_.bucketStartNs, hi = lo + bucketNs_;
        qint64 sumNs = 0;  // (at most n * a bucket's saturation bound: no overflow)
        quint32 callbacks = 0;
        for (; i < n; ++i) {
          const auto c = callbackAt(i);
          // (a negative duration is added alone: saturation then depends on the order)
          if (c.beginNs < lo || c.beginNs >= hi || c.durationNs < 0 || c.durationNs > 0xffffffffLL) break;
          ++callbacks;
          sumNs += c.durationNs;
        }
        HistoryBucket& b = ring_[lastFound_.index];
        b.callbacks += callbacks;
        b.callbackNs = static_cast<quint32>(std::min<qint64>(0xffffffffLL, b.callbackNs + sumNs));
        if (i == n) return;
      }
      const auto c = callbackAt(i++);
      addCallback(c.beginNs, c.durationNs);
    }
  }
  void addCallback(qint64 beginNs, qint64 durationNs) {
    if (HistoryBucket* b = bucketAt(beginNs)) {
      ++b->callbacks;
      b->callbackNs = static_cast<quint32>(std::min<qint64>(0xffffffffLL, b->callbackNs + durationNs));
    }
  }
  // Drops buckets that end before cutoffNs.
  void dropBefore(qint64 cutoffNs) {
    while (!ring_.empty() && startNs_ + bucketNs_ <= cutoffNs) {
      ring_.dropFront(1);
      startNs_ += bucketNs_;
    }
  }
  void clear() {
    ring_.clear();
    lastFound_ = {};
  }

  size_t size() const { return ring_.size(); }
  bool empty() const { return ring_.empty(); }
  const HistoryBucket& operator[](size_t i) const { return ring_[i]; }
  qint64 bucketStartNs(size_t i) const { return startNs_ + static_cast<qint64>(i) * bucketNs_; }
  // Start of the oldest bucket that holds anything (INT64_MAX when none).
  qint64 firstRecordedNs() const {
    for (size_t i = 0; i < ring_.size(); ++i)
      if (ring_[i].dominant() != EventState::Invalid) return bucketStartNs(i);
    return INT64_MAX;
  }
  size_t memoryBytes() const { return ring_.memoryBytes(); }

 private:
  // Index of the bucket holding ts, creating buckets up to it (contiguous; the ring
  // overwrites the oldest). False when ts is older than the oldest bucket.
  // The bucket found last still holds what it held (no bucket dropped since).
  bool lastFoundValid() const { return lastFound_.ringStartNs == startNs_ && lastFound_.index < ring_.size(); }
  bool indexAt(qint64 ts, size_t* index) {
    // Most spans are far shorter than a bucket: the bucket found last, while no
    // bucket was dropped since (startNs_ unchanged), answers without a division.
    if (lastFound_.ringStartNs == startNs_ && ts >= lastFound_.bucketStartNs &&
        ts - lastFound_.bucketStartNs < bucketNs_ && lastFound_.index < ring_.size()) {
      *index = lastFound_.index;
      return true;
    }
    if (ring_.empty()) {
      startNs_ = ts - ts % bucketNs_;
      ring_.push({});
    }
    if (ts < startNs_) return false;
    auto i = static_cast<size_t>((ts - startNs_) / bucketNs_);
    if (i >= ring_.size() + ring_.cap()) {  // a gap longer than the ring: start over
      ring_.clear();
      return indexAt(ts, index);
    }
    while (i >= ring_.size()) {
      if (ring_.size() == ring_.cap()) {
        startNs_ += bucketNs_;
        --i;
      }
      ring_.push({});
    }
    *index = i;
    lastFound_ = {startNs_, bucketStartNs(i), i};
    return true;
  }
  HistoryBucket* bucketAt(qint64 ts) {
    size_t i = 0;
    return indexAt(ts, &i) ? &ring_[i] : nullptr;
  }

  struct LastFound {
    qint64 ringStartNs = INT64_MIN;  // startNs_ when it was found
    qint64 bucketStartNs = 0;
    size_t index = 0;
  };

  SpanRing<HistoryBucket> ring_{kMaxBuckets};
  LastFound lastFound_;
  qint64 startNs_ = 0;
  qint64 bucketNs_ = bucketNsFor(60LL * 1000 * 1000 * 1000);
};

}  // namespace rs::gui
