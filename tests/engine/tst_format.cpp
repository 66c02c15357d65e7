// Format.h: the one set of number, duration, rate and byte formatters. The
// spellings are pinned here because scripts read the CLI's (compact) and the
// views' (spaced) appear in screenshots and tests: a change shows up as a row.
#include <QtTest>

#include "workload/Format.h"

using namespace rs;

class TestFormat : public QObject {
  Q_OBJECT

 private slots:
  void numbers() {
    QCOMPARE(formatNumber(20000), std::string("20000"));
    QCOMPARE(formatNumber(0.5), std::string("0.5"));
    QCOMPARE(formatNumber(0.001), std::string("0.001"));
    QCOMPARE(formatNumber(86400), std::string("86400"));
    QCOMPARE(formatNumber(0), std::string("0"));
    QCOMPARE(formatNumber(1e9), std::string("1e+09"));
  }

  void byteSizes() {
    QCOMPARE(formatByteSize(64), std::string("64"));
    QCOMPARE(formatByteSize(1000), std::string("1000"));
    QCOMPARE(formatByteSize(65536), std::string("64K"));
    QCOMPARE(formatByteSize(1536), std::string("1536"));
    QCOMPARE(formatByteSize(uint64_t{1} << 20), std::string("1M"));
    QCOMPARE(formatByteSize(uint64_t{64} << 20), std::string("64M"));
    QCOMPARE(formatByteSize(uint64_t{1} << 32), std::string("4G"));
  }

  void compactDurationsAndRates() {
    QCOMPARE(formatDurationCompact(900), std::string("0.9us"));
    QCOMPARE(formatDurationCompact(12'345), std::string("12.3us"));
    QCOMPARE(formatDurationCompact(1'250'000), std::string("1.25ms"));
    QCOMPARE(formatDurationCompact(2'000'000'000), std::string("2.00s"));
    QCOMPARE(formatByteRateCompact(512'000), std::string("512.0 KB/s"));
    QCOMPARE(formatByteRateCompact(12'300'000), std::string("12.30 MB/s"));
    QCOMPARE(formatByteRateCompact(1.02e9), std::string("1.02 GB/s"));
  }

  void spacedDurationsBytesAndRates() {
    QCOMPARE(formatDurationSpaced(850), std::string("850 ns"));
    QCOMPARE(QString::fromStdString(formatDurationSpaced(1'500)), QStringLiteral("1.5 µs"));
    QCOMPARE(formatDurationSpaced(1'250'000), std::string("1.25 ms"));
    QCOMPARE(formatDurationSpaced(2'000'000'000), std::string("2.00 s"));
    QCOMPARE(formatBytesSpaced(512), std::string("512 B"));
    QCOMPARE(formatBytesSpaced(1536), std::string("1.5 KiB"));
    QCOMPARE(formatBytesSpaced(12.3 * 1024 * 1024), std::string("12.3 MiB"));
    QCOMPARE(formatBytesSpaced(2.0 * 1024 * 1024 * 1024), std::string("2.00 GiB"));
    QCOMPARE(formatRateSpaced(5, "B"), std::string("5 B/s"));
    QCOMPARE(formatRateSpaced(1234, "msg"), std::string("1.2 kmsg/s"));
    QCOMPARE(formatRateSpaced(2.5e6, "B"), std::string("2.50 MB/s"));
    QCOMPARE(formatRateSpaced(3e9, "ev"), std::string("3.00 Gev/s"));
  }
};

QTEST_MAIN(TestFormat)
#include "tst_format.moc"
