// Every edge of the tutorial's state diagram, read back from the trace ring in
// order, with libevent 2.1's semantics, on both backends.
#include <QtTest>
#include <csignal>

#include "TraceHelpers.h"
#include "core/Event.h"
#include "core/EventBase.h"

using namespace rs;
using rs::test::drainAll;
using rs::test::SocketPair;
using rs::test::timeline;
using rs::test::tracedOptions;


namespace {

struct Calls {
  int count = 0;
  short lastWhat = 0;
};

void countCallback(int, short what, void* arg) {
  auto* calls = static_cast<Calls*>(arg);
  ++calls->count;
  calls->lastWhat = what;
}

char drainByte(int fd) {
  char c = 0;
  [[maybe_unused]] ssize_t n = ::read(fd, &c, 1);
  return c;
}

}  // namespace

class TestEventStates : public QObject {
  Q_OBJECT

 private:
  static void backends() { rs::test::addBackendRows(); }

 private slots:
  void init() { QVERIFY(debugChecksEnabled()); }

  void ioNotPersistent_data() { backends(); }
  void ioNotPersistent() {
    QFETCH(Poller::Backend, backend);
    EventBase base(tracedOptions(backend));
    SocketPair sp;
    QVERIFY(sp.ok());
    Calls calls;
    uint64_t id = 0;
    {
      Event ev(&base, sp.fd[0], kEvRead, countCallback, &calls);
      id = ev.id();
      QCOMPARE(ev.state(), EventState::NonPending);
      QCOMPARE(ev.add(nullptr), 0);
      QCOMPARE(ev.state(), EventState::Pending);
      QVERIFY(sp.send("x"));
      QCOMPARE(base.loop(kLoopOnce), 0);
      QCOMPARE(calls.count, 1);
      QCOMPARE(calls.lastWhat, kEvRead);
      // Not PERSIST: non-pending once dispatched.
      QCOMPARE(ev.state(), EventState::NonPending);
      QCOMPARE(ev.pending(kEvRead, nullptr), 0);
    }
    const QStringList expected{"invalid->non-pending new",  "non-pending->pending add",
                               "pending->active ready-read", "active->non-pending dispatch",
                               "callback-begin",            "callback-end",
                               "non-pending->invalid free"};
    QCOMPARE(timeline(drainAll(base), id), expected);
  }

  void ioPersistent_data() { backends(); }
  void ioPersistent() {
    QFETCH(Poller::Backend, backend);
    EventBase base(tracedOptions(backend));
    SocketPair sp;
    Calls calls;
    Event ev(&base, sp.fd[0], kEvRead | kEvPersist, [&](int fd, short what) {
      drainByte(fd);
      countCallback(fd, what, &calls);
    });
    QCOMPARE(ev.add(nullptr), 0);
    for (int i = 0; i < 2; ++i) {
      QVERIFY(sp.send("x"));
      QCOMPARE(base.loop(kLoopOnce), 0);
      QCOMPARE(ev.state(), EventState::Pending);  // PERSIST: back to pending
    }
    QCOMPARE(calls.count, 2);
    QCOMPARE(ev.del(), 0);
    QCOMPARE(ev.state(), EventState::NonPending);
    const QStringList cycle{"pending->active ready-read", "active->pending dispatch", "callback-begin",
                            "callback-end"};
    QStringList expected{"invalid->non-pending new", "non-pending->pending add"};
    expected << cycle << cycle << "pending->non-pending del";
    QCOMPARE(timeline(drainAll(base), ev.id()), expected);
  }

  // One fd, two events (a read event and a write event, as a bufferevent has)
  // made active by the same wait: both activations are recorded (the wait's
  // burst of records counted fds, not events, and dropped the second one as
  // if the ring were full).
  void twoEventsOfOneFdActiveInOneWait_data() { backends(); }
  void twoEventsOfOneFdActiveInOneWait() {
    QFETCH(Poller::Backend, backend);
    EventBase base(tracedOptions(backend));
    SocketPair sp;
    QVERIFY(sp.ok());
    Calls reads, writes;
    Event reader(&base, sp.fd[0], kEvRead, [&](int fd, short what) {
      drainByte(fd);
      countCallback(fd, what, &reads);
    });
    Event writer(&base, sp.fd[0], kEvWrite, [&](int fd, short what) { countCallback(fd, what, &writes); });
    QCOMPARE(reader.add(nullptr), 0);
    QCOMPARE(writer.add(nullptr), 0);
    QVERIFY(sp.send("x"));  // readable, and writable all along
    QCOMPARE(base.loop(kLoopOnce), 0);
    QCOMPARE(reads.count, 1);
    QCOMPARE(writes.count, 1);
    const std::vector<TraceRecord> records = drainAll(base);
    QCOMPARE(base.tracer().dropped(), uint64_t{0});
    QVERIFY(timeline(records, reader.id()).contains("pending->active ready-read"));
    QVERIFY(timeline(records, writer.id()).contains("pending->active ready-write"));
  }

  void timerNotPersistent() {
    EventBase base(tracedOptions(Poller::Backend::Epoll));
    Calls calls;
    Event ev(&base, -1, 0, countCallback, &calls);
    QCOMPARE(ev.kind(), EventKind::Timer);
    const timeval tv{0, 2000};
    QCOMPARE(ev.add(&tv), 0);
    QCOMPARE(ev.pending(kEvTimeout, nullptr), int{kEvTimeout});
    QCOMPARE(base.dispatch(), 1);  // no events left
    QCOMPARE(calls.count, 1);
    QCOMPARE(calls.lastWhat, kEvTimeout);
    const QStringList expected{"invalid->non-pending new", "non-pending->pending add", "pending->active timeout",
                               "active->non-pending dispatch", "callback-begin", "callback-end"};
    QCOMPARE(timeline(drainAll(base), ev.id()), expected);
  }

  void timerPersistentRearms() {
    EventBase base(tracedOptions(Poller::Backend::Epoll));
    int fired = 0;
    Event ev;
    ev.assign(&base, -1, kEvPersist, [&](int, short what) {
      QCOMPARE(what, kEvTimeout);
      // The timeout was re-armed before the callback ran.
      QCOMPARE(ev.pending(kEvTimeout, nullptr), int{kEvTimeout});
      if (++fired == 3) ev.del();
    });
    const timeval tv{0, 1000};
    QCOMPARE(ev.add(&tv), 0);
    QCOMPARE(base.dispatch(), 1);
    QCOMPARE(fired, 3);
    const QStringList cycle{"pending->active timeout", "active->pending dispatch", "callback-begin",
                            "callback-end"};
    QStringList expected{"invalid->non-pending new", "non-pending->pending add"};
    expected << cycle << cycle << "pending->active timeout"
             << "active->pending dispatch"
             << "callback-begin"
             << "pending->non-pending del"
             << "callback-end";
    QCOMPARE(timeline(drainAll(base), ev.id()), expected);
  }

  void signalEvent() {
    EventBase base(tracedOptions(Poller::Backend::Epoll));
    Calls calls;
    Event ev(&base, SIGUSR1, kEvSignal | kEvPersist, countCallback, &calls);
    QCOMPARE(ev.kind(), EventKind::Signal);
    QCOMPARE(ev.add(nullptr), 0);
    QCOMPARE(ev.pending(kEvSignal, nullptr), int{kEvSignal});
    ::raise(SIGUSR1);
    QCOMPARE(base.loop(kLoopOnce), 0);
    QCOMPARE(calls.count, 1);
    QCOMPARE(calls.lastWhat, kEvSignal);
    QCOMPARE(ev.del(), 0);
    const QStringList expected{"invalid->non-pending new", "non-pending->pending add", "pending->active signal",
                               "active->pending dispatch",  "callback-begin",           "callback-end",
                               "pending->non-pending del"};
    QCOMPARE(timeline(drainAll(base), ev.id()), expected);
  }

  void delInsideCallback_data() { backends(); }
  void delInsideCallback() {
    QFETCH(Poller::Backend, backend);
    EventBase base(tracedOptions(backend));
    SocketPair sp;
    Event ev;
    int calls = 0;
    ev.assign(&base, sp.fd[0], kEvRead | kEvPersist, [&](int, short) {
      ++calls;
      QCOMPARE(ev.del(), 0);
      QCOMPARE(ev.state(), EventState::NonPending);
    });
    ev.add(nullptr);
    QVERIFY(sp.send("x"));
    QCOMPARE(base.dispatch(), 1);  // the only event deleted itself: loop has nothing left
    QCOMPARE(calls, 1);
    const QStringList expected{"invalid->non-pending new", "non-pending->pending add", "pending->active ready-read",
                               "active->pending dispatch",  "callback-begin",           "pending->non-pending del",
                               "callback-end"};
    QCOMPARE(timeline(drainAll(base), ev.id()), expected);
  }

  void readdInsideCallback_data() { backends(); }
  void readdInsideCallback() {
    QFETCH(Poller::Backend, backend);
    EventBase base(tracedOptions(backend));
    SocketPair sp;
    Event ev;
    int calls = 0;
    ev.assign(&base, sp.fd[0], kEvRead, [&](int fd, short) {
      drainByte(fd);
      if (++calls < 2) QCOMPARE(ev.add(nullptr), 0);  // not PERSIST: re-arm by hand
    });
    ev.add(nullptr);
    QVERIFY(sp.send("x"));
    QCOMPARE(base.loop(kLoopOnce), 0);
    QCOMPARE(ev.state(), EventState::Pending);
    QVERIFY(sp.send("y"));
    QCOMPARE(base.dispatch(), 1);
    QCOMPARE(calls, 2);
    const QStringList cycle{"pending->active ready-read", "active->non-pending dispatch", "callback-begin"};
    QStringList expected{"invalid->non-pending new", "non-pending->pending add"};
    expected << cycle << "non-pending->pending add"
             << "callback-end" << cycle << "callback-end";
    QCOMPARE(timeline(drainAll(base), ev.id()), expected);
  }

  void freeWhilePending_data() { backends(); }
  void freeWhilePending() {
    QFETCH(Poller::Backend, backend);
    EventBase base(tracedOptions(backend));
    SocketPair sp;
    auto ev = std::make_unique<Event>(&base, sp.fd[0], kEvRead, countCallback, nullptr);
    const uint64_t id = ev->id();
    const timeval tv{10, 0};
    QCOMPARE(ev->add(&tv), 0);
    QCOMPARE(base.liveEventCount(), size_t{2});  // and the loop's wakeup event
    ev.reset();                                  // free: deleted first, both steps traced
    QCOMPARE(base.liveEventCount(), size_t{1});
    const QStringList expected{"invalid->non-pending new", "non-pending->pending add", "pending->non-pending del",
                               "non-pending->invalid free"};
    QCOMPARE(timeline(drainAll(base), id), expected);
    QCOMPARE(base.loop(kLoopNonblock), 1);  // nothing left to wait for
  }

  void activeOnNonPending() {
    EventBase base(tracedOptions(Poller::Backend::Epoll));
    SocketPair sp;
    Calls calls;
    Event ev(&base, sp.fd[0], kEvRead, countCallback, &calls);
    ev.activate(kEvWrite);  // never added
    QCOMPARE(ev.state(), EventState::Active);
    QCOMPARE(ev.pending(kEvWrite | kEvRead, nullptr), int{kEvWrite});  // pending() reports the result flags
    // NONBLOCK alone goes round again after running callbacks, then finds no
    // events left: 1, as in libevent.
    QCOMPARE(base.loop(kLoopNonblock), 1);
    QCOMPARE(calls.count, 1);
    QCOMPARE(calls.lastWhat, kEvWrite);
    QCOMPARE(ev.state(), EventState::NonPending);
    const QStringList expected{"invalid->non-pending new", "non-pending->active manual-activate",
                               "active->non-pending dispatch", "callback-begin", "callback-end"};
    QCOMPARE(timeline(drainAll(base), ev.id()), expected);
  }

  void delActiveBeforeDispatch() {
    EventBase base(tracedOptions(Poller::Backend::Epoll));
    Calls calls;
    Event ev(&base, -1, 0, countCallback, &calls);
    ev.activate(kEvTimeout);
    QCOMPARE(ev.del(), 0);
    QCOMPARE(ev.state(), EventState::NonPending);
    QCOMPARE(base.loop(kLoopNonblock), 1);
    QCOMPARE(calls.count, 0);  // removed from the active queue: its callback never runs
    const QStringList expected{"invalid->non-pending new", "non-pending->active manual-activate",
                               "active->non-pending del"};
    QCOMPARE(timeline(drainAll(base), ev.id()), expected);
  }

  // The same for a deferred activation (libevent's "active later", what
  // deferred bufferevent callbacks use): event_del takes it off that queue too.
  void delActiveLaterBeforeDispatch() {
    EventBase base(tracedOptions(Poller::Backend::Epoll));
    Calls calls;
    Event ev(&base, -1, 0, countCallback, &calls);
    base.activateLater(&ev, kEvTimeout);
    QCOMPARE(ev.state(), EventState::Active);
    QCOMPARE(ev.del(), 0);
    QCOMPARE(ev.state(), EventState::NonPending);
    base.loop(kLoopNonblock);
    base.loop(kLoopNonblock);  // a second pass: "later" is the next iteration
    QCOMPARE(calls.count, 0);
    QCOMPARE(ev.state(), EventState::NonPending);
    const QStringList got = timeline(drainAll(base), ev.id());
    QVERIFY2(!got.isEmpty() && got.back() == "active->non-pending del", qPrintable(got.join(", ")));
    QVERIFY2(!got.join(",").contains("callback-begin"), qPrintable(got.join(", ")));
  }

  void delActiveFromEarlierCallback_data() { backends(); }
  void delActiveFromEarlierCallback() {
    // Two fds ready in the same iteration; whichever callback runs first deletes
    // the other event, which is active by then: the other callback never runs.
    QFETCH(Poller::Backend, backend);
    EventBase base(tracedOptions(backend));
    SocketPair a, b;
    Event evA, evB;
    int ran = 0;
    evA.assign(&base, a.fd[0], kEvRead, [&](int, short) {
      ++ran;
      QCOMPARE(evB.state(), EventState::Active);
      evB.del();
    });
    evB.assign(&base, b.fd[0], kEvRead, [&](int, short) {
      ++ran;
      QCOMPARE(evA.state(), EventState::Active);
      evA.del();
    });
    evA.add(nullptr);
    evB.add(nullptr);
    QVERIFY(a.send("x"));
    QVERIFY(b.send("x"));
    QCOMPARE(base.dispatch(), 1);
    QCOMPARE(ran, 1);
    const auto records = drainAll(base);
    const QStringList ta = timeline(records, evA.id(), false);
    const QStringList tb = timeline(records, evB.id(), false);
    const QStringList deleted{"invalid->non-pending new", "non-pending->pending add", "pending->active ready-read",
                              "active->non-pending del"};
    const QStringList dispatched{"invalid->non-pending new", "non-pending->pending add",
                                 "pending->active ready-read", "active->non-pending dispatch"};
    QVERIFY2((ta == dispatched && tb == deleted) || (ta == deleted && tb == dispatched),
             qPrintable(ta.join(", ") + " | " + tb.join(", ")));
  }

  // A library-internal event (setInternal() before assign(): the loop's
  // wakeup, the signal pipe, a bufferevent's sampler) says kind Internal from
  // its first record on, after a re-assignment too: a consumer hiding internal
  // events by kind never shows it as the program's timer.
  void internalEventSaysSoFromItsFirstRecord() {
    EventBase base(tracedOptions(Poller::Backend::Epoll));
    Event ev;
    ev.setInternal(true);
    QCOMPARE(ev.assign(&base, -1, 0, countCallback, nullptr), 0);
    const uint64_t first = ev.id();
    QCOMPARE(ev.assign(&base, -1, 0, countCallback, nullptr), 0);
    const uint64_t second = ev.id();
    QVERIFY(second != first);
    ev.release();
    QStringList kinds;
    for (const TraceRecord& r : drainAll(base))
      if (r.eventId == first || r.eventId == second) kinds << rs::test::render(r) + " " + toString(r.kind);
    const QStringList expected{"invalid->non-pending new internal", "non-pending->invalid free internal",
                               "invalid->non-pending new internal", "non-pending->invalid free internal"};
    QCOMPARE(kinds, expected);
  }

  void reassignIsTracedAsFreeThenNew() {
    EventBase base(tracedOptions(Poller::Backend::Epoll));
    Event ev(&base, -1, 0, countCallback, nullptr);
    const uint64_t first = ev.id();
    QCOMPARE(ev.assign(&base, -1, kEvPersist, countCallback, nullptr), 0);
    QVERIFY(ev.id() != first);  // ids are never reused within a base
    const auto records = drainAll(base);
    QCOMPARE(timeline(records, first), (QStringList{"invalid->non-pending new", "non-pending->invalid free"}));
    QCOMPARE(timeline(records, ev.id()), QStringList{"invalid->non-pending new"});
  }
};

QTEST_MAIN(TestEventStates)
#include "tst_event_states.moc"
