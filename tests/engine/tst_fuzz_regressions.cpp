// What the fuzz targets (tests/fuzz, scripts/fuzz) found, one case each, so the
// normal suite keeps them fixed (the crashing inputs are also in the seed corpus).
#include <QtTest>
#include <cstdint>
#include <cstring>
#include <string>
#include <limits>

#include "core/TraceRing.h"
#include "net/Buffer.h"

using namespace rs;

class TestFuzzRegressions : public QObject {
  Q_OBJECT

 private:
  static TraceSlot slot(TraceType type, TraceStamp stamp, int64_t value) {
    TraceSlot s;
    s.setType(type);
    s.stamp = stamp;
    s.value = value;
    s.eventId = 7;
    return s;
  }

 private slots:
  // fuzz_buffer: evbuffer_search_range returned a match past `end` when the
  // pattern's first byte first occurs beyond end (an unsigned end - pos
  // wrapped). libevent: a match must end at or before end.
  void searchRangeNeverMatchesPastItsEnd() {
    Buffer b;
    QCOMPARE(b.add("xxxxxb", 6), 0);
    QCOMPARE(b.searchRange("b", 1, 0, 3), ssize_t{-1});
    QCOMPARE(b.searchRange("xb", 2, 0, 5), ssize_t{-1});  // would end at 6
    QCOMPARE(b.searchRange("xb", 2, 0, 6), ssize_t{4});
    QCOMPARE(b.searchRange("b", 1, 2, 6), ssize_t{5});
  }

  // fuzz_buffer: a one-vector reservation made behind the empty blocks of an
  // abandoned multi-vector one was handed out in a block commitSpace() then
  // refused (neither the first block with space nor the last block).
  void singleReservationBehindAnAbandonedOneCommits() {
    // The fuzzer's sequence: reservations never committed leave empty blocks.
    Buffer b;
    struct iovec v[4];
    QVERIFY(b.reserveSpace(2, v, 4) >= 1);
    QVERIFY(b.reserveSpace(23660, v, 3) >= 1);
    QVERIFY(b.reserveSpace(69058, v, 3) >= 1);
    QVERIFY(b.reserveSpace(23660, v, 3) >= 1);
    v[0].iov_len = 1078;
    std::memset(v[0].iov_base, 'a', 1078);
    QCOMPARE(b.commitSpace(v, 1), 0);
    QCOMPARE(b.add("0123456789abcdefg", 17), 0);
    QVERIFY(b.reserveSpace(43810, v, 3) >= 1);  // abandoned
    QCOMPARE(b.reserveSpace(23660, v, 1), 1);
    QVERIFY(v[0].iov_len >= 23660);
    std::memcpy(v[0].iov_base, "xyz", 3);
    v[0].iov_len = 3;
    QCOMPARE(b.commitSpace(v, 1), 0);
    QCOMPARE(b.length(), size_t{1078 + 17 + 3});
    QCOMPARE(b.validate(), std::string());
    char tail[3];
    QCOMPARE(b.copyoutFrom(1095, tail, 3), ssize_t{3});
    QCOMPARE(std::memcmp(tail, "xyz", 3), 0);
  }

  // fuzz_trace_ring: the reader (TraceRing::drain) on slots no honest producer
  // writes. A CallbackEnd's stamp is its callback's begin stamp plus the
  // duration; with a corrupt duration that sum overflowed int64 (undefined
  // behaviour, stopped by UBSan in build-asan). It now wraps, and the reader
  // hands out the records the slots stand for.
  void corruptDurationsWrapInsteadOfOverflowing() {
    TraceRing ring(16);
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    // A dispatch + callback-begin pair, then callback ends whose durations
    // push the end stamp past INT64_MAX: alone, and inside a triple.
    QVERIFY(ring.push(slot(TraceRing::kDispatchBeginPair, kMax - 5, 0)));
    QVERIFY(ring.push(slot(TraceRing::kEndOfOpen, 0, kMax)));
    QVERIFY(ring.push(slot(TraceRing::kEndDispatchBegin, kMax - 1, kMax)));
    TraceRecord out[16];
    QCOMPARE(ring.drain(out, 16), size_t{2 + 1 + 3});
    const TraceType want[] = {TraceType::Transition,  TraceType::CallbackBegin, TraceType::CallbackEnd,
                              TraceType::CallbackEnd, TraceType::Transition,    TraceType::CallbackBegin};
    for (size_t i = 0; i < 6; ++i) {
      QCOMPARE(out[i].type, want[i]);
      QCOMPARE(out[i].eventId, uint64_t{7});
    }
  }

  void unknownInternalTypesNeverReachTheReader() {
    // Types 0x83..0xff are no record type: the reader expands them as a pair
    // rather than handing out a type consumers cannot name.
    TraceRing ring(16);
    QVERIFY(ring.push(slot(static_cast<TraceType>(0xff), 100, 0)));
    TraceRecord out[4];
    QCOMPARE(ring.drain(out, 4), size_t{2});
    QCOMPARE(out[0].type, TraceType::Transition);
    QCOMPARE(out[1].type, TraceType::CallbackBegin);
  }
};

QTEST_MAIN(TestFuzzRegressions)
#include "tst_fuzz_regressions.moc"
