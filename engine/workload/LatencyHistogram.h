// rs::DurationHistogram: the one histogram of durations in nanoseconds, with
// one percentile convention, used by the load client's latency reports (CLI,
// Stats tab) and by the GUI's callback-duration and scheduling-delay figures.
//
// Layout (log-linear, HdrHistogram-style): each power of two [2^k, 2^(k+1))
// from LowestTrackableNs up is split into 2^SubBucketBits equal sub-buckets,
// so a bucket is at most 1/2^SubBucketBits of its lower bound wide. Everything
// below LowestTrackableNs shares bucket 0; values above HighestTrackableNs are
// clamped to it and counted by overflowCount(). Memory is one flat counter
// array sized at construction; record() is a few shifts and an increment.
//
// Percentile convention (the only one in the project): p in [0, 100],
// nearest rank, reported as the midpoint of the bucket holding that rank, kept
// inside [min(), max()] -- so p 0 is min(), p 100 is max(), and a histogram of
// one repeated value reports that value at every p.
//
// Two layouts, both instances of the template (LatencyHistogram.cpp
// instantiates exactly these):
// - LatencyHistogram: workload latency, 1 us to 60 s, 128 sub-buckets (the
//   midpoint is within 0.4 % of any value in its bucket).
// - CallbackHistogram: loop callbacks and scheduling delays, fed from every
//   trace record, 8 ns to 60 s, 8 sub-buckets (within 6.25 %).
//
// Thread contract: not thread-safe. One thread records; others get a copy (or a
// merge() into their own histogram) taken on that thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace rs {

template <int SubBucketBits, int64_t LowestTrackableNs, int64_t HighestTrackableNs>
class DurationHistogram {
 public:
  static_assert(LowestTrackableNs >= (int64_t{1} << SubBucketBits), "a sub-bucket must be at least 1 ns wide");
  static constexpr int kSubBucketBits = SubBucketBits;
  static constexpr int64_t kLowestTrackableNs = LowestTrackableNs;
  static constexpr int64_t kHighestTrackableNs = HighestTrackableNs;

  struct Bucket {
    int64_t lowNs;   // inclusive
    int64_t highNs;  // exclusive
    uint64_t count;
  };

  DurationHistogram();

  // Negative values count as 0 (in bucket 0).
  void record(int64_t ns) { recordMany(ns, 1); }
  void recordMany(int64_t ns, uint64_t times);

  uint64_t count() const { return count_; }
  // Exact extremes and mean of the recorded (clamped) values; 0 when empty.
  int64_t min() const { return count_ > 0 ? min_ : 0; }
  int64_t max() const { return count_ > 0 ? max_ : 0; }
  double mean() const;
  // The convention above: p in [0, 100]; the midpoint of the bucket holding
  // the ceil(p/100 * count)-th smallest value, kept inside [min(), max()]. 0
  // when empty.
  int64_t percentile(double p) const;
  uint64_t underflowCount() const { return counts_[0]; }
  uint64_t overflowCount() const { return overflow_; }

  void merge(const DurationHistogram& other);
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
  uint64_t countAt(size_t index) const { return counts_[index]; }
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

using LatencyHistogram = DurationHistogram<7, 1'000, 60'000'000'000>;
using CallbackHistogram = DurationHistogram<3, 8, 60'000'000'000>;
extern template class DurationHistogram<7, 1'000, 60'000'000'000>;
extern template class DurationHistogram<3, 8, 60'000'000'000>;

}  // namespace rs
