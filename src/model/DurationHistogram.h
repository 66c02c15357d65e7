// Log-linear histogram of durations in nanoseconds (8 sub-buckets per power of
// two, HdrHistogram-style at low precision): O(1) add with no allocation, so the
// aggregator can feed it from every callback record.
#pragma once
#include <QtGlobal>

#include <array>
#include <bit>
#include <cstdint>

namespace rs::gui {

class DurationHistogram {
 public:
  static constexpr int kSubBits = 3;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = 64 * kSub;

  void add(qint64 ns) {
    ++counts_[static_cast<size_t>(bucketOf(ns))];
    ++count_;
    sum_ += ns > 0 ? ns : 0;
    if (ns > max_) max_ = ns;
  }
  void merge(const DurationHistogram& o) {
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
    count_ += o.count_;
    sum_ += o.sum_;
    if (o.max_ > max_) max_ = o.max_;
  }
  void reset() { *this = DurationHistogram{}; }

  quint64 count() const { return count_; }
  qint64 max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
  quint64 bucketCount(int i) const { return counts_[static_cast<size_t>(i)]; }

  // Value at quantile q in [0, 1] (the bucket's upper bound, clamped to max).
  qint64 percentile(double q) const {
    if (count_ == 0) return 0;
    const auto target = static_cast<quint64>(q * static_cast<double>(count_ - 1)) + 1;
    quint64 seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[static_cast<size_t>(i)];
      if (seen >= target) {
        const qint64 upper = bucketUpper(i);
        return upper < max_ ? upper : max_;
      }
    }
    return max_;
  }

  static int bucketOf(qint64 ns) {
    if (ns < kSub) return ns < 0 ? 0 : static_cast<int>(ns);
    const auto v = static_cast<quint64>(ns);
    const int msb = 63 - std::countl_zero(v);
    const int sub = static_cast<int>((v >> (msb - kSubBits)) & (kSub - 1));
    return (msb - kSubBits + 1) * kSub + sub;
  }
  static qint64 bucketLower(int i) {
    if (i < kSub) return i;
    const int msb = i / kSub + kSubBits - 1;
    const int sub = i % kSub;
    return static_cast<qint64>((quint64{1} << msb) + (static_cast<quint64>(sub) << (msb - kSubBits)));
  }
  static qint64 bucketUpper(int i) { return i + 1 < kBuckets ? bucketLower(i + 1) - 1 : INT64_MAX; }

 private:
  std::array<quint64, kBuckets> counts_{};
  quint64 count_ = 0;
  qint64 sum_ = 0;
  qint64 max_ = 0;
};

}  // namespace rs::gui
