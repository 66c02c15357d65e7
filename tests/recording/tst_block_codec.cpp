// BlockCodec: exact round trips (random and echo-like records, extreme values),
// the on-disk size target for echo-like traffic, and hostile blocks (every
// truncation, garbage, huge counts, bit flips, trailing bytes, bad enum values):
// each gives false with a message, never a crash or a partial result.
#include <QtTest>

#include <cstring>
#include <random>

#include "BlockCodec.h"
#include "EchoLikeRecords.h"

using rs::TraceRecord;
using rs::recording::BlockCodec;

namespace {

bool sameRecords(const std::vector<TraceRecord>& a, const std::vector<TraceRecord>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(TraceRecord)) == 0);
}

std::vector<TraceRecord> randomRecords(size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<TraceRecord> out(n);
  for (auto& r : out) {
    r.tsNs = static_cast<int64_t>(rng());
    r.eventId = rng();
    r.value = static_cast<int64_t>(rng());
    r.owner = static_cast<uint32_t>(rng());
    r.fd = static_cast<int32_t>(rng());
    r.type = static_cast<rs::TraceType>(rng() % static_cast<unsigned>(rs::TraceType::Count));
    r.kind = static_cast<rs::EventKind>(rng() % 4);
    r.from = static_cast<rs::EventState>(rng() % 4);
    r.to = static_cast<rs::EventState>(rng() % 4);
    r.cause = static_cast<rs::TraceCause>(rng() % static_cast<unsigned>(rs::TraceCause::Count));
    r.buffer = static_cast<rs::BufferId>(rng() % static_cast<unsigned>(rs::BufferId::Count));
    r.flags = static_cast<int16_t>(rng());
  }
  return out;
}

std::vector<uint8_t> encoded(const std::vector<TraceRecord>& records) {
  BlockCodec codec;
  std::vector<uint8_t> block;
  if (!codec.encode(records.data(), records.size(), block)) qFatal("encode failed");
  return block;
}

void putLe32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + static_cast<size_t>(i)] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

class TestBlockCodec : public QObject {
  Q_OBJECT

 private:
  // Decodes a block that must be rejected: false, a "bad block:" message, no records.
  static QString rejected(const std::vector<uint8_t>& block) {
    BlockCodec codec;
    std::vector<TraceRecord> out(3);
    std::string error;
    const bool ok = codec.decode(block.data(), block.size(), out, &error);
    if (ok) return QStringLiteral("<accepted>");
    if (!out.empty()) return QStringLiteral("<records left in out>");
    return QString::fromStdString(error);
  }

 private slots:
  void roundTripRandom() {
    BlockCodec codec;
    for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{1000}, size_t{65536}}) {
      const auto records = randomRecords(n, static_cast<uint32_t>(n));
      std::vector<uint8_t> block;
      QVERIFY(codec.encode(records.data(), records.size(), block));
      std::vector<TraceRecord> back;
      std::string error;
      QVERIFY2(codec.decode(block.data(), block.size(), back, &error), error.c_str());
      QVERIFY(sameRecords(records, back));
    }
  }

  void roundTripExtremes() {
    std::vector<TraceRecord> records(6);
    records[0].tsNs = INT64_MIN;
    records[1].tsNs = INT64_MAX;
    records[2].tsNs = 0;
    records[1].eventId = UINT64_MAX;
    records[3].value = INT64_MIN;
    records[4].value = INT64_MAX;
    records[2].owner = UINT32_MAX;
    records[3].fd = INT32_MIN;
    records[4].fd = INT32_MAX;
    records[5].flags = INT16_MIN;
    records[5].type = rs::TraceType::BufferLevel;
    records[5].buffer = rs::BufferId::WriteHighWater;
    records[5].cause = rs::TraceCause::Dispatch;
    const auto block = encoded(records);
    BlockCodec codec;
    std::vector<TraceRecord> back;
    std::string error;
    QVERIFY2(codec.decode(block.data(), block.size(), back, &error), error.c_str());
    QVERIFY(sameRecords(records, back));
  }

  void roundTripEchoLikeWithinEightBytesPerRecord() {
    std::vector<TraceRecord> records;
    rs::recording::testing::EchoLikeRecords gen(7);
    gen.generate(65536, records);
    records.resize(65536);
    const auto block = encoded(records);
    BlockCodec codec;
    std::vector<TraceRecord> back;
    std::string error;
    QVERIFY2(codec.decode(block.data(), block.size(), back, &error), error.c_str());
    QVERIFY(sameRecords(records, back));
    const double bytesPerRecord = static_cast<double>(block.size()) / static_cast<double>(records.size());
    qInfo("echo-like: %.2f bytes per record (raw 40)", bytesPerRecord);
    QVERIFY2(bytesPerRecord <= 8.0, qPrintable(QString::number(bytesPerRecord)));
  }

  void encodeRefusesWhatItCannotStore() {
    BlockCodec codec;
    std::vector<uint8_t> block{1, 2, 3};
    TraceRecord bad;
    bad.type = rs::TraceType::Count;
    QVERIFY(!codec.encode(&bad, 1, block));
    QVERIFY(block.empty());
    QVERIFY(!BlockCodec::isEncodable(bad));
  }

  void everyTruncationIsRejected() {
    const auto block = encoded(randomRecords(50, 3));
    for (size_t len = 0; len < block.size(); ++len) {
      const QString message = rejected(std::vector<uint8_t>(block.begin(), block.begin() + static_cast<long>(len)));
      QVERIFY2(message.startsWith("bad block: "), qPrintable(QString::number(len) + ": " + message));
    }
    QCOMPARE(rejected({}), QStringLiteral("bad block: truncated header (0 bytes, the header is 16)"));
  }

  void garbageIsRejected() {
    std::mt19937 rng(11);
    for (int i = 0; i < 2000; ++i) {
      std::vector<uint8_t> block(static_cast<size_t>(rng() % 300));
      for (auto& b : block) b = static_cast<uint8_t>(rng());
      if (i % 2 && block.size() >= 4) std::memcpy(block.data(), "RSB1", 4);
      QVERIFY(rejected(block).startsWith("bad block: "));
    }
    std::vector<uint8_t> notOurs(64, 0);
    QCOMPARE(rejected(notOurs), QStringLiteral("bad block: no 'RSB1' magic (not a codec-1 block)"));
  }

  void hugeCountsAreRejected() {
    auto block = encoded(randomRecords(10, 4));
    putLe32(block, 4, 0xffffffffu);
    QVERIFY(rejected(block).contains("record count 4294967295 exceeds the limit"));
    block = encoded(randomRecords(10, 4));
    putLe32(block, 4, 1000);  // more records than the columns hold
    QVERIFY(rejected(block).contains("column size"));
    block = encoded(randomRecords(10, 4));
    putLe32(block, 8, 0x7fffffff);  // a decompressed size far beyond any 10-record block
    QVERIFY(rejected(block).contains("column size"));
    block = encoded(randomRecords(10, 4));
    putLe32(block, 4, 9);  // one record fewer: the columns no longer line up
    QVERIFY(rejected(block).startsWith("bad block: "));
  }

  void trailingBytesAndReservedWordAreRejected() {
    auto block = encoded(randomRecords(10, 5));
    block.push_back(0);
    QVERIFY(rejected(block).contains("trailing bytes"));
    block = encoded(randomRecords(10, 5));
    putLe32(block, 12, 1);
    QCOMPARE(rejected(block), QStringLiteral("bad block: reserved header word is not 0"));
  }

  void bitFlipsNeverCrash() {
    const auto block = encoded(randomRecords(40, 6));
    BlockCodec codec;
    std::vector<TraceRecord> out;
    std::string error;
    int rejectedCount = 0;
    for (size_t bit = 0; bit < block.size() * 8; ++bit) {
      auto flipped = block;
      flipped[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      if (!codec.decode(flipped.data(), flipped.size(), out, &error)) {
        ++rejectedCount;
        QVERIFY(out.empty());
      } else {
        QCOMPARE(out.size(), size_t{40});
        for (const auto& r : out) QVERIFY(BlockCodec::isEncodable(r));
      }
    }
    QVERIFY(rejectedCount > 0);
  }
};

QTEST_GUILESS_MAIN(TestBlockCodec)
#include "tst_block_codec.moc"
