// RingMemory (src/model/RingMemory.h): the timelines' large ring buffers come
// from 2 MiB-aligned chunks advised as huge pages, are reused by size, and a ring
// works the same in them as in ordinary memory.
#include <QtTest>

#include <cstdint>
#include <cstring>
#include <set>

#include "model/RingMemory.h"
#include "model/SpanRing.h"

using namespace rs::gui;

class TestRingMemory : public QObject {
  Q_OBJECT
 private slots:
  void smallBuffersAreOrdinary() {
    void* p = ringmemory::allocate(100);
    QVERIFY(p);
    std::memset(p, 0xab, 100);
    ringmemory::deallocate(p, 100);
  }

  void blocksOfAChunkDoNotOverlapAndAreReused() {
#if defined(__SANITIZE_ADDRESS__)
    QSKIP("under AddressSanitizer every ring buffer is an ordinary allocation");
#endif
    const size_t bytes = 48 << 10;  // rounded up to 64 KiB
    std::set<uintptr_t> starts;
    std::vector<void*> held;
    for (int i = 0; i < 40; ++i) {  // more than one chunk's worth (32 blocks)
      void* p = ringmemory::allocate(bytes);
      QVERIFY(p);
      std::memset(p, i, bytes);  // all of it is writable
      held.push_back(p);
      starts.insert(reinterpret_cast<uintptr_t>(p));
    }
    QCOMPARE(starts.size(), held.size());
    uintptr_t last = 0;
    for (uintptr_t s : starts) {
      QVERIFY(s % (64 << 10) == 0);   // aligned to its size within an aligned chunk
      QVERIFY(last == 0 || s - last >= (64 << 10));  // no two overlap
      last = s;
    }
    for (size_t i = 0; i < held.size(); ++i) QCOMPARE(*static_cast<unsigned char*>(held[i]), static_cast<unsigned char>(i));
    void* freed = held.back();
    ringmemory::deallocate(freed, bytes);
    held.pop_back();
    void* again = ringmemory::allocate(60 << 10);  // same size class: the freed block
    QCOMPARE(again, freed);
    held.push_back(again);
    for (void* p : held) ringmemory::deallocate(p, bytes);
  }

  void buffersLargerThanAChunkAreMappedAlone() {
#if defined(__SANITIZE_ADDRESS__)
    QSKIP("under AddressSanitizer every ring buffer is an ordinary allocation");
#endif
    const size_t bytes = ringmemory::kChunkBytes * 2 + 100;
    auto* p = static_cast<char*>(ringmemory::allocate(bytes));
    QVERIFY(reinterpret_cast<uintptr_t>(p) % ringmemory::kChunkBytes == 0);
    p[0] = 1;
    p[bytes - 1] = 2;
    ringmemory::deallocate(p, bytes);
  }

  // A ring large enough to live in the chunks keeps its samples in order across
  // growth, wrap-around and a change of cap.
  void aRingInHugePagesBehaves() {
    SpanRing<qint64> ring(1 << 15);  // 256 KiB at its cap
    for (qint64 i = 0; i < (1 << 16); ++i) ring.push(i);
    QCOMPARE(ring.size(), size_t{1} << 15);
    QCOMPARE(ring.front(), qint64{1} << 15);
    QCOMPARE(ring.back(), (qint64{1} << 16) - 1);
    ring.setCap(1 << 12);
    QCOMPARE(ring.size(), size_t{1} << 12);
    QCOMPARE(ring.front(), (qint64{1} << 16) - (1 << 12));
    for (size_t i = 1; i < ring.size(); ++i) QCOMPARE(ring[i], ring[i - 1] + 1);
  }
};

QTEST_GUILESS_MAIN(TestRingMemory)
#include "tst_ring_memory.moc"
