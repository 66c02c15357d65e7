// HdrHistogramLog (src/recording): the V2 compressed histograms and the interval log,
// read back with an independent decoder (HdrLogDecoder.h: inflate + ZigZag LEB128 +
// HdrHistogram's index layout):
//   - a histogram's count, percentiles and max come back as LatencyHistogram reports
//     them (within 1 %: its bucket midpoint and HdrHistogram's 3 digits);
//   - an empty histogram is a valid one with no counts; zero runs compress;
//   - the encoding starts with "HISTF" (cookie 0x1c849314), as HdrHistogram's logs do;
//   - base64 matches RFC 4648's test vectors;
//   - the log's header lines, legend and interval lines.
#include <QtTest>

#include <cmath>
#include <random>

#include "HdrHistogramLog.h"
#include "HdrLogDecoder.h"

using namespace rs::recording;

namespace {

bool within(int64_t got, int64_t want, double fraction) {
  return std::llabs(got - want) <= static_cast<int64_t>(fraction * static_cast<double>(want)) + 1;
}

}  // namespace

class TestHdrHistogramLog : public QObject {
  Q_OBJECT

 private slots:
  void percentilesRoundTrip() {
    rs::LatencyHistogram h;
    std::mt19937_64 rng(3);
    std::lognormal_distribution<double> latency(std::log(80'000.0), 0.8);  // ~80 us median
    for (int i = 0; i < 200'000; ++i) h.record(static_cast<int64_t>(latency(rng)));
    h.record(3'000'000'000);  // one 3 s outlier: the max
    const auto d = rs::test::decodeHdrBase64(QString::fromStdString(hdrCompressedBase64(h)));
    QVERIFY2(d.error.empty(), d.error.c_str());
    QCOMPARE(d.significantDigits, kHdrSignificantDigits);
    QCOMPARE(d.lowest, kHdrLowestNs);
    QCOMPARE(d.highest, kHdrHighestNs);
    QCOMPARE(d.total, h.count());
    for (double p : {1.0, 50.0, 90.0, 99.0, 99.9})
      QVERIFY2(within(d.percentile(p), h.percentile(p), 0.01),
               qPrintable(QString("p%1: decoded %2, report %3").arg(p).arg(d.percentile(p)).arg(h.percentile(p))));
    QVERIFY(within(d.percentile(100), h.max(), 0.01));
  }

  void emptyAndSparseHistograms() {
    rs::LatencyHistogram empty;
    auto d = rs::test::decodeHdrBase64(QString::fromStdString(hdrCompressedBase64(empty)));
    QVERIFY2(d.error.empty(), d.error.c_str());
    QCOMPARE(d.total, quint64{0});
    QVERIFY(d.counts.empty());
    // Two values far apart: two counts, the indices between them one zero run.
    rs::LatencyHistogram sparse;
    sparse.recordMany(5'000, 7);
    sparse.recordMany(2'000'000'000, 3);
    const std::vector<uint8_t> bytes = hdrCompressed(sparse);
    d = rs::test::decodeHdrBase64(QString::fromStdString(base64(bytes)));
    QVERIFY2(d.error.empty(), d.error.c_str());
    QCOMPARE(d.counts.size(), size_t{2});
    QCOMPARE(d.counts[0].second, quint64{7});
    QCOMPARE(d.counts[1].second, quint64{3});
    QVERIFY(within(d.counts[0].first, 5'000, 0.01));
    QVERIFY(within(d.counts[1].first, 2'000'000'000, 0.01));
    QVERIFY2(bytes.size() < 100, qPrintable(QString::number(bytes.size())));  // the zeros ran together
    QVERIFY(base64(bytes).rfind("HISTF", 0) == 0);
  }

  void base64Vectors() {  // RFC 4648, section 10
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, encoded] : vectors) {
      const std::string text(plain);
      QCOMPARE(QString::fromStdString(base64(std::vector<uint8_t>(text.begin(), text.end()))), QString(encoded));
    }
  }

  void logLines() {
    QTemporaryDir dir;
    const QString path = dir.filePath("latency.hlog");
    HdrIntervalLogWriter log;
    std::string error;
    QVERIFY(log.open(path.toStdString(), 1'765'000'000.25, "test", &error));
    rs::LatencyHistogram h;
    h.recordMany(250'000, 10);
    log.interval("client a", 0, 1, h.max(), hdrCompressedBase64(h));
    log.interval("client a", 1, 0.5, h.max(), hdrCompressedBase64(h));
    QVERIFY(log.close(&error));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QStringList headers;
    QString legend;
    const auto lines = rs::test::parseHdrLog(QString::fromUtf8(f.readAll()), &headers, &legend);
    QVERIFY(headers.contains("#[StartTime: 1765000000.250 (seconds since epoch), Sat Dec 06 05:46:40 UTC 2025]"));
    QVERIFY(headers.contains("#[BaseTime: 1765000000.250 (seconds since epoch)]"));
    QVERIFY(headers.contains("#[MaxValueDivisor: 1000000.0]"));
    QCOMPARE(legend, QString("\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\""));
    QCOMPARE(lines.size(), size_t{2});
    QCOMPARE(lines[0].tag, QString("client_a"));  // a tag is one field
    QCOMPARE(lines[1].startSec, 1.0);
    QCOMPARE(lines[1].lengthSec, 0.5);
    QVERIFY(std::abs(lines[0].max - 0.25) < 0.002);  // ms
    QCOMPARE(rs::test::decodeHdrBase64(lines[1].histogram).total, quint64{10});
    // An unwritable path: one message naming it.
    HdrIntervalLogWriter bad;
    QVERIFY(!bad.open(dir.filePath("no/such/dir/x.hlog").toStdString(), 0, "", &error));
    QVERIFY2(error.find("cannot create") != std::string::npos, error.c_str());
  }
};

QTEST_GUILESS_MAIN(TestHdrHistogramLog)
#include "tst_hdr_histogram_log.moc"
