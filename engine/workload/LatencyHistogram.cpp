#include "workload/LatencyHistogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace rs {

namespace {

constexpr int kSubBucketBits = 7;
constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBucketBits;
// Octave k holds [2^k, 2^(k+1)). 1 us lies in octave 9, 60 s in octave 35.
constexpr int octaveOf(uint64_t v) { return static_cast<int>(std::bit_width(v)) - 1; }
constexpr int kLowestOctave = octaveOf(LatencyHistogram::kLowestTrackableNs);
constexpr int kHighestOctave = octaveOf(LatencyHistogram::kHighestTrackableNs);
// Bucket 0, whole octaves below 60 s's, then its octave up to 60 s's sub-bucket.
constexpr size_t kBucketCount =
    1 + static_cast<size_t>(kHighestOctave - kLowestOctave) * kSubBuckets +
    static_cast<size_t>((static_cast<uint64_t>(LatencyHistogram::kHighestTrackableNs) >>
                         (kHighestOctave - kSubBucketBits)) -
                        kSubBuckets) +
    1;

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kBucketCount, 0) {}

size_t LatencyHistogram::bucketCount() { return kBucketCount; }

size_t LatencyHistogram::bucketIndex(int64_t ns) {
  if (ns < kLowestTrackableNs) return 0;
  const uint64_t v = static_cast<uint64_t>(std::min(ns, kHighestTrackableNs));
  const int octave = octaveOf(v);
  // The top kSubBucketBits+1 bits of v: 1 followed by the sub-bucket number.
  const uint64_t sub = (v >> (octave - kSubBucketBits)) - kSubBuckets;
  return 1 + static_cast<size_t>(octave - kLowestOctave) * kSubBuckets + sub;
}

int64_t LatencyHistogram::bucketLowNs(size_t index) {
  if (index == 0) return 0;
  const size_t j = index - 1;
  const int octave = kLowestOctave + static_cast<int>(j / kSubBuckets);
  const uint64_t sub = j % kSubBuckets;
  return static_cast<int64_t>((kSubBuckets + sub) << (octave - kSubBucketBits));
}

int64_t LatencyHistogram::bucketHighNs(size_t index) {
  if (index == 0) return kLowestTrackableNs;
  const int octave = kLowestOctave + static_cast<int>((index - 1) / kSubBuckets);
  return bucketLowNs(index) + (int64_t{1} << (octave - kSubBucketBits));
}

void LatencyHistogram::recordMany(int64_t ns, uint64_t times) {
  if (times == 0) return;
  if (ns < 0) ns = 0;
  if (ns > kHighestTrackableNs) {
    ns = kHighestTrackableNs;
    overflow_ += times;
  }
  counts_[bucketIndex(ns)] += times;
  if (count_ == 0) {
    min_ = max_ = ns;
  } else {
    min_ = std::min(min_, ns);
    max_ = std::max(max_, ns);
  }
  count_ += times;
  sum_ += static_cast<double>(ns) * static_cast<double>(times);
}

double LatencyHistogram::mean() const {
  return count_ > 0 ? sum_ / static_cast<double>(count_) : 0.0;
}

int64_t LatencyHistogram::percentile(double p) const {
  if (count_ == 0) return 0;
  if (!(p > 0.0)) return min_;
  if (p >= 100.0) return max_;
  // The tiny relative slack keeps p/100*count from landing one rank high when
  // the product is an integer that floating point rounded up.
  const double exact = p / 100.0 * static_cast<double>(count_);
  uint64_t rank = static_cast<uint64_t>(std::ceil(exact * (1.0 - 1e-12)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const int64_t low = bucketLowNs(i);
      const int64_t mid = low + (bucketHighNs(i) - low) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  overflow_ += other.overflow_;
  sum_ += other.sum_;
}

void LatencyHistogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  overflow_ = 0;
  min_ = max_ = 0;
  sum_ = 0.0;
}

std::vector<LatencyHistogram::Bucket> LatencyHistogram::nonEmptyBuckets() const {
  std::vector<Bucket> out;
  forEachBucket([&out](int64_t low, int64_t high, uint64_t n) { out.push_back({low, high, n}); });
  return out;
}

}  // namespace rs
