// rs::LatencyHistogram: a log-linear (HdrHistogram-style) histogram of
// durations in nanoseconds, 1 us to 60 s, for workload latency reports.
//
// Each power of two [2^k, 2^(k+1)) is split into 128 equal sub-buckets, so a
// bucket is at most 1/128 of its lower bound wide and the midpoint reported by
// percentile() is within 0.4 % of any value in it (the target is 1 %).
// Everything below 1 us shares bucket 0 ([0, 1 us)); values above 60 s are
// clamped to 60 s and counted by overflowCount(). Memory is one flat counter
// array sized at construction; record() is a few shifts and an increment.
//
// Thread contract: not thread-safe. One thread records; others get a copy (or a
// merge() into their own histogram) taken on that thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace rs {

class LatencyHistogram {
 public:
  static constexpr int64_t kLowestTrackableNs = 1'000;
  static constexpr int64_t kHighestTrackableNs = 60'000'000'000;

  struct Bucket {
    int64_t lowNs;   // inclusive
    int64_t highNs;  // exclusive
    uint64_t count;
  };

  LatencyHistogram();

  // Negative values count as 0 (in bucket 0).
  void record(int64_t ns) { recordMany(ns, 1); }
  void recordMany(int64_t ns, uint64_t times);

  uint64_t count() const { return count_; }
  // Exact extremes and mean of the recorded (clamped) values; 0 when empty.
  int64_t min() const { return count_ > 0 ? min_ : 0; }
  int64_t max() const { return count_ > 0 ? max_ : 0; }
  double mean() const;
  // Nearest-rank percentile, p in [0, 100]: the midpoint of the bucket holding
  // the ceil(p/100 * count)-th smallest value, kept inside [min(), max()]. p 0
  // gives min(), p 100 max(). 0 when empty.
  int64_t percentile(double p) const;
  uint64_t underflowCount() const { return counts_[0]; }
  uint64_t overflowCount() const { return overflow_; }

  void merge(const LatencyHistogram& other);
  void reset();

  // Calls fn(lowNs, highNs, count) for each non-empty bucket, ascending.
  template <typename Fn>
  void forEachBucket(Fn&& fn) const {
    if (count_ == 0) return;
    for (size_t i = 0; i < counts_.size(); ++i) {
      if (counts_[i] != 0) fn(bucketLowNs(i), bucketHighNs(i), counts_[i]);
    }
  }
  std::vector<Bucket> nonEmptyBuckets() const;

  // The bucket layout, public for tests and plots.
  static size_t bucketCount();
  static size_t bucketIndex(int64_t ns);
  static int64_t bucketLowNs(size_t index);
  static int64_t bucketHighNs(size_t index);

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t overflow_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  double sum_ = 0.0;
};

}  // namespace rs
