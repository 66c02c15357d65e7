#include "workload/LatencyHistogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace rs {

namespace {
// Octave k holds [2^k, 2^(k+1)).
constexpr int octaveOf(uint64_t v) { return static_cast<int>(std::bit_width(v)) - 1; }

// The layout of one instance: bucket 0, whole octaves below the highest
// value's, then its octave up to the highest value's sub-bucket.
template <int SubBucketBits, int64_t LowestNs, int64_t HighestNs>
struct Layout {
  static constexpr uint64_t kSubBuckets = uint64_t{1} << SubBucketBits;
  static constexpr int kLowestOctave = octaveOf(LowestNs);
  static constexpr int kHighestOctave = octaveOf(HighestNs);
  static constexpr size_t kBucketCount =
      1 + static_cast<size_t>(kHighestOctave - kLowestOctave) * kSubBuckets +
      static_cast<size_t>((static_cast<uint64_t>(HighestNs) >> (kHighestOctave - SubBucketBits)) - kSubBuckets) + 1;
};
}  // namespace

#define RS_HISTOGRAM_TEMPLATE template <int SubBucketBits, int64_t LowestTrackableNs, int64_t HighestTrackableNs>
#define RS_HISTOGRAM DurationHistogram<SubBucketBits, LowestTrackableNs, HighestTrackableNs>
#define RS_LAYOUT Layout<SubBucketBits, LowestTrackableNs, HighestTrackableNs>

RS_HISTOGRAM_TEMPLATE
RS_HISTOGRAM::DurationHistogram() : counts_(RS_LAYOUT::kBucketCount, 0) {}

RS_HISTOGRAM_TEMPLATE
size_t RS_HISTOGRAM::bucketCount() { return RS_LAYOUT::kBucketCount; }

RS_HISTOGRAM_TEMPLATE
size_t RS_HISTOGRAM::bucketIndex(int64_t ns) {
  if (ns < kLowestTrackableNs) return 0;
  const uint64_t v = static_cast<uint64_t>(std::min(ns, kHighestTrackableNs));
  const int octave = octaveOf(v);
  // The top SubBucketBits+1 bits of v: 1 followed by the sub-bucket number.
  const uint64_t sub = (v >> (octave - SubBucketBits)) - RS_LAYOUT::kSubBuckets;
  return 1 + static_cast<size_t>(octave - RS_LAYOUT::kLowestOctave) * RS_LAYOUT::kSubBuckets + sub;
}

RS_HISTOGRAM_TEMPLATE
int64_t RS_HISTOGRAM::bucketLowNs(size_t index) {
  if (index == 0) return 0;
  const size_t j = index - 1;
  const int octave = RS_LAYOUT::kLowestOctave + static_cast<int>(j / RS_LAYOUT::kSubBuckets);
  const uint64_t sub = j % RS_LAYOUT::kSubBuckets;
  return static_cast<int64_t>((RS_LAYOUT::kSubBuckets + sub) << (octave - SubBucketBits));
}

RS_HISTOGRAM_TEMPLATE
int64_t RS_HISTOGRAM::bucketHighNs(size_t index) {
  if (index == 0) return kLowestTrackableNs;
  const int octave = RS_LAYOUT::kLowestOctave + static_cast<int>((index - 1) / RS_LAYOUT::kSubBuckets);
  return bucketLowNs(index) + (int64_t{1} << (octave - SubBucketBits));
}

RS_HISTOGRAM_TEMPLATE
void RS_HISTOGRAM::recordMany(int64_t ns, uint64_t times) {
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

RS_HISTOGRAM_TEMPLATE
double RS_HISTOGRAM::mean() const {
  return count_ > 0 ? sum_ / static_cast<double>(count_) : 0.0;
}

RS_HISTOGRAM_TEMPLATE
int64_t RS_HISTOGRAM::percentile(double p) const {
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

RS_HISTOGRAM_TEMPLATE
void RS_HISTOGRAM::merge(const DurationHistogram& other) {
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

RS_HISTOGRAM_TEMPLATE
void RS_HISTOGRAM::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  overflow_ = 0;
  min_ = max_ = 0;
  sum_ = 0.0;
}

RS_HISTOGRAM_TEMPLATE
std::vector<typename RS_HISTOGRAM::Bucket> RS_HISTOGRAM::nonEmptyBuckets() const {
  std::vector<Bucket> out;
  forEachBucket([&out](int64_t low, int64_t high, uint64_t n) { out.push_back({low, high, n}); });
  return out;
}

#undef RS_LAYOUT
#undef RS_HISTOGRAM
#undef RS_HISTOGRAM_TEMPLATE

// The two layouts LatencyHistogram.h names; no other is instantiated.
template class DurationHistogram<7, 1'000, 60'000'000'000>;
template class DurationHistogram<3, 8, 60'000'000'000>;

}  // namespace rs
