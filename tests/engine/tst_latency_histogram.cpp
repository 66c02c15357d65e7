// rs::LatencyHistogram: bucket layout, percentiles within 1 % of the exact
// nearest-rank value on seeded distributions, extremes, merge, clamping and
// bucket iteration.
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "workload/LatencyHistogram.h"

using rs::LatencyHistogram;

namespace {

constexpr int64_t kUs = 1'000;
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000'000'000;

// The same nearest-rank definition percentile() documents.
int64_t exactPercentile(const std::vector<int64_t>& sorted, double p) {
  if (p <= 0.0) return sorted.front();
  if (p >= 100.0) return sorted.back();
  const double exact = p / 100.0 * static_cast<double>(sorted.size());
  size_t rank = static_cast<size_t>(std::ceil(exact * (1.0 - 1e-12)));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

std::vector<int64_t> sample(const QString& distribution, unsigned seed, size_t n) {
  std::mt19937_64 rng(seed);
  std::vector<int64_t> v;
  v.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    double x = 0;
    if (distribution == "uniform") {
      x = std::uniform_real_distribution<double>(1e3, 1e9)(rng);
    } else if (distribution == "exponential") {
      x = 1e3 + std::exponential_distribution<double>(1.0 / 200e3)(rng);  // mean 200 us
    } else if (distribution == "lognormal") {
      x = std::lognormal_distribution<double>(std::log(50e3), 1.5)(rng);
      x = std::clamp(x, 1e3, 60e9);
    } else if (distribution == "bimodal") {
      x = (rng() % 10 == 0) ? std::normal_distribution<double>(30e6, 1e6)(rng)
                            : std::normal_distribution<double>(80e3, 5e3)(rng);
    }
    v.push_back(static_cast<int64_t>(x));
  }
  return v;
}

}  // namespace

class TestLatencyHistogram : public QObject {
  Q_OBJECT

 private slots:
  void bucketLayout();
  void emptyHistogram();
  void percentiles_data();
  void percentiles();
  void constantValues_data();
  void constantValues();
  void minMaxMean();
  void merge();
  void clamping();
  void bucketIteration();
  void resetAndRecordMany();
};

void TestLatencyHistogram::bucketLayout() {
  QCOMPARE(LatencyHistogram::bucketIndex(999), size_t{0});
  QCOMPARE(LatencyHistogram::bucketIndex(-1), size_t{0});
  QCOMPARE(LatencyHistogram::bucketLowNs(LatencyHistogram::bucketIndex(1000)), int64_t{1000});
  QCOMPARE(LatencyHistogram::bucketIndex(LatencyHistogram::kHighestTrackableNs),
           LatencyHistogram::bucketCount() - 1);
  // Every value from 1 us to 60 s lies in its bucket, and buckets are narrow
  // enough that the midpoint is within 0.4 % of anything in them.
  size_t previous = 0;
  for (double x = 1e3; x <= 60e9; x *= 1.0007) {
    const int64_t v = static_cast<int64_t>(x);
    const size_t i = LatencyHistogram::bucketIndex(v);
    QVERIFY(i >= previous);
    previous = i;
    const int64_t low = LatencyHistogram::bucketLowNs(i);
    const int64_t high = LatencyHistogram::bucketHighNs(i);
    QVERIFY2(low <= v && v < high, qPrintable(QString::number(v)));
    QVERIFY(static_cast<double>(high - low) <= static_cast<double>(low) / 128.0);
  }
  // Past the first real bucket the buckets tile the range without gaps.
  for (size_t i = LatencyHistogram::bucketIndex(1000); i + 1 < LatencyHistogram::bucketCount(); ++i) {
    QCOMPARE(LatencyHistogram::bucketHighNs(i), LatencyHistogram::bucketLowNs(i + 1));
  }
}

void TestLatencyHistogram::emptyHistogram() {
  LatencyHistogram h;
  QCOMPARE(h.count(), uint64_t{0});
  QCOMPARE(h.min(), int64_t{0});
  QCOMPARE(h.max(), int64_t{0});
  QCOMPARE(h.mean(), 0.0);
  QCOMPARE(h.percentile(50), int64_t{0});
  QVERIFY(h.nonEmptyBuckets().empty());
}

void TestLatencyHistogram::percentiles_data() {
  QTest::addColumn<QString>("distribution");
  QTest::addColumn<unsigned>("seed");
  for (const char* d : {"uniform", "exponential", "lognormal", "bimodal"}) {
    for (unsigned seed : {1u, 42u}) QTest::addRow("%s seed %u", d, seed) << QString(d) << seed;
  }
}

void TestLatencyHistogram::percentiles() {
  QFETCH(QString, distribution);
  QFETCH(unsigned, seed);
  std::vector<int64_t> values = sample(distribution, seed, 200000);
  LatencyHistogram h;
  for (int64_t v : values) h.record(v);
  std::sort(values.begin(), values.end());
  QCOMPARE(h.count(), uint64_t{values.size()});
  for (double p : {0.0, 0.1, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0}) {
    const int64_t truth = exactPercentile(values, p);
    const int64_t got = h.percentile(p);
    const double error = std::abs(static_cast<double>(got - truth)) / static_cast<double>(truth);
    QVERIFY2(error <= 0.01, qPrintable(QStringLiteral("p%1: got %2, exact %3, error %4")
                                           .arg(p)
                                           .arg(got)
                                           .arg(truth)
                                           .arg(error)));
  }
}

void TestLatencyHistogram::constantValues_data() {
  QTest::addColumn<qint64>("value");
  for (qint64 v : {kUs, 10 * kUs, 100 * kUs, kMs, 10 * kMs, 100 * kMs, kSec, 10 * kSec, 60 * kSec}) {
    QTest::addRow("%lld ns", static_cast<long long>(v)) << v;
    QTest::addRow("%lld ns - 1", static_cast<long long>(v)) << v - 1;
    QTest::addRow("%lld ns + 1", static_cast<long long>(v)) << v + 1;
  }
}

void TestLatencyHistogram::constantValues() {
  QFETCH(qint64, value);
  LatencyHistogram h;
  for (int i = 0; i < 1000; ++i) h.record(value);
  const int64_t expected = std::min<int64_t>(value, LatencyHistogram::kHighestTrackableNs);
  for (double p : {0.0, 1.0, 50.0, 99.0, 100.0}) {
    const int64_t got = h.percentile(p);
    // Clamping to [min, max] makes a constant series exact.
    QCOMPARE(got, expected);
  }
  QCOMPARE(h.mean(), static_cast<double>(expected));
}

void TestLatencyHistogram::minMaxMean() {
  LatencyHistogram h;
  const std::vector<int64_t> values = {5 * kUs, 7 * kMs, 1234567, 3 * kSec, 2 * kUs};
  double sum = 0;
  for (int64_t v : values) {
    h.record(v);
    sum += static_cast<double>(v);
  }
  QCOMPARE(h.min(), int64_t{2 * kUs});
  QCOMPARE(h.max(), int64_t{3 * kSec});
  QCOMPARE(h.mean(), sum / static_cast<double>(values.size()));
  QCOMPARE(h.count(), uint64_t{5});
}

void TestLatencyHistogram::merge() {
  const std::vector<int64_t> values = sample("lognormal", 7, 50000);
  LatencyHistogram all;
  LatencyHistogram left;
  LatencyHistogram right;
  for (size_t i = 0; i < values.size(); ++i) {
    all.record(values[i]);
    (i % 3 == 0 ? left : right).record(values[i]);
  }
  LatencyHistogram merged;
  merged.merge(left);
  merged.merge(right);
  merged.merge(LatencyHistogram());  // merging nothing changes nothing
  QCOMPARE(merged.count(), all.count());
  QCOMPARE(merged.min(), all.min());
  QCOMPARE(merged.max(), all.max());
  QVERIFY(std::abs(merged.mean() - all.mean()) <= 1e-9 * all.mean());
  const auto a = merged.nonEmptyBuckets();
  const auto b = all.nonEmptyBuckets();
  QCOMPARE(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    QCOMPARE(a[i].lowNs, b[i].lowNs);
    QCOMPARE(a[i].count, b[i].count);
  }
  for (double p : {50.0, 99.0, 99.9}) QCOMPARE(merged.percentile(p), all.percentile(p));
}

void TestLatencyHistogram::clamping() {
  LatencyHistogram h;
  h.record(-5);
  h.record(0);
  h.record(999);
  QCOMPARE(h.underflowCount(), uint64_t{3});
  QCOMPARE(h.min(), int64_t{0});
  h.record(61 * kSec);
  h.record(std::numeric_limits<int64_t>::max());
  QCOMPARE(h.overflowCount(), uint64_t{2});
  QCOMPARE(h.max(), LatencyHistogram::kHighestTrackableNs);
  QCOMPARE(h.percentile(100), LatencyHistogram::kHighestTrackableNs);
  QCOMPARE(h.count(), uint64_t{5});
  const auto buckets = h.nonEmptyBuckets();
  QCOMPARE(buckets.size(), size_t{2});
  QCOMPARE(buckets.front().lowNs, int64_t{0});
  QCOMPARE(buckets.front().highNs, LatencyHistogram::kLowestTrackableNs);
  QCOMPARE(buckets.front().count, uint64_t{3});
  QVERIFY(buckets.back().lowNs <= LatencyHistogram::kHighestTrackableNs);
  QVERIFY(LatencyHistogram::kHighestTrackableNs < buckets.back().highNs);
  QCOMPARE(buckets.back().count, uint64_t{2});
  // Percentiles inside the underflow bucket stay within the recorded range.
  QVERIFY(h.percentile(40) >= 0 && h.percentile(40) < LatencyHistogram::kLowestTrackableNs);
}

void TestLatencyHistogram::bucketIteration() {
  const std::vector<int64_t> values = sample("bimodal", 3, 30000);
  LatencyHistogram h;
  for (int64_t v : values) h.record(v);
  uint64_t total = 0;
  int64_t lastHigh = std::numeric_limits<int64_t>::min();
  size_t visited = 0;
  h.forEachBucket([&](int64_t low, int64_t high, uint64_t n) {
    QVERIFY(low < high);
    QVERIFY(low >= lastHigh);  // ascending, no overlap
    QVERIFY(n > 0);
    lastHigh = high;
    total += n;
    ++visited;
  });
  QCOMPARE(total, h.count());
  QCOMPARE(visited, h.nonEmptyBuckets().size());
}

void TestLatencyHistogram::resetAndRecordMany() {
  LatencyHistogram h;
  h.recordMany(5 * kMs, 10);
  h.recordMany(7 * kMs, 0);  // nothing
  QCOMPARE(h.count(), uint64_t{10});
  QCOMPARE(h.max(), int64_t{5 * kMs});
  QCOMPARE(h.percentile(50), int64_t{5 * kMs});
  h.reset();
  QCOMPARE(h.count(), uint64_t{0});
  QVERIFY(h.nonEmptyBuckets().empty());
  h.record(2 * kUs);
  QCOMPARE(h.min(), int64_t{2 * kUs});
  QCOMPARE(h.max(), int64_t{2 * kUs});
}

QTEST_MAIN(TestLatencyHistogram)
#include "tst_latency_histogram.moc"
