// The loop around the events: exit/break, priorities, edge vs level triggering,
// timer order (never early), coalesced signals, cross-thread work, the trace
// ring's drop counter, snapshots and debug checks.
#include <QtTest>
#include <atomic>
#include <csignal>
#include <map>
#include <thread>

#include "TraceHelpers.h"
#include "core/Event.h"
#include "core/EventBase.h"
#include "core/TraceRing.h"

using namespace rs;
using rs::test::drainAll;
using rs::test::Pipe;
using rs::test::SocketPair;
using rs::test::timeline;
using rs::test::tracedOptions;


namespace {
QStringList g_debugMessages;
void captureDebugMessage(const char* message) { g_debugMessages << QString::fromUtf8(message); }
// Non-blocking socket ends: write until the kernel's queue is full, read until it is empty.
void fillUntilFull(int fd) {
  const char chunk[4096] = {};
  while (::write(fd, chunk, sizeof chunk) > 0) {
  }
}
void readUntilEmpty(int fd) {
  char sink[65536];
  while (::read(fd, sink, sizeof sink) > 0) {
  }
}
}  // namespace

class TestEventLoop : public QObject {
  Q_OBJECT

 private:
  static void backends() { rs::test::addBackendRows(); }

 private slots:
  void loopexitWithTimeout_data() { backends(); }
  void loopexitWithTimeout() {
    QFETCH(Poller::Backend, backend);
    EventBase base(tracedOptions(backend));
    int ticks = 0;
    Event tick(&base, -1, kEvPersist, [&](int, short) { ++ticks; });
    const timeval every{0, 1000};
    tick.add(&every);
    const timeval after{0, 20000};
    const Nanos start = monotonicNowNs();
    QCOMPARE(base.loopexit(&after), 0);
    QCOMPARE(base.dispatch(), 0);
    const Nanos elapsed = monotonicNowNs() - start;
    QVERIFY(base.gotExit());
    QVERIFY(!base.gotBreak());
    QVERIFY2(elapsed >= 20 * kNsPerMs, "loopexit must not end the loop early");  // correctness, not speed
    QVERIFY(ticks >= 1);
    QCOMPARE(tick.state(), EventState::Pending);  // the loop ended; the timer is still armed
  }

  void loopexitWithoutTimeoutFinishesTheIteration() {
    // loopexit(NULL) inside a callback: the other active callbacks of this
    // iteration still run, then the loop ends (libevent's event_gotterm).
    EventBase base;
    QStringList order;
    Event a(&base, -1, 0, [&](int, short) {
      order << "a";
      base.loopexit(nullptr);
    });
    Event b(&base, -1, 0, [&](int, short) { order << "b"; });
    Event persistent(&base, -1, kEvPersist, [&](int, short) {});
    const timeval hour{3600, 0};
    persistent.add(&hour);
    a.activate(kEvTimeout);
    b.activate(kEvTimeout);
    QCOMPARE(base.dispatch(), 0);
    QCOMPARE(order, (QStringList{"a", "b"}));
    QVERIFY(base.gotExit());
  }

  // loopexit() from another thread while the base has no events and no loop
  // runs: the next dispatch runs the exit's timer and returns 0 (it returned 1,
  // "no events", forever: a worker that dispatches until told to exit hung).
  void loopexitFromAnotherThreadEndsTheNextDispatch() {
    EventBase base;
    int rc = -1;
    std::thread other([&] { rc = base.loopexit(nullptr); });
    other.join();
    QCOMPARE(rc, 0);
    QCOMPARE(base.dispatch(), 0);
    QVERIFY(base.gotExit());
    QCOMPARE(base.dispatch(), 1);  // empty again: the exit was spent
  }

  void loopbreakFromCallback() {
    EventBase base(tracedOptions(Poller::Backend::Epoll));
    QStringList order;
    Event a(&base, -1, 0, [&](int, short) {
      order << "a";
      QCOMPARE(base.loopbreak(), 0);
    });
    Event b(&base, -1, 0, [&](int, short) { order << "b"; });
    a.activate(kEvTimeout);
    b.activate(kEvTimeout);
    QCOMPARE(base.dispatch(), 0);
    QCOMPARE(order, QStringList{"a"});  // break: nothing else runs
    QVERIFY(base.gotBreak());
    QVERIFY(!base.gotExit());
    QCOMPARE(b.state(), EventState::Active);  // still queued for the next loop
    QCOMPARE(base.loop(kLoopNonblock), 1);
    QCOMPARE(order, (QStringList{"a", "b"}));
    QVERIFY(!base.gotBreak());  // each loop() starts with the flags cleared
  }

  void priorityOrder() {
    EventBase base;
    QCOMPARE(base.priorityInit(3), 0);
    QStringList order;
    Event low(&base, -1, 0, [&](int, short) { order << "low"; });
    Event mid(&base, -1, 0, [&](int, short) { order << "mid"; });
    Event high(&base, -1, 0, [&](int, short) { order << "high"; });
    QCOMPARE(mid.priority(), 1);  // default: the middle queue, like libevent
    QCOMPARE(low.setPriority(2), 0);
    QCOMPARE(high.setPriority(0), 0);
    QCOMPARE(high.setPriority(3), -1);
    low.activate(kEvTimeout);
    mid.activate(kEvTimeout);
    high.activate(kEvTimeout);
    QCOMPARE(low.setPriority(0), -1);      // not while active
    QCOMPARE(base.priorityInit(2), -1);    // not while events are active
    QCOMPARE(base.loop(kLoopNonblock), 1);  // lower number first
    QCOMPARE(order, (QStringList{"high", "mid", "low"}));
  }

  void higherPriorityActivatedFromCallbackRunsFirst() {
    // A callback activating a higher-priority event: libevent's event_continue
    // makes that event run before the rest of the current (lower) queue.
    EventBase base;
    QCOMPARE(base.priorityInit(2), 0);
    QStringList order;
    Event urgent(&base, -1, 0, [&](int, short) { order << "urgent"; });
    urgent.setPriority(0);
    Event first(&base, -1, 0, [&](int, short) {
      order << "first";
      urgent.activate(kEvTimeout);
    });
    Event second(&base, -1, 0, [&](int, short) { order << "second"; });
    first.setPriority(1);
    second.setPriority(1);
    first.activate(kEvTimeout);
    second.activate(kEvTimeout);
    QCOMPARE(base.loop(kLoopNonblock), 1);
    QCOMPARE(order, (QStringList{"first", "urgent", "second"}));
  }

  void edgeVersusLevel_data() {
    QTest::addColumn<Poller::Backend>("backend");
    QTest::addColumn<bool>("edge");
    QTest::addColumn<int>("expectedCalls");
    // Each callback reads 1 of the 3 bytes written, leaving data unread.
    QTest::newRow("epoll level") << Poller::Backend::Epoll << false << 3;
    QTest::newRow("epoll edge") << Poller::Backend::Epoll << true << 1;
    QTest::newRow("poll level") << Poller::Backend::Poll << false << 3;
    // libevent's poll backend lacks EV_FEATURE_ET: EV_ET is ignored there.
    QTest::newRow("poll edge (ignored)") << Poller::Backend::Poll << true << 3;
    QTest::newRow("select level") << Poller::Backend::Select << false << 3;
    QTest::newRow("select edge (ignored)") << Poller::Backend::Select << true << 3;
  }
  void edgeVersusLevel() {
    QFETCH(Poller::Backend, backend);
    QFETCH(bool, edge);
    QFETCH(int, expectedCalls);
    EventBase base(tracedOptions(backend));
    SocketPair sp;
    int calls = 0;
    short lastWhat = 0;
    const short flags = static_cast<short>(kEvRead | kEvPersist | (edge ? kEvET : 0));
    Event ev(&base, sp.fd[0], flags, [&](int fd, short what) {
      ++calls;
      lastWhat = what;
      char c;
      [[maybe_unused]] ssize_t n = ::read(fd, &c, 1);
    });
    QCOMPARE(ev.add(nullptr), 0);
    QVERIFY(sp.send("abc", 3));
    for (int i = 0; i < 3; ++i) base.loop(kLoopNonblock | kLoopOnce);
    QCOMPARE(calls, expectedCalls);
    // libevent hands an edge-triggered epoll event EV_ET in its result flags.
    const short expectedWhat =
        static_cast<short>(kEvRead | (edge && backend == Poller::Backend::Epoll ? kEvET : 0));
    QCOMPARE(lastWhat, expectedWhat);
  }

  // A bufferevent's write event added as "assumed writable" (epoll: no
  // epoll_ctl, the base reports the fd writable at each wait) behaves as a
  // write event on a writable socket does: it fires at the next wait, with
  // EV_WRITE and "fd ready: write"; once a write finds the socket full and the
  // base is told, it waits for the peer to read; deleted first, it never fires.
  void assumedWritableBehavesAsAWritableSocket_data() { backends(); }
  void assumedWritableBehavesAsAWritableSocket() {
    QFETCH(Poller::Backend, backend);
    EventBase base(tracedOptions(backend));
    SocketPair sp;
    QVERIFY(sp.ok());
    int fires = 0;
    short lastWhat = 0;
    bool guardFired = false;  // a hang guard (60 s), not a timing
    Event guard(&base, -1, 0, [&](int, short) {
      guardFired = true;
      base.loopbreak();
    });
    Event writer(&base, sp.fd[0], kEvWrite | kEvPersist, [&](int fd, short what) {
      ++fires;
      lastWhat = what;
      fillUntilFull(fd);
      base.stopAssumingWritable(fd);  // as a bufferevent whose write found the queue full
    });
    QCOMPARE(writer.addAssumingWritable(-1), 0);
    QVERIFY(writer.pending(kEvWrite, nullptr) & kEvWrite);
    QCOMPARE(writer.del(), 0);
    base.loop(kLoopNonblock);
    QCOMPARE(fires, 0);

    QCOMPARE(writer.addAssumingWritable(-1), 0);
    timeval aMinute{60, 0};
    QCOMPARE(guard.add(&aMinute), 0);
    base.loop(kLoopOnce);  // returns once the write event ran: the wait did not block on it
    QVERIFY(!guardFired);
    QCOMPARE(fires, 1);
    QCOMPARE(lastWhat, static_cast<short>(kEvWrite));
    for (int i = 0; i < 3; ++i) base.loop(kLoopNonblock | kLoopOnce);
    QCOMPARE(fires, 1);  // full: the poller watches it, and it is not writable

    readUntilEmpty(sp.fd[1]);
    base.loop(kLoopOnce);
    QCOMPARE(fires, 2);  // writable again, reported by the poller
    QCOMPARE(writer.del(), 0);
    guard.del();
    const QStringList expected{"invalid->non-pending new",  "non-pending->pending add", "pending->non-pending del",
                               "non-pending->pending add",  "pending->active ready-write", "active->pending dispatch",
                               "callback-begin",            "callback-end",             "pending->active ready-write",
                               "active->pending dispatch",  "callback-begin",           "callback-end",
                               "pending->non-pending del"};
    QCOMPARE(timeline(drainAll(base), writer.id()), expected);
  }

  // A program's own write event on an fd assumed writable (its writes are not
  // the base's to see) ends the assumption: on a full socket neither fires.
  void ownWriteEventOnAnAssumedFdWaitsForThePoller_data() { backends(); }
  void ownWriteEventOnAnAssumedFdWaitsForThePoller() {
    QFETCH(Poller::Backend, backend);
    EventBase base(tracedOptions(backend));
    SocketPair sp;
    QVERIFY(sp.ok());
    fillUntilFull(sp.fd[0]);
    int fires = 0;
    Event assumed(&base, sp.fd[0], kEvWrite | kEvPersist, [&](int, short) { ++fires; });
    Event own(&base, sp.fd[0], kEvWrite | kEvPersist, [&](int, short) { ++fires; });
    QCOMPARE(assumed.addAssumingWritable(-1), 0);
    QCOMPARE(own.add(nullptr), 0);
    for (int i = 0; i < 3; ++i) base.loop(kLoopNonblock | kLoopOnce);
    QCOMPARE(fires, 0);
    readUntilEmpty(sp.fd[1]);
    base.loop(kLoopNonblock | kLoopOnce);
    QCOMPARE(fires, 2);  // writable: both, reported by the poller
  }

  // An fd the poller refuses (a regular file: epoll says EPERM) stays assumed
  // writable when told its queue was full: its write event is never stranded
  // pending (the loop would wait forever with nothing to wake it).
  // (epoll only: the other backends never assume.)
  void assumedWritableFileIsNeverStranded() {
    EventBase base(tracedOptions(Poller::Backend::Epoll));
    QTemporaryFile file;
    QVERIFY(file.open());
    bool guardFired = false;  // a hang guard (60 s), not a timing
    Event guard(&base, -1, 0, [&](int, short) {
      guardFired = true;
      base.loopbreak();
    });
    int fires = 0;
    Event writer(&base, static_cast<int>(file.handle()), kEvWrite | kEvPersist, [&](int fd, short) {
      base.stopAssumingWritable(fd);  // as a bufferevent whose write was partial
      if (++fires == 2) {
        writer.del();
        guard.del();
      }
    });
    QCOMPARE(writer.addAssumingWritable(-1), 0);
    timeval aMinute{60, 0};
    QCOMPARE(guard.add(&aMinute), 0);
    QCOMPARE(base.loop(), 1);  // no events left
    QVERIFY(!guardFired);
    QCOMPARE(fires, 2);
  }

  void timerOrderAndNeverEarly_data() { backends(); }
  void timerOrderAndNeverEarly() {
    QFETCH(Poller::Backend, backend);
    EventBase base(tracedOptions(backend));
    const int timeoutsMs[] = {30, 10, 50, 20, 40, 1};
    struct Fired {
      int timeoutMs;
      Nanos at;
    };
    std::vector<Fired> fired;
    std::vector<std::unique_ptr<Event>> events;
    const Nanos start = monotonicNowNs();
    for (int ms : timeoutsMs) {
      auto ev = std::make_unique<Event>(&base, -1, 0, [&fired, ms](int, short what) {
        QCOMPARE(what, kEvTimeout);
        fired.push_back({ms, monotonicNowNs()});
      });
      const timeval tv{0, ms * 1000};
      QCOMPARE(ev->add(&tv), 0);
      events.push_back(std::move(ev));
    }
    QCOMPARE(base.dispatch(), 1);
    QCOMPARE(fired.size(), std::size(timeoutsMs));
    int previous = 0;
    for (const Fired& f : fired) {
      QVERIFY2(f.timeoutMs > previous, "timers fire in deadline order");
      previous = f.timeoutMs;
      // Correctness, not speed: a timer never fires before its deadline.
      QVERIFY2(f.at - start >= f.timeoutMs * kNsPerMs, qPrintable(QString("timer %1 ms fired early").arg(f.timeoutMs)));
    }
    // The trace reports lateness (>= 0) on each timeout activation: exactly one
    // timeout record per timer (none at all would also pass a plain ">= 0" loop).
    std::map<uint64_t, int> timeoutRecords;
    for (const auto& ev : events) timeoutRecords[ev->id()] = 0;
    for (const TraceRecord& r : drainAll(base)) {
      if (r.type != TraceType::Transition || r.cause != TraceCause::Timeout) continue;
      QVERIFY2(timeoutRecords.count(r.eventId), "a timeout record of one of the timers");
      ++timeoutRecords[r.eventId];
      QCOMPARE(r.to, EventState::Active);
      QVERIFY2(r.value >= 0, qPrintable(QString("lateness %1 ns").arg(r.value)));
    }
    for (const auto& [id, n] : timeoutRecords) QCOMPARE(n, 1);
  }

  void signalsCoalesced() {
    EventBase base(tracedOptions(Poller::Backend::Epoll));
    int calls = 0;
    Event ev(&base, SIGUSR2, kEvSignal | kEvPersist, [&](int sig, short what) {
      QCOMPARE(sig, SIGUSR2);
      QCOMPARE(what, kEvSignal);
      ++calls;
    });
    QCOMPARE(ev.add(nullptr), 0);
    for (int i = 0; i < 3; ++i) ::raise(SIGUSR2);  // all before the loop runs
    QCOMPARE(base.loop(kLoopOnce), 0);
    QCOMPARE(calls, 3);  // one activation, three callbacks, like libevent
    ev.del();
    const QStringList expected{"invalid->non-pending new", "non-pending->pending add", "pending->active signal",
                               "active->pending dispatch", "callback-begin",           "callback-end",
                               "callback-begin",           "callback-end",             "callback-begin",
                               "callback-end",             "pending->non-pending del"};
    QCOMPARE(timeline(drainAll(base), ev.id()), expected);
  }

  // Records come out in time order on both stamp sources (rdtsc, and
  // clock_gettime with REACTORSCOPE_TRACE_TSC=0: ctest runs this suite both
  // ways), including activations made inside callbacks (signals arrive through
  // the loop's internal signal event).
  void traceTimestampsNeverGoBack() {
    EventBase base(tracedOptions(Poller::Backend::Epoll));
    SocketPair sp;
    int sigCalls = 0, reads = 0, timers = 0;
    Event sig(&base, SIGUSR2, kEvSignal | kEvPersist, [&](int, short) { ++sigCalls; });
    Event rd(&base, sp.fd[0], kEvRead | kEvPersist, [&](int fd, short) {
      char c;
      [[maybe_unused]] ssize_t n = ::read(fd, &c, 1);
      ++reads;
    });
    Event tm(&base, -1, kEvPersist, [&](int, short) {
      ++timers;
      if (timers <= 3) {
        ::raise(SIGUSR2);
        [[maybe_unused]] ssize_t n = ::write(sp.fd[1], "x", 1);
      }
    });
    const timeval tick{0, 1000};
    QCOMPARE(sig.add(nullptr), 0);
    QCOMPARE(rd.add(nullptr), 0);
    QCOMPARE(tm.add(&tick), 0);
    while (timers < 5) QVERIFY(base.loop(kLoopOnce) >= 0);
    QCOMPARE(sigCalls, 3);
    QCOMPARE(reads, 3);
    const std::vector<TraceRecord> records = drainAll(base);
    QVERIFY(records.size() > 20);
    for (size_t i = 1; i < records.size(); ++i) {
      if (records[i].tsNs < records[i - 1].tsNs)
        QFAIL(qPrintable(QStringLiteral("record %1 (%2) is %3 ns older than the one before (%4)")
                             .arg(i)
                             .arg(rs::test::render(records[i]))
                             .arg(records[i - 1].tsNs - records[i].tsNs)
                             .arg(rs::test::render(records[i - 1]))));
    }
  }

  void signalDelStopsRemainingCalls() {
    EventBase base;
    int calls = 0;
    Event ev;
    ev.assign(&base, SIGUSR2, kEvSignal | kEvPersist, [&](int, short) {
      ++calls;
      ev.del();  // the remaining deliveries of this activation are dropped
    });
    ev.add(nullptr);
    for (int i = 0; i < 3; ++i) ::raise(SIGUSR2);
    QCOMPARE(base.dispatch(), 1);
    QCOMPARE(calls, 1);
  }

  void crossThreadWakeupsMerged() {
    EventBase base(tracedOptions(Poller::Backend::Epoll));
    std::vector<int> ran;
    std::thread poster([&] {
      QVERIFY(!base.isInLoopThread());
      for (int i = 0; i < 100; ++i) base.runInLoop([&ran, i] { ran.push_back(i); });
      base.queueInLoop([&base] { base.loopbreak(); });
    });
    poster.join();
    // 101 posts while the loop was not waiting: one eventfd wakeup for all.
    QCOMPARE(base.loop(kLoopNoExitOnEmpty), 0);
    QCOMPARE(ran.size(), size_t{100});
    for (int i = 0; i < 100; ++i) QCOMPARE(ran[static_cast<size_t>(i)], i);
    int wakeupActivations = 0;
    for (const TraceRecord& r : drainAll(base))
      if (r.type == TraceType::Transition && r.kind == EventKind::Internal && r.cause == TraceCause::ReadyRead)
        ++wakeupActivations;
    QCOMPARE(wakeupActivations, 1);
  }

  void crossThreadRunInLoopWhileWaiting() {
    EventBase base;
    std::atomic<bool> ranInLoopThread{false};
    const std::thread::id loopThread = std::this_thread::get_id();
    std::thread poster([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the loop block in its wait
      base.runInLoop([&] {
        ranInLoopThread = std::this_thread::get_id() == loopThread;
        base.loopbreak();
      });
    });
    QCOMPARE(base.loop(kLoopNoExitOnEmpty), 0);
    poster.join();
    QVERIFY(ranInLoopThread.load());
  }

  void crossThreadLoopbreak() {
    EventBase base;
    std::thread breaker([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      base.loopbreak();
    });
    QCOMPARE(base.loop(kLoopNoExitOnEmpty), 0);  // woken and broken from another thread
    breaker.join();
    QVERIFY(base.gotBreak());
  }

  void ringDropCounterExact() {
    TraceRing ring(16);
    QCOMPARE(ring.capacity(), size_t{16});
    TraceSlot r;
    for (int i = 0; i < 100; ++i) {
      r.value = i;
      ring.push(r);
    }
    QCOMPARE(ring.dropped(), uint64_t{84});  // the reader never came: overflow exactly
    TraceRecord out[32];
    QCOMPARE(ring.drain(out, 32), size_t{16});
    QCOMPARE(out[0].value, int64_t{0});  // the oldest records survive, newer ones are dropped
    QCOMPARE(out[15].value, int64_t{15});
    for (int i = 0; i < 10; ++i) ring.push(r);
    QCOMPARE(ring.dropped(), uint64_t{84});  // room again: no new drops
  }

  void ringDropCounterFromBase() {
    EventBase::Options options = tracedOptions(Poller::Backend::Epoll);
    options.traceCapacity = 16;
    EventBase base(options);
    drainAll(base);  // the reader reads the construction records, then stops
    QCOMPARE(base.tracer().dropped(), uint64_t{0});
    std::vector<std::unique_ptr<Event>> events;
    for (int i = 0; i < 40; ++i) events.push_back(std::make_unique<Event>(&base, -1, 0, nullptr, nullptr));
    QCOMPARE(base.tracer().dropped(), uint64_t{40 - 16});  // 40 "new" records, room for 16
    QCOMPARE(drainAll(base).size(), size_t{16});
  }

  // The traced hot path packs a dispatch, its callback-begin and the callback-end
  // of the callback before it into one ring slot. drain() hands out every
  // record, in order, whatever the size of the reader's buffer; records a
  // callback writes stay between its begin and its end.
  void tracedHotPathRecordsWholeAcrossDrainSizes_data() {
    QTest::addColumn<int>("chunk");
    for (int c : {1, 2, 3, 5, 256}) QTest::newRow(qPrintable(QStringLiteral("chunk %1").arg(c))) << c;
  }
  void tracedHotPathRecordsWholeAcrossDrainSizes() {
    QFETCH(int, chunk);
    EventBase base(tracedOptions(Poller::Backend::Epoll));
    constexpr int kEvents = 8;
    Event timer(&base, -1, 0, [](int, short) {});
    std::vector<std::unique_ptr<SocketPair>> pairs;
    std::vector<std::unique_ptr<Event>> events;
    // Hot-path events (PERSIST, no timeout) mixed with the other dispatch path:
    // every third is not PERSIST, every fourth has a timeout to re-arm.
    for (int i = 0; i < kEvents; ++i) {
      pairs.push_back(std::make_unique<SocketPair>());
      const int fd = pairs.back()->fd[0];
      const short flags = i % 3 == 2 ? kEvRead : static_cast<short>(kEvRead | kEvPersist);
      events.push_back(std::make_unique<Event>(&base, fd, flags, [fd, &timer](int, short) {
        char c;
        [[maybe_unused]] ssize_t n = ::read(fd, &c, 1);
        const timeval tv{5, 0};
        timer.del();
        timer.add(&tv);  // records of its own, inside this callback
      }));
      const timeval idle{30, 0};
      events.back()->add(i % 4 == 3 ? &idle : nullptr);
      QCOMPARE(::write(pairs.back()->fd[1], "x", 1), ssize_t{1});
    }
    drainAll(base);
    QCOMPARE(base.loop(kLoopOnce), 0);

    std::vector<TraceRecord> records;
    std::vector<TraceRecord> buf(static_cast<size_t>(chunk));
    while (const size_t n = base.tracer().drain(buf.data(), buf.size()))
      records.insert(records.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    QCOMPARE(base.tracer().dropped(), uint64_t{0});
    for (size_t i = 0; i < events.size(); ++i) {
      const QString to = i % 3 == 2 ? QStringLiteral("non-pending") : QStringLiteral("pending");
      const QStringList expected{"pending->active ready-read", "active->" + to + " dispatch", "callback-begin",
                                 "callback-end"};
      QCOMPARE(timeline(records, events[i]->id()), expected);
    }
    uint64_t open = 0;
    int64_t openTs = 0;
    int ends = 0;
    int64_t lastTs = 0;
    for (const TraceRecord& r : records) {
      QVERIFY(r.tsNs >= lastTs);
      lastTs = r.tsNs;
      if (r.type == TraceType::CallbackBegin) {
        QCOMPARE(open, uint64_t{0});
        open = r.eventId;
        openTs = r.tsNs;
      } else if (r.type == TraceType::CallbackEnd) {
        QCOMPARE(r.eventId, open);
        QVERIFY(r.value >= 0);
        // Ends at begin + duration (within the TSC -> ns conversion of drains
        // that took the two records apart).
        QVERIFY2(std::llabs(r.tsNs - (openTs + r.value)) <= 1000,
                 qPrintable(QStringLiteral("end %1, begin %2 + %3").arg(r.tsNs).arg(openTs).arg(r.value)));
        QCOMPARE(r.kind, EventKind::Io);
        QCOMPARE(r.flags, kEvRead);
        open = 0;
        ++ends;
      } else if (r.eventId == timer.id()) {
        QVERIFY(open != 0);  // the timer's del/add happen inside a callback
      }
    }
    QCOMPARE(ends, kEvents);
  }

  // Under drops (a small ring, a reader that takes a little at a time), a
  // callback-end record never reaches the reader without its begin, never
  // with another event's identity, and the drop counter accounts for every
  // record lost.
  void tracedHotPathDropsNeverMisattribute() {
    constexpr int kEvents = 40;
    auto run = [&](size_t capacity, std::vector<TraceRecord>& seen) -> uint64_t {
      EventBase::Options options = tracedOptions(Poller::Backend::Epoll);
      options.traceCapacity = capacity;
      EventBase base(options);
      std::vector<std::unique_ptr<SocketPair>> pairs;
      std::vector<std::unique_ptr<Event>> events;
      TraceRecord buf[3];
      for (int i = 0; i < kEvents; ++i) {
        pairs.push_back(std::make_unique<SocketPair>());
        const int fd = pairs.back()->fd[0];
        events.push_back(std::make_unique<Event>(&base, fd, kEvRead | kEvPersist, [&, fd](int, short) {
          char c;
          [[maybe_unused]] ssize_t n = ::read(fd, &c, 1);
          const size_t got = base.tracer().drain(buf, 3);  // this thread is the only reader
          seen.insert(seen.end(), buf, buf + got);
        }));
        events.back()->add(nullptr);
        [[maybe_unused]] ssize_t n = ::write(pairs.back()->fd[1], "x", 1);
      }
      base.loop(kLoopOnce);
      for (const TraceRecord& r : drainAll(base)) seen.push_back(r);
      events.clear();
      for (const TraceRecord& r : drainAll(base)) seen.push_back(r);
      [&] { QCOMPARE(base.tracer().ring().pushed(), uint64_t(seen.size())); }();
      return base.tracer().dropped();
    };
    std::vector<TraceRecord> all, some;
    QCOMPARE(run(size_t{1} << 12, all), uint64_t{0});
    const uint64_t dropped = run(16, some);
    QVERIFY(dropped > 0);
    QCOMPARE(uint64_t(some.size()) + dropped, uint64_t(all.size()));
    uint64_t open = 0;
    int ends = 0;
    for (const TraceRecord& r : some) {
      if (r.type == TraceType::CallbackBegin) {
        open = r.eventId;
      } else if (r.type == TraceType::CallbackEnd) {
        QVERIFY(open != 0);
        QCOMPARE(r.eventId, open);
        open = 0;
        ++ends;
      }
    }
    QVERIFY(ends > 0);
  }

  void traceRingConcurrentReader() {
    // One producer, one consumer thread: every record arrives exactly once, in order.
    TraceRing ring(1024);
    constexpr int kRecords = 200000;
    std::atomic<bool> done{false};
    std::vector<int64_t> seen;
    seen.reserve(kRecords);
    std::thread reader([&] {
      TraceRecord buf[128];
      for (;;) {
        const bool finished = done.load(std::memory_order_acquire);
        const size_t n = ring.drain(buf, 128);
        for (size_t i = 0; i < n; ++i) seen.push_back(buf[i].value);
        if (n == 0 && finished) break;
      }
    });
    uint64_t pushed = 0;
    TraceSlot r;
    for (int i = 0; i < kRecords; ++i) {
      r.value = i;
      if (ring.push(r)) ++pushed;
    }
    done.store(true, std::memory_order_release);
    reader.join();
    QCOMPARE(uint64_t(seen.size()), pushed);
    QCOMPARE(pushed + ring.dropped(), uint64_t{kRecords});
    for (size_t i = 1; i < seen.size(); ++i) QVERIFY(seen[i] > seen[i - 1]);
  }

  void snapshotContents() {
    EventBase base(tracedOptions(Poller::Backend::Epoll));
    SocketPair sp;
    Event reader(&base, sp.fd[0], kEvRead | kEvPersist, [](int fd, short) {
      char c;
      [[maybe_unused]] ssize_t n = ::read(fd, &c, 1);
    });
    reader.setLabel("conn 7 read", 7);
    Event timer(&base, -1, 0, nullptr, nullptr);
    timer.setLabel("idle timer", 7);
    reader.add(nullptr);
    QVERIFY(sp.send("x"));
    QCOMPARE(base.loop(kLoopOnce), 0);
    const auto snap = base.snapshot();
    QCOMPARE(snap.size(), base.liveEventCount());
    QCOMPARE(snap.size(), size_t{3});  // and the loop's internal wakeup event
    const EventSnapshot* r = nullptr;
    const EventSnapshot* t = nullptr;
    const EventSnapshot* wake = nullptr;
    for (const auto& s : snap) {
      if (s.id == reader.id()) r = &s;
      if (s.id == timer.id()) t = &s;
      if (s.kind == EventKind::Internal) wake = &s;
    }
    QVERIFY(r && t && wake);
    QCOMPARE(r->state, EventState::Pending);
    QCOMPARE(r->activations, uint64_t{1});
    QCOMPARE(r->lastCause, TraceCause::ReadyRead);
    QCOMPARE(r->label, std::string("conn 7 read"));
    QCOMPARE(r->owner, 7u);
    QCOMPARE(r->fd, sp.fd[0]);
    QCOMPARE(r->events, short(kEvRead | kEvPersist));
    QVERIFY(r->totalCallbackNs >= r->lastCallbackNs);
    QCOMPARE(t->state, EventState::NonPending);
    QCOMPARE(t->kind, EventKind::Timer);
    QCOMPARE(t->activations, uint64_t{0});
    QCOMPARE(wake->state, EventState::Pending);
    // Labels reach consumers through the tracer's directory.
    const auto info = base.tracer().info(reader.id());
    QVERIFY(info.has_value());
    QCOMPARE(info->label, std::string("conn 7 read"));
  }

  void debugChecksReportMisuse() {
    setDebugChecks(true);
    g_debugMessages.clear();
    setDebugCheckHandler(captureDebugMessage);
    const uint64_t failuresBefore = debugCheckFailures();
    EventBase base;
    {
      Event neverInitialized;
      QCOMPARE(neverInitialized.add(nullptr), -1);
    }
    Event ev(&base, -1, 0, nullptr, nullptr);
    ev.release();
    QCOMPARE(ev.add(nullptr), -1);  // add after free
    ev.release();                   // double free
    Event pendingOne(&base, -1, 0, nullptr, nullptr);
    const timeval tv{10, 0};
    pendingOne.add(&tv);
    QCOMPARE(pendingOne.assign(&base, -1, 0, nullptr, nullptr), -1);  // assign a pending event
    QCOMPARE(pendingOne.state(), EventState::Pending);                 // left untouched
    SocketPair sp;
    Event level(&base, sp.fd[0], kEvRead, nullptr, nullptr);
    Event edge(&base, sp.fd[0], kEvRead | kEvET, nullptr, nullptr);
    QCOMPARE(level.add(nullptr), 0);
    QCOMPARE(edge.add(nullptr), -1);  // mixing edge- and level-triggered on one fd
    setDebugCheckHandler(nullptr);
    QCOMPARE(debugCheckFailures() - failuresBefore, uint64_t{5});
    QCOMPARE(g_debugMessages.size(), 5);
    QVERIFY(g_debugMessages[0].contains("event_add") && g_debugMessages[0].contains("never initialized"));
    QVERIFY(g_debugMessages[1].contains("event_add") && g_debugMessages[1].contains("freed"));
    QVERIFY(g_debugMessages[2].contains("event_free"));
    QVERIFY(g_debugMessages[3].contains("event_assign") && g_debugMessages[3].contains("pending"));
    QVERIFY(g_debugMessages[4].contains("edge-triggered"));
  }

  // muduo's assertInLoopThread: a loop-thread-only entry point called from
  // another thread while the loop runs is reported; before the loop runs, the
  // base belongs to whichever thread uses it (no report).
  void loopThreadOnlyCallsFromAnotherThreadAreReported() {
    setDebugChecks(true);
    g_debugMessages.clear();
    setDebugCheckHandler(captureDebugMessage);
    const uint64_t failuresBefore = debugCheckFailures();
    EventBase base;
    Event idle(&base, -1, kEvTimeout, nullptr, nullptr);  // never added: del() changes nothing
    std::thread([&] { idle.del(); }).join();             // no loop runs yet
    Event trigger(&base, -1, 0, [&](int, short) {
      // The loop thread waits for `other` here, so the calls race with nothing.
      std::thread other([&] {
        idle.del();
        (void)base.snapshot();
      });
      other.join();
      idle.del();  // on the loop thread
    });
    trigger.activate(kEvTimeout);
    QCOMPARE(base.loop(kLoopOnce), 0);
    setDebugCheckHandler(nullptr);
    QCOMPARE(debugCheckFailures() - failuresBefore, uint64_t{2});
    QCOMPARE(g_debugMessages.size(), 2);
    QVERIFY(g_debugMessages[0].contains("event_del") && g_debugMessages[0].contains("another thread"));
    QVERIFY(g_debugMessages[1].contains("snapshot") && g_debugMessages[1].contains("another thread"));
  }

  // The list helpers check their preconditions under debug checks: every route
  // through them (I/O, timeouts, PERSIST re-arm, manual and "later" activation,
  // del of an active event, re-add cancelling a timeout activation, signals)
  // raises no report.
  void listHelpersHoldTheirPreconditions_data() { backends(); }
  void listHelpersHoldTheirPreconditions() {
    QFETCH(Poller::Backend, backend);
    setDebugChecks(true);
    g_debugMessages.clear();
    setDebugCheckHandler(captureDebugMessage);
    const uint64_t failuresBefore = debugCheckFailures();
    {
      EventBase::Options opts;
      opts.backend = backend;
      opts.tracing = true;
      EventBase base(opts);
      QVERIFY(base.valid());
      QCOMPARE(base.priorityInit(2), 0);
      SocketPair sp;
      int reads = 0, ticks = 0, lates = 0, sigCalls = 0;
      Event reader(&base, sp.fd[0], kEvRead | kEvPersist, [&](int fd, short) {
        ++reads;
        char c;
        [[maybe_unused]] ssize_t n = ::read(fd, &c, 1);
      });
      Event ticker(&base, -1, kEvPersist, [&](int, short) { ++ticks; });
      Event later(&base, -1, 0, [&](int, short) { ++lates; });
      Event victim(&base, -1, 0, nullptr, nullptr);
      Event sig(&base, SIGUSR2, kEvSignal | kEvPersist, [&](int, short) { ++sigCalls; });
      const timeval tick{0, 1000};
      QCOMPARE(reader.add(&tick), 0);
      QCOMPARE(ticker.add(&tick), 0);
      QCOMPARE(sig.add(nullptr), 0);
      QCOMPARE(victim.add(&tick), 0);
      victim.activate(kEvTimeout);
      QCOMPARE(victim.del(), 0);  // active -> non-pending before dispatch
      base.activateLater(&later, kEvTimeout);
      base.activateLater(&later, kEvTimeout);  // merged
      QCOMPARE(::write(sp.fd[1], "ab", 2), ssize_t{2});
      ::raise(SIGUSR2);
      for (int i = 0; i < 200 && (reads < 1 || ticks < 3 || lates < 1 || sigCalls < 1); ++i)
        QVERIFY(base.loop(kLoopOnce) >= 0);
      QVERIFY(reads >= 1 && ticks >= 3 && lates == 1 && sigCalls == 1);
      QCOMPARE(reader.del(), 0);
      QCOMPARE(ticker.del(), 0);
      QCOMPARE(sig.del(), 0);
    }
    setDebugCheckHandler(nullptr);
    QCOMPARE(debugCheckFailures() - failuresBefore, uint64_t{0});
    QVERIFY2(g_debugMessages.isEmpty(), qPrintable(g_debugMessages.join('\n')));
  }

  void pipesWork_data() { backends(); }
  void pipesWork() {
    QFETCH(Poller::Backend, backend);
    EventBase base(backend == Poller::Backend::Epoll ? EventBase::Options{} : tracedOptions(backend));
    Pipe p;
    int writable = 0, readable = 0;
    Event w(&base, p.fd[1], kEvWrite, [&](int, short what) {
      QCOMPARE(what, kEvWrite);
      ++writable;
      [[maybe_unused]] ssize_t n = ::write(p.fd[1], "z", 1);
    });
    Event r(&base, p.fd[0], kEvRead, [&](int, short what) {
      QCOMPARE(what, kEvRead);
      ++readable;
    });
    w.add(nullptr);
    r.add(nullptr);
    QCOMPARE(base.dispatch(), 1);
    QCOMPARE(writable, 1);
    QCOMPARE(readable, 1);
  }
};

QTEST_MAIN(TestEventLoop)
#include "tst_event_loop.moc"
