// TraceAggregator fed by a real EventBase's trace: states, diagram edges, paths,
// callback and scheduling-delay distributions, buffer series, snapshot resync,
// retention and row removal; and the rest of its FrameSource: the sessions'
// figures and the numbered, bounded log. Labels that come late: an event whose
// label the directory learns two ticks after its first record is labelled at the
// next tick and the observer told once; a label that changes later replaces it
// (told again); a freed event is not looked up; each tick looks up a bounded
// number of unlabelled rows, all of them in turn.
#include <QtTest>

#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <tuple>
#include <memory>
#include <vector>

#include "core/Event.h"
#include "core/EventBase.h"
#include "live/OwnerTags.h"
#include "model/TraceAggregator.h"

using namespace rs;
using namespace rs::gui;

namespace {

EventBase::Options tracedOptions() {
  EventBase::Options o;
  o.tracing = true;
  o.traceCapacity = size_t{1} << 16;
  return o;
}

// Moves everything in the base's ring into the aggregator as session 1.
size_t drainInto(EventBase& base, TraceAggregator& agg, int session = 1) {
  std::vector<TraceRecord> buf(4096);
  size_t total = 0;
  for (;;) {
    const size_t n = base.tracer().drain(buf.data(), buf.size());
    if (n == 0) break;
    agg.ingest(session, buf.data(), n, &base.tracer());
    total += n;
  }
  return total;
}

qint64 liveSum(const DiagramStats& d) {
  return d.stateCounts[1] + d.stateCounts[2] + d.stateCounts[3];
}

quint64 edge(const DiagramStats& d, DiagramEdge e) { return d.edgeTotal[static_cast<size_t>(e)]; }

// Keeps what IngestObserver::labelled was told.
struct LabelWatcher : IngestObserver {
  struct Told {
    int session;
    quint64 id;
    QString label;
  };
  std::vector<Told> told;
  void ingested(int, const TraceRecord*, size_t, const Tracer*) override {}
  void logged(const QVector<LogEntry>&) override {}
  void sessionEnded(int, qint64) override {}
  void figured(int, const SessionFigures&) override {}
  void labelled(int session, quint64 id, const QString& label) override { told.push_back({session, id, label}); }
};

// A transition of event `id` (fd 5) at tsNs.
TraceRecord transition(quint64 id, EventState from, EventState to, TraceCause cause, qint64 tsNs) {
  TraceRecord r{};
  r.type = TraceType::Transition;
  r.eventId = id;
  r.kind = EventKind::Io;
  r.fd = 5;
  r.from = from;
  r.to = to;
  r.cause = cause;
  r.tsNs = tsNs;
  return r;
}

// An input buffer's level record of event `id` (fd 5) of connection `owner`.
TraceRecord inputLevel(quint64 id, quint32 owner, qint64 bytes, qint64 tsNs) {
  TraceRecord r{};
  r.type = TraceType::BufferLevel;
  r.eventId = id;
  r.owner = owner;
  r.fd = 5;
  r.buffer = BufferId::Input;
  r.value = bytes;
  r.tsNs = tsNs;
  return r;
}

void publishLabel(Tracer& directory, quint64 id, const std::string& label) {
  EventInfo info;
  info.id = id;
  info.fd = 5;
  info.label = label;
  directory.publishInfo(info);
}

}  // namespace

class TestTraceAggregator : public QObject {
  Q_OBJECT

 private slots:
  void timerLifecycle();
  void ioEventsAndCallbacks();
  void internalEventsLeaveTheRatesAndEdges();
  void bufferLevels();
  void snapshotResync();
  void retentionAndRemoval();
  void fullRingDropsAreCounted();
  void historyBudgetBoundsAllTimelines();
  void finishedEventsLeaveTheFineBudgetToLiveOnes();
  void histogramPercentiles_data();
  void histogramPercentiles();
  void logLinesAreNumberedAndBounded();
  void figuresLeaveWithTheirSession();
  void lateLabelIsTakenAtTheNextTick();
  void unlabelledRowsAreLookedUpInBoundedTurns();
  void freedEventsOfEachIngestAreListed();
  void bufferRecordsFindTheirSeriesAfterOthersLeave();
  void processesWithTheSameOwnerTagsKeepTheirOwnConnections();
  void rowCreatedWithoutOwnerTakesItsLaterOwner();
  void liveEdgeStopsAfterTheLastSessionEnds();
  void callbackRunningAtTheEndIsCutShort();
};

void TestTraceAggregator::timerLifecycle() {
  EventBase base(tracedOptions());
  TraceAggregator agg;
  int fired = 0;
  // The callback runs at least 1 ms (it spins), so its traced duration cannot be 0.
  auto timer = std::make_unique<Event>(&base, -1, 0, [&](int, short) {
    const qint64 until = monotonicNowNs() + 1'000'000;
    while (monotonicNowNs() < until) {
    }
    ++fired;
  });
  timer->setLabel("one-shot timer", 42);
  QCOMPARE(timer->addTimeoutNs(1'000'000), 0);
  drainInto(base, agg);
  int row = agg.rowOf(1, timer->id());
  QVERIFY(row >= 0);
  QCOMPARE(agg.row(row).state, EventState::Pending);
  QCOMPARE(agg.row(row).label, QStringLiteral("one-shot timer"));
  QCOMPARE(agg.row(row).owner, 42u);
  QCOMPARE(agg.row(row).kind, EventKind::Timer);

  QTRY_VERIFY_WITH_TIMEOUT((base.loop(kLoopOnce | kLoopNonblock), fired == 1), 10000);
  drainInto(base, agg);
  row = agg.rowOf(1, timer->id());
  // Not PERSIST: dispatched -> non-pending before the callback ran.
  QCOMPARE(agg.row(row).state, EventState::NonPending);
  QCOMPARE(agg.row(row).activations, 1u);
  QCOMPARE(agg.row(row).lastCause, TraceCause::Dispatch);
  QCOMPARE(agg.row(row).callbacks.size(), size_t{1});
  // The one callback's duration, everywhere it is shown (half the spin: slack for
  // the TSC-to-ns calibration, never for timing).
  const qint64 callbackNs = agg.row(row).callbacks[0].durationNs;
  QVERIFY2(callbackNs >= 500'000, qPrintable(QString::number(callbackNs)));
  QCOMPARE(agg.row(row).totalCallbackNs, callbackNs);
  QCOMPARE(agg.row(row).lastCallbackNs, callbackNs);

  std::vector<PathStep> path = agg.pathOf(row);
  QCOMPARE(path.size(), size_t{4});
  QCOMPARE(path[0].cause, TraceCause::New);
  QCOMPARE(path[1].cause, TraceCause::Add);
  QCOMPARE(path[2].cause, TraceCause::Timeout);
  QCOMPARE(path[2].to, EventState::Active);
  QCOMPARE(path[3].cause, TraceCause::Dispatch);
  QCOMPARE(path[3].to, EventState::NonPending);
  for (size_t i = 1; i < path.size(); ++i) QVERIFY(path[i].tsNs >= path[i - 1].tsNs);

  agg.finishTick(monotonicNowNs());
  DiagramStats d = agg.diagramStats();
  QCOMPARE(liveSum(d), static_cast<qint64>(base.liveEventCount()));
  QCOMPARE(edge(d, DiagramEdge::Ready), 1u);
  QCOMPARE(edge(d, DiagramEdge::DispatchOnce), 1u);
  QCOMPARE(agg.callbackHistogram().count(), 1u);
  QCOMPARE(agg.schedulingDelayHistogram().count(), 1u);

  const uint64_t id = timer->id();
  timer.reset();  // event_free
  drainInto(base, agg);
  agg.finishTick(monotonicNowNs());
  row = agg.rowOf(1, id);
  QCOMPARE(agg.row(row).state, EventState::Invalid);
  QVERIFY(agg.row(row).freedAtNs > 0);
  d = agg.diagramStats();
  QCOMPARE(d.stateCounts[0], 1);  // freed so far
  QCOMPARE(liveSum(d), static_cast<qint64>(base.liveEventCount()));
  QCOMPARE(edge(d, DiagramEdge::Free), 1u);
}

// The library's own events (kind Internal: a bufferevent's buffer sampler, ten
// timeouts a second per connection) count in neither the session's transitions
// nor the diagram's edges: an idle traced server reads idle.
void TestTraceAggregator::internalEventsLeaveTheRatesAndEdges() {
  TraceAggregator agg;
  std::vector<TraceRecord> records;
  for (quint64 id : {1, 2}) {
    records.push_back(transition(id, EventState::Invalid, EventState::NonPending, TraceCause::New, 10));
    records.push_back(transition(id, EventState::NonPending, EventState::Pending, TraceCause::Add, 20));
    records.push_back(transition(id, EventState::Pending, EventState::Active, TraceCause::Timeout, 30));
  }
  for (size_t i = 3; i < records.size(); ++i) records[i].kind = EventKind::Internal;  // event 2
  agg.ingest(1, records.data(), records.size(), nullptr);
  agg.finishTick(monotonicNowNs());
  QCOMPARE(agg.sessionStats(1)->transitions, quint64{3});
  QCOMPARE(agg.sessionStats(1)->records, quint64{6});
  const DiagramStats d = agg.diagramStats();
  QCOMPARE(edge(d, DiagramEdge::New), 1u);
  QCOMPARE(edge(d, DiagramEdge::Add), 1u);
  QCOMPARE(edge(d, DiagramEdge::Ready), 1u);
}

void TestTraceAggregator::ioEventsAndCallbacks() {
  EventBase base(tracedOptions());
  TraceAggregator agg;
  int sv[2];
  QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  int reads = 0;
  Event reader(&base, sv[0], kEvRead | kEvPersist, [&](int fd, short) {
    char buf[64];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
    ++reads;
  });
  reader.setLabel("reader", 7);
  QCOMPARE(reader.add(nullptr), 0);
  for (int i = 0; i < 5; ++i) {
    QCOMPARE(::write(sv[1], "x", 1), 1);
    const int before = reads;
    QTRY_VERIFY_WITH_TIMEOUT((base.loop(kLoopOnce | kLoopNonblock), reads > before), 10000);
  }
  reader.activate(kEvRead);  // event_active on a pending event
  base.loop(kLoopOnce | kLoopNonblock);
  // The loop's time in the poller, summed from the records themselves.
  std::vector<TraceRecord> records(size_t{1} << 16);
  records.resize(base.tracer().drain(records.data(), records.size()));
  qint64 expectedWaitNs = 0;
  qint64 waitBegin = -1;
  int waits = 0;
  for (const TraceRecord& r : records) {
    if (r.type == TraceType::WaitBegin) waitBegin = r.tsNs;
    if (r.type == TraceType::WaitEnd && waitBegin >= 0) {
      expectedWaitNs += r.tsNs - waitBegin;
      waitBegin = -1;
      ++waits;
    }
  }
  QVERIFY(waits >= 6);  // one poll per loop pass
  agg.ingest(1, records.data(), records.size(), &base.tracer());
  agg.finishTick(monotonicNowNs());
  const int row = agg.rowOf(1, reader.id());
  QVERIFY(row >= 0);
  const EventRow& e = agg.row(row);
  QCOMPARE(e.state, EventState::Pending);  // PERSIST: back to pending
  QCOMPARE(e.activations, static_cast<quint64>(reads));
  QCOMPARE(e.callbacks.size(), static_cast<size_t>(reads));
  const DiagramStats d = agg.diagramStats();
  QCOMPARE(edge(d, DiagramEdge::Ready), 5u);
  QCOMPARE(edge(d, DiagramEdge::ManualActivate), 1u);
  QCOMPARE(edge(d, DiagramEdge::DispatchPersist), static_cast<quint64>(reads));
  QCOMPARE(agg.callbackHistogram().count(), static_cast<quint64>(reads));
  QCOMPARE(agg.schedulingDelayHistogram().count(), static_cast<quint64>(reads));
  QCOMPARE(liveSum(d), static_cast<qint64>(base.liveEventCount()));
  const SessionTraceStats* st = agg.sessionStats(1);
  QVERIFY(st);
  QVERIFY(st->transitions > 0);
  QCOMPARE(st->waitClosedNs, expectedWaitNs);
  QCOMPARE(st->records, static_cast<quint64>(records.size()));
  ::close(sv[0]);
  ::close(sv[1]);
}

void TestTraceAggregator::bufferLevels() {
  EventBase base(tracedOptions());
  TraceAggregator agg;
  const uint32_t conn = allocateOwnerTag();
  Event ev(&base, -1, 0, [](int, short) {});
  ev.setLabel("conn read", conn);
  base.traceBufferLevel(ev.id(), conn, 5, BufferId::ReadHighWater, 4096);
  for (int i = 0; i < 10; ++i) {
    base.traceBufferLevel(ev.id(), conn, 5, BufferId::Input, i * 100);
    base.traceBufferLevel(ev.id(), conn, 5, BufferId::KernelSend, 7);
    QTest::qWait(2);  // distinct milliseconds: no coalescing
  }
  drainInto(base, agg);
  agg.finishTick(monotonicNowNs());
  const ConnectionSeries* c = agg.connection(conn);
  QVERIFY(c);
  QCOMPARE(c->fd, 5);
  QCOMPARE(c->current[static_cast<size_t>(dataBufferIndex(BufferId::Input))], 900);
  QCOMPARE(c->levels[static_cast<size_t>(dataBufferIndex(BufferId::Input))].size(), size_t{10});
  QCOMPARE(c->levels[static_cast<size_t>(dataBufferIndex(BufferId::KernelSend))].back().bytes, 7);
  QCOMPARE(c->watermarks[1], 4096);
  QVERIFY(agg.ownerAlive(conn));
  // The session aggregate sums the live connections once per tick.
  const SessionTraceStats* st = agg.sessionStats(1);
  QVERIFY(st);
  QCOMPARE(st->aggregate[static_cast<size_t>(dataBufferIndex(BufferId::Input))].back().bytes, 900);
}

void TestTraceAggregator::snapshotResync() {
  EventBase base(tracedOptions());
  TraceAggregator agg;
  std::vector<std::unique_ptr<Event>> events;
  for (int i = 0; i < 4; ++i) {
    events.push_back(std::make_unique<Event>(&base, -1, 0, [](int, short) {}));
    events.back()->addTimeoutNs(60 * kNsPerSec);
  }
  drainInto(base, agg);
  // Lose records on purpose: changes happen, the ring is emptied elsewhere.
  events[0]->del();
  events[1].reset();
  events.push_back(std::make_unique<Event>(&base, -1, 0, [](int, short) {}));
  events.back()->setLabel("born during the gap");
  std::vector<TraceRecord> lost(4096);
  base.tracer().drain(lost.data(), lost.size());
  const qint64 taken = monotonicNowNs();
  agg.applySnapshot(1, base.snapshot(), taken);
  agg.finishTick(taken);
  QCOMPARE(agg.row(agg.rowOf(1, events[0]->id())).state, EventState::NonPending);
  QCOMPARE(agg.row(agg.rowOf(1, events[2]->id())).state, EventState::Pending);
  const int born = agg.rowOf(1, events.back()->id());
  QVERIFY(born >= 0);
  QCOMPARE(agg.row(born).label, QStringLiteral("born during the gap"));
  QCOMPARE(agg.row(born).state, EventState::NonPending);
  QCOMPARE(liveSum(agg.diagramStats()), static_cast<qint64>(base.liveEventCount()));
  QCOMPARE(agg.sessionStats(1)->resyncs, 1u);
  // Records older than the snapshot no longer move states back.
  TraceRecord stale;
  stale.tsNs = taken - 1000;
  stale.eventId = events[0]->id();
  stale.type = TraceType::Transition;
  stale.from = EventState::NonPending;
  stale.to = EventState::Pending;
  stale.cause = TraceCause::Add;
  agg.ingest(1, &stale, 1, nullptr);
  QCOMPARE(agg.row(agg.rowOf(1, events[0]->id())).state, EventState::NonPending);
}

void TestTraceAggregator::retentionAndRemoval() {
  EventBase base(tracedOptions());
  TraceAggregator agg;
  agg.setRetentionNs(kNsPerSec);
  auto a = std::make_unique<Event>(&base, -1, 0, [](int, short) {});
  auto b = std::make_unique<Event>(&base, -1, 0, [](int, short) {});
  const uint64_t aid = a->id();
  const uint64_t bid = b->id();
  a->addTimeoutNs(kNsPerSec);
  a.reset();
  drainInto(base, agg);
  const qint64 now = monotonicNowNs();
  agg.finishTick(now);
  const int before = agg.rowCount();
  QVERIFY(agg.expiredRows(now, 10 * kNsPerSec).empty());
  const std::vector<int> expired = agg.expiredRows(now + 20 * kNsPerSec, 10 * kNsPerSec);
  QCOMPARE(expired.size(), size_t{1});
  QCOMPARE(expired[0], agg.rowOf(1, aid));
  agg.removeRows(expired[0], expired[0]);
  QCOMPARE(agg.rowCount(), before - 1);
  QCOMPARE(agg.rowOf(1, aid), -1);
  QVERIFY(agg.rowOf(1, bid) >= 0);
  // Far in the future every transition is older than the retention: only the
  // newest stays, naming the state the timeline draws from the cutoff on.
  const qint64 newestNs = agg.row(agg.rowOf(1, bid)).transitions.back().tsNs;
  agg.finishTick(now + 30 * kNsPerSec);
  QCOMPARE(agg.row(agg.rowOf(1, bid)).transitions.size(), size_t{1});
  QCOMPARE(agg.row(agg.rowOf(1, bid)).transitions.front().tsNs, newestNs);
  QVERIFY(agg.memoryBytes() > 0);
}

// A ring too small for what the loop writes: the tracer counts the drops and the
// aggregator reports exactly that count, per session and in the total.
void TestTraceAggregator::fullRingDropsAreCounted() {
  EventBase::Options o = tracedOptions();
  o.traceCapacity = 256;
  EventBase base(o);
  TraceAggregator agg;
  std::vector<std::unique_ptr<Event>> events;
  for (int i = 0; i < 400; ++i) {
    events.push_back(std::make_unique<Event>(&base, -1, 0, [](int, short) {}));
    events.back()->addTimeoutNs(3600 * kNsPerSec);  // two transitions each: new, add
  }
  const quint64 dropped = base.tracer().dropped();
  QVERIFY2(dropped >= 800 - 256, qPrintable(QString::number(dropped)));
  const size_t drained = drainInto(base, agg);
  QVERIFY(drained <= 256);
  QCOMPARE(agg.droppedTotal(), 0u);  // not reported yet
  agg.setDropped(1, dropped);
  QCOMPARE(agg.sessionStats(1)->dropped, dropped);
  QCOMPARE(agg.droppedTotal(), dropped);
  // A second session's drops add up; a repeated report does not count twice.
  agg.setDropped(2, 5);
  agg.setDropped(1, dropped);
  QCOMPARE(agg.droppedTotal(), dropped + 5);
}

// The timelines of all events together keep at most the span budget of
// transition samples (the newest ones), however many each event produced.
void TestTraceAggregator::historyBudgetBoundsAllTimelines() {
  constexpr size_t kBudget = size_t{4} << 20;
  constexpr int kEvents = 100;
  constexpr int kPerEvent = 3000;  // 300 000 transitions in all
  TraceAggregator agg;
  agg.setHistoryBudgetBytes(kBudget);
  const qint64 t0 = monotonicNowNs();
  auto transitions = [&](int round, qint64 startNs) {
    std::vector<TraceRecord> recs;
    for (int k = 0; k < kPerEvent; ++k) {
      for (int i = 0; i < kEvents; ++i) {
        TraceRecord r;
        r.type = TraceType::Transition;
        r.eventId = static_cast<uint64_t>(100 + i);
        r.tsNs = startNs + k * 1000 + i;
        const bool add = (k + round) % 2 == 0;
        r.from = add ? EventState::NonPending : EventState::Pending;
        r.to = add ? EventState::Pending : EventState::NonPending;
        r.cause = add ? TraceCause::Add : TraceCause::Del;
        recs.push_back(r);
      }
    }
    agg.ingest(1, recs.data(), recs.size(), nullptr);
  };
  transitions(0, t0);
  agg.finishTick(t0 + 2 * kNsPerSec);  // the first maintenance sizes every timeline
  transitions(1, t0 + 3 * kNsPerSec);
  agg.finishTick(t0 + 4 * kNsPerSec);  // the next one trims them to the budget
  QCOMPARE(agg.rowCount(), kEvents);
  size_t total = 0;
  for (int row = 0; row < agg.rowCount(); ++row) {
    const EventRow& e = agg.row(row);
    QVERIFY(!e.transitions.empty());
    // The newest sample survives: the last of round 1 for this event.
    QCOMPARE(e.transitions.back().tsNs, t0 + 3 * kNsPerSec + (kPerEvent - 1) * 1000 + static_cast<qint64>(e.id - 100));
    total += e.transitions.size();
    // Older samples were decimated, not lost: the whole run is still covered.
    QVERIFY2(retainedFromNs(e) <= t0 + 1000 * 1000, qPrintable(QString::number(retainedFromNs(e) - t0)));
  }
  QVERIFY2(agg.historyBytes() <= kBudget, qPrintable(QString("%1 bytes, budget %2").arg(agg.historyBytes()).arg(kBudget)));
  // Not starved either: a quarter of the budget holds full-resolution samples.
  const size_t sampleBytes = sizeof(TransitionSample) + sizeof(CallbackSample) / 2;
  QVERIFY2(total >= kBudget / 4 / sampleBytes / 2, qPrintable(QString("%1 samples kept").arg(total)));
}

// A finished session's events (freed) do not shrink the full-resolution rings
// of a live session's events: a program run again and again under the app keeps
// the same fine timelines, and its folds (the app's CPU per record) do not grow
// with the sessions behind it. The freed ones keep their newest samples, within
// kFreedFineSamplesPerEvent, and everything stays within the budget.
void TestTraceAggregator::finishedEventsLeaveTheFineBudgetToLiveOnes() {
  constexpr int kFinished = 3000;  // with the live one: an equal share is 349 samples
  TraceAggregator agg;
  const qint64 t0 = monotonicNowNs();
  std::vector<TraceRecord> recs;
  for (int i = 0; i < kFinished; ++i) {
    const auto id = static_cast<quint64>(100 + i);
    recs.push_back(transition(id, EventState::Invalid, EventState::NonPending, TraceCause::New, t0 + i));
    for (int k = 0; k < 600; ++k) {
      const bool add = k % 2 == 0;
      recs.push_back(transition(id, add ? EventState::NonPending : EventState::Pending,
                                add ? EventState::Pending : EventState::NonPending, add ? TraceCause::Add : TraceCause::Del,
                                t0 + 1000 + k * 1000 + i));
    }
  }
  agg.ingest(1, recs.data(), recs.size(), nullptr);
  agg.endSession(1, t0 + kNsPerSec);  // the program ended: every event of it freed
  recs.clear();
  const quint64 kLive = 7;
  for (int k = 0; k < 6000; ++k) {
    const bool add = k % 2 == 0;
    recs.push_back(transition(kLive, add ? EventState::NonPending : EventState::Pending,
                              add ? EventState::Pending : EventState::NonPending, add ? TraceCause::Add : TraceCause::Del,
                              t0 + 2 * kNsPerSec + k * 1000));
  }
  agg.ingest(2, recs.data(), recs.size(), nullptr);
  agg.finishTick(t0 + 3 * kNsPerSec);  // a maintenance sizes every timeline
  agg.ingest(2, recs.data(), recs.size(), nullptr);
  agg.finishTick(t0 + 5 * kNsPerSec);
  const EventRow& live = agg.row(agg.rowOf(2, kLive));
  QCOMPARE(live.transitions.cap(), TraceAggregator::kFineSamplesPerEvent);
  // (full but for the last fold's thirty-second)
  QVERIFY2(live.transitions.size() >= TraceAggregator::kFineSamplesPerEvent / 32 * 31,
           qPrintable(QString::number(live.transitions.size())));
  const EventRow& finished = agg.row(agg.rowOf(1, 100));
  QVERIFY(finished.freedAtNs);
  QVERIFY2(finished.transitions.cap() <= TraceAggregator::kFreedFineSamplesPerEvent,
           qPrintable(QString::number(finished.transitions.cap())));
  QVERIFY(finished.transitions.size() >= 16);
  QCOMPARE(finished.transitions.back().tsNs, t0 + 1000 + 599 * 1000);  // its newest, at full resolution
  QVERIFY2(agg.historyBytes() <= agg.historyBudgetBytes(), qPrintable(QString::number(agg.historyBytes())));
  // Past the retention a finished event holds the one sample naming its state:
  // its rings give their memory back (however many such rows pile up).
  agg.finishTick(t0 + 70 * kNsPerSec);
  const EventRow& old = agg.row(agg.rowOf(1, 100));
  QCOMPARE(old.transitions.cap(), size_t{16});
  QVERIFY2(old.transitions.memoryBytes() + old.callbacks.memoryBytes() <= 32 * sizeof(TransitionSample),
           qPrintable(QString::number(old.transitions.memoryBytes() + old.callbacks.memoryBytes())));
  QCOMPARE(agg.row(agg.rowOf(2, kLive)).transitions.cap(), TraceAggregator::kFineSamplesPerEvent);
}

void TestTraceAggregator::histogramPercentiles_data() {
  QTest::addColumn<qint64>("value");
  QTest::newRow("tiny") << qint64{3};
  QTest::newRow("microsecond") << qint64{1500};
  QTest::newRow("millisecond") << qint64{2'500'000};
  QTest::newRow("second") << qint64{1'200'000'000};
}

void TestTraceAggregator::histogramPercentiles() {
  QFETCH(qint64, value);
  CallbackHistogram h;
  for (int i = 0; i < 100; ++i) h.record(value);
  QCOMPARE(h.count(), 100u);
  QCOMPARE(h.max(), value);
  const qint64 p50 = h.percentile(50);
  // Bucket precision: within 1/8 of the value.
  QVERIFY2(p50 <= value && p50 >= value - value / 8 - 1, qPrintable(QString::number(p50)));
  const size_t b = CallbackHistogram::bucketIndex(value);
  QVERIFY(CallbackHistogram::bucketLowNs(b) <= value);
  QVERIFY(CallbackHistogram::bucketHighNs(b) > value);  // exclusive upper bound
}

// Each line is handed out once to a reader that passes back the number it got;
// past the bound the oldest lines are gone and a stale reader gets what is kept.
void TestTraceAggregator::logLinesAreNumberedAndBounded() {
  TraceAggregator agg;
  const FrameSource& frame = agg;
  auto line = [](int n) { return LogEntry{QDateTime(), LogLevel::Info, 1, QString::number(n)}; };
  QVector<LogEntry> out;
  QCOMPARE(frame.logLines(0, &out), quint64{0});
  QVERIFY(out.isEmpty());

  agg.appendLog({line(1), line(2), line(3)});
  quint64 seq = frame.logLines(0, &out);
  QCOMPARE(seq, quint64{3});
  QCOMPARE(out.size(), 3);
  QCOMPARE(out.front().text, QStringLiteral("1"));
  out.clear();
  QCOMPARE(frame.logLines(seq, &out), seq);  // nothing new
  QVERIFY(out.isEmpty());
  agg.appendLog({});
  QCOMPARE(frame.logLines(seq, &out), seq);
  agg.appendLog({line(4)});
  seq = frame.logLines(seq, &out);
  QCOMPARE(seq, quint64{4});
  QCOMPARE(out.size(), 1);
  QCOMPARE(out.front().text, QStringLiteral("4"));

  QVector<LogEntry> many;
  for (int n = 5; n <= 4 + static_cast<int>(TraceAggregator::kLogCapacity); ++n) many.push_back(line(n));
  agg.appendLog(many);  // lines 1..4 fall out
  out.clear();
  QCOMPARE(frame.logLines(0, &out), quint64{4 + TraceAggregator::kLogCapacity});
  QCOMPARE(static_cast<size_t>(out.size()), TraceAggregator::kLogCapacity);
  QCOMPARE(out.front().text, QStringLiteral("5"));
  QCOMPARE(out.back().text, QString::number(4 + TraceAggregator::kLogCapacity));
}

void TestTraceAggregator::figuresLeaveWithTheirSession() {
  TraceAggregator agg;
  SessionFigures client;
  client.kind = EngineSession::Kind::Client;
  client.messagesPerSec = 10;
  agg.setFigures(2, client);
  SessionFigures server;
  server.kind = EngineSession::Kind::Server;
  server.server = EchoServerStats{};
  agg.setFigures(1, server);
  client.messagesPerSec = 20;
  agg.setFigures(2, client);  // replaced, not added

  const FrameSource& frame = agg;
  QCOMPARE(frame.figures().size(), size_t{2});
  QCOMPARE(frame.figures().begin()->first, 1);  // by session id
  QCOMPARE(frame.figures().at(2).messagesPerSec, 20.0);
  agg.forgetSession(1);
  QCOMPARE(frame.figures().size(), size_t{1});
  QVERIFY(!frame.figures().count(1));
}

void TestTraceAggregator::lateLabelIsTakenAtTheNextTick() {
  TraceAggregator agg;
  LabelWatcher watcher;
  agg.setObserver(&watcher);
  Tracer directory(16);
  const TraceRecord first = transition(7, EventState::NonPending, EventState::Pending, TraceCause::Add, 1'000);
  agg.ingest(1, &first, 1, &directory);  // no label known yet
  const int row = agg.rowOf(1, 7);
  QVERIFY(row >= 0);
  agg.finishTick(1'000'000);
  agg.finishTick(2'000'000);
  QVERIFY(agg.row(row).label.isEmpty());
  QVERIFY(watcher.told.empty());

  publishLabel(directory, 7, "read_cb[bufferevent-read]");
  agg.takeDirtyRange();
  agg.finishTick(3'000'000);
  QCOMPARE(agg.row(row).label, QStringLiteral("read_cb[bufferevent-read]"));
  const auto dirty = agg.takeDirtyRange();
  QVERIFY(dirty.first <= row && row <= dirty.second);  // redrawn
  QCOMPARE(watcher.told.size(), size_t{1});
  QCOMPARE(watcher.told[0].session, 1);
  QCOMPARE(watcher.told[0].id, quint64{7});
  QCOMPARE(watcher.told[0].label, QStringLiteral("read_cb[bufferevent-read]"));
  for (qint64 t = 4; t < 8; ++t) agg.finishTick(t * 1'000'000);
  QCOMPARE(watcher.told.size(), size_t{1});  // told once

  // A label set again replaces it (the relabel sweep: one row here, checked every tick).
  publishLabel(directory, 7, "other_cb[bufferevent-read]");
  agg.finishTick(8'000'000);
  QCOMPARE(agg.row(row).label, QStringLiteral("other_cb[bufferevent-read]"));
  QCOMPARE(watcher.told.size(), size_t{2});
  QCOMPARE(watcher.told[1].label, QStringLiteral("other_cb[bufferevent-read]"));

  // A freed event is not looked up any more.
  const TraceRecord born = transition(8, EventState::NonPending, EventState::Pending, TraceCause::Add, 9'000);
  const TraceRecord freed = transition(8, EventState::Pending, EventState::Invalid, TraceCause::Free, 10'000);
  agg.ingest(1, &born, 1, &directory);
  agg.ingest(1, &freed, 1, &directory);
  publishLabel(directory, 8, "gone_cb");
  for (qint64 t = 9; t < 12; ++t) agg.finishTick(t * 1'000'000);
  QVERIFY(agg.row(agg.rowOf(1, 8)).label.isEmpty());
  QCOMPARE(watcher.told.size(), size_t{2});
  agg.setObserver(nullptr);
}

void TestTraceAggregator::unlabelledRowsAreLookedUpInBoundedTurns() {
  TraceAggregator agg;
  LabelWatcher watcher;
  agg.setObserver(&watcher);
  Tracer directory(16);
  constexpr quint64 kEvents = 1000;
  for (quint64 id = 1; id <= kEvents; ++id) {
    const TraceRecord r = transition(id, EventState::NonPending, EventState::Pending, TraceCause::Add, 1'000);
    agg.ingest(1, &r, 1, &directory);
  }
  for (quint64 id = 1; id <= kEvents; ++id) publishLabel(directory, id, "cb" + std::to_string(id));
  agg.finishTick(1'000'000);
  QCOMPARE(watcher.told.size(), TraceAggregator::kLabelRetriesPerTick);
  for (qint64 t = 2; t < 10; ++t) agg.finishTick(t * 1'000'000);
  QCOMPARE(watcher.told.size(), size_t{kEvents});  // each in turn, each once
  for (quint64 id = 1; id <= kEvents; ++id)
    QCOMPARE(agg.row(agg.rowOf(1, id)).label, QString("cb%1").arg(id));
  agg.setObserver(nullptr);
}

// What a program session retires from its label directory: the events each
// ingest() saw freed, that ingest's only.
void TestTraceAggregator::freedEventsOfEachIngestAreListed() {
  TraceAggregator agg;
  const std::vector<TraceRecord> first = {
      transition(1, EventState::Invalid, EventState::NonPending, TraceCause::New, 1'000),
      transition(2, EventState::Invalid, EventState::NonPending, TraceCause::New, 1'100),
      transition(3, EventState::Invalid, EventState::NonPending, TraceCause::New, 1'200),
      transition(2, EventState::NonPending, EventState::Invalid, TraceCause::Free, 1'300),
      transition(1, EventState::NonPending, EventState::Pending, TraceCause::Add, 1'400),
      transition(3, EventState::NonPending, EventState::Invalid, TraceCause::Free, 1'500),
  };
  agg.ingest(1, first.data(), first.size(), nullptr);
  QCOMPARE(agg.freedByLastIngest(), (std::vector<quint64>{2, 3}));
  QCOMPARE(agg.liveEvents(), qint64{1});
  const TraceRecord add = transition(1, EventState::Pending, EventState::Active, TraceCause::ReadyRead, 1'600);
  agg.ingest(1, &add, 1, nullptr);
  QVERIFY(agg.freedByLastIngest().empty());
}

// Buffer records of one connection come in runs (the aggregator remembers the
// last series found): after a closed connection's series aged out and the
// others moved, a record still lands in its own connection's series.
void TestTraceAggregator::bufferRecordsFindTheirSeriesAfterOthersLeave() {
  TraceAggregator agg;
  auto level = [](quint32 owner, qint64 bytes, qint64 tsNs) {
    TraceRecord r{};
    r.type = TraceType::BufferLevel;
    r.eventId = owner;
    r.owner = owner;
    r.fd = static_cast<int32_t>(owner);
    r.buffer = BufferId::Input;
    r.value = bytes;
    r.tsNs = tsNs;
    return r;
  };
  const qint64 t0 = agg.originNs();
  TraceRecord closing = transition(1, EventState::Invalid, EventState::NonPending, TraceCause::New, t0);
  closing.owner = 7;
  TraceRecord staying = transition(2, EventState::Invalid, EventState::NonPending, TraceCause::New, t0);
  staying.owner = 8;
  TraceRecord freed = closing;
  freed.from = EventState::NonPending;
  freed.to = EventState::Invalid;
  freed.cause = TraceCause::Free;
  const std::vector<TraceRecord> records = {closing, staying, level(7, 10, t0), level(8, 20, t0), freed};
  agg.ingest(1, records.data(), records.size(), nullptr);
  QCOMPARE(agg.connections().size(), size_t{2});
  agg.finishTick(t0 + agg.retentionNs() + 2'000'000'000);  // connection 7 ages out; 8 moves
  QCOMPARE(agg.connections().size(), size_t{1});
  QVERIFY(!agg.connection(7));
  const TraceRecord again = level(8, 42, t0 + agg.retentionNs() + 2'100'000'000);
  agg.ingest(1, &again, 1, nullptr);
  QCOMPARE(agg.connections().size(), size_t{1});
  const ConnectionSeries* c = agg.connection(8);
  QVERIFY(c);
  QCOMPARE(c->current[static_cast<size_t>(dataBufferIndex(BufferId::Input))], qint64{42});
}

// Every traced process counts its owner tags from 1, as the app's engine does
// (and forked workers go on from their parent's count): each process's records
// pass through its own ProcessOwnerTags (as ProgramSession does) before the
// aggregator, so two processes' connection 2 and the app's own connection
// are three rows' owners and three series, each with its own levels.
void TestTraceAggregator::processesWithTheSameOwnerTagsKeepTheirOwnConnections() {
  TraceAggregator agg;
  const qint64 t0 = agg.originNs();
  auto created = [&](quint32 owner) {
    TraceRecord r = transition(10, EventState::Invalid, EventState::NonPending, TraceCause::New, t0);
    r.owner = owner;
    return r;
  };
  auto level = [&](quint32 owner, qint64 bytes) { return inputLevel(10, owner, bytes, t0); };
  const quint32 appOwn = allocateOwnerTag();  // the app's engine's connection (session 1)
  const std::vector<TraceRecord> app = {created(appOwn), level(appOwn, 100)};
  agg.ingest(1, app.data(), app.size(), nullptr);
  live::ProcessOwnerTags first, second;
  for (auto [tags, session, bytes] : {std::tuple{&first, 2, 200}, std::tuple{&second, 3, 300}}) {
    // Both processes' connection is their tag 2; the loop record (owner 0) stays 0.
    std::vector<TraceRecord> records = {created(2), level(2, bytes), level(2, bytes + 1)};
    records.push_back(transition(0, EventState::Invalid, EventState::Invalid, TraceCause::None, t0));
    records.back().type = TraceType::WaitBegin;
    tags->translate(records.data(), records.size());
    QVERIFY(records[0].owner != 0 && records[0].owner != 2 && records[0].owner != appOwn);
    QCOMPARE(records[1].owner, records[0].owner);  // one connection, one tag
    QCOMPARE(records[2].owner, records[0].owner);
    QCOMPARE(records[3].owner, quint32{0});
    agg.ingest(session, records.data(), records.size(), nullptr);
  }
  QCOMPARE(first.size(), size_t{1});

  const auto input = static_cast<size_t>(dataBufferIndex(BufferId::Input));
  QCOMPARE(agg.connections().size(), size_t{3});
  std::set<quint32> owners;
  for (int session : {1, 2, 3}) {
    const EventRow& row = agg.row(agg.rowOf(session, 10));
    owners.insert(row.owner);
    const ConnectionSeries* c = agg.connection(row.owner);
    QVERIFY(c);
    QCOMPARE(c->session, session);
    QCOMPARE(c->current[input], qint64{session == 1 ? 100 : session * 100 + 1});
    QVERIFY(agg.ownerAlive(row.owner));
  }
  QCOMPARE(owners.size(), size_t{3});
  QCOMPARE(agg.row(agg.rowOf(1, 10)).owner, appOwn);  // the app's own tags are its own

  // A process's tag keeps its app tag for good: after many more connections,
  // after a tag kSlots later took its slot (a listener outliving 2^18
  // connections), and a tag older than the first one seen (a forked worker's
  // inherited listener) gets one of its own that stays too.
  const auto appTagOf = [](live::ProcessOwnerTags& tags, quint32 processTag) {
    TraceRecord r{};
    r.owner = processTag;
    tags.translate(&r, 1);
    return r.owner;
  };
  const quint32 firstTag2 = agg.row(agg.rowOf(2, 10)).owner;
  QCOMPARE(appTagOf(first, 2), firstTag2);
  std::vector<TraceRecord> many(live::ProcessOwnerTags::kSlots - 100);
  for (size_t i = 0; i < many.size(); ++i) many[i].owner = static_cast<quint32>(i + 100);
  first.translate(many.data(), many.size());
  QCOMPARE(first.size(), many.size() + 1);
  std::set<quint32> distinct;
  for (const TraceRecord& r : many) distinct.insert(r.owner);
  QCOMPARE(distinct.size(), many.size());
  QVERIFY(!distinct.count(firstTag2) && !distinct.count(0));
  const quint32 later = appTagOf(first, 2 + static_cast<quint32>(live::ProcessOwnerTags::kSlots));
  QVERIFY(later != firstTag2 && !distinct.count(later) && later != 0);
  for (int i = 0; i < 3; ++i) {  // (the two take turns: neither is given a new tag)
    QCOMPARE(appTagOf(first, 2), firstTag2);
    QCOMPARE(appTagOf(first, 2 + static_cast<quint32>(live::ProcessOwnerTags::kSlots)), later);
  }
  const quint32 older = appTagOf(first, 1);
  QVERIFY(older != 0 && older != firstTag2 && older != later && !distinct.count(older));
  QCOMPARE(appTagOf(first, 1), older);
  QCOMPARE(appTagOf(first, 150), many[50].owner);
  QCOMPARE(first.size(), many.size() + 3);

  // A long-running server: a listener (its first tag) looked up at every
  // thousandth of three times kSlots connections keeps its app tag, while
  // the closed connections' tags are forgotten (the table stays bounded).
  live::ProcessOwnerTags server;
  const quint32 listener = appTagOf(server, 1);
  for (quint32 connection = 2; connection < 3 * live::ProcessOwnerTags::kSlots; ++connection) {
    appTagOf(server, connection);
    if (connection % 1000 == 0) QCOMPARE(appTagOf(server, 1), listener);
  }
  QCOMPARE(appTagOf(server, 1), listener);
  QVERIFY(server.size() <= live::ProcessOwnerTags::kSlots + live::ProcessOwnerTags::kMoved);
}

// A traced program's bufferevent creates its events (event_new: no owner yet)
// and tags them after: the row takes the owner of the later records, so the
// events table finds the connection's buffers from it; the owner is alive
// until the event is freed.
void TestTraceAggregator::rowCreatedWithoutOwnerTakesItsLaterOwner() {
  TraceAggregator agg;
  const qint64 t0 = agg.originNs();
  const quint32 owner = allocateOwnerTag();
  std::vector<TraceRecord> records = {transition(7, EventState::Invalid, EventState::NonPending, TraceCause::New, t0),
                                      transition(7, EventState::NonPending, EventState::Pending, TraceCause::Add, t0 + 1)};
  records[1].owner = owner;
  records.push_back(inputLevel(7, owner, 64, t0 + 2));
  agg.ingest(1, records.data(), 1, nullptr);
  QCOMPARE(agg.row(agg.rowOf(1, 7)).owner, quint32{0});
  agg.ingest(1, records.data() + 1, records.size() - 1, nullptr);
  const EventRow& row = agg.row(agg.rowOf(1, 7));
  QCOMPARE(row.owner, owner);
  QVERIFY(agg.ownerAlive(owner));
  QVERIFY(agg.connection(row.owner));
  // A later record without an owner does not take it away.
  TraceRecord untagged = transition(7, EventState::Pending, EventState::Active, TraceCause::ReadyRead, t0 + 3);
  agg.ingest(1, &untagged, 1, nullptr);
  QCOMPARE(agg.row(agg.rowOf(1, 7)).owner, owner);
  TraceRecord freed = transition(7, EventState::NonPending, EventState::Invalid, TraceCause::Free, t0 + 4);
  freed.owner = owner;
  agg.ingest(1, &freed, 1, nullptr);
  QVERIFY(!agg.ownerAlive(owner));

  // A snapshot carries the owner too (a replay's resync): a row without one takes it.
  const quint32 other = allocateOwnerTag();
  TraceRecord created = transition(8, EventState::Invalid, EventState::NonPending, TraceCause::New, t0 + 5);
  agg.ingest(1, &created, 1, nullptr);
  QCOMPARE(agg.row(agg.rowOf(1, 8)).owner, quint32{0});
  EventSnapshot live;
  live.id = 8;
  live.owner = other;
  live.kind = EventKind::Io;
  live.fd = 5;
  live.state = EventState::Pending;
  agg.applySnapshot(1, {live}, t0 + 6);
  QCOMPARE(agg.row(agg.rowOf(1, 8)).owner, other);
  QVERIFY(agg.ownerAlive(other));
  agg.applySnapshot(1, {}, t0 + 7);  // (gone from the next one: freed)
  QVERIFY(!agg.ownerAlive(other));
}

// Follow live scrolls with the clock while a session is live; once every session
// ended it stops a moment after the last end (the data stays in the window), and
// a session starting again brings it back to the clock.
void TestTraceAggregator::liveEdgeStopsAfterTheLastSessionEnds() {
  TraceAggregator agg;
  const qint64 t0 = monotonicNowNs();
  QCOMPARE(agg.liveEdgeNs(t0), t0);  // no session: the clock
  EventBase a(tracedOptions());
  EventBase b(tracedOptions());
  Event ea(&a, -1, 0, [](int, short) {});
  Event eb(&b, -1, 0, [](int, short) {});
  drainInto(a, agg, 1);
  drainInto(b, agg, 2);
  const qint64 later = t0 + 100 * kNsPerSec;
  QCOMPARE(agg.liveEdgeNs(later), later);
  agg.endSession(1, t0 + 5 * kNsPerSec);
  QCOMPARE(agg.liveEdgeNs(later), later);  // session 2 is live
  // A view of session 1's events alone stops where it ended.
  QCOMPARE(agg.liveEdgeNs(later, {1}), t0 + 5 * kNsPerSec + TraceAggregator::kLiveEdgeAfterEndNs);
  QCOMPARE(agg.liveEdgeNs(later, {1, 2}), later);
  agg.endSession(2, t0 + 7 * kNsPerSec);
  QCOMPARE(agg.liveEdgeNs(later), t0 + 7 * kNsPerSec + TraceAggregator::kLiveEdgeAfterEndNs);
  QCOMPARE(agg.liveEdgeNs(t0 + 7 * kNsPerSec), t0 + 7 * kNsPerSec);  // never past the clock
  agg.forgetSession(2);
  QCOMPARE(agg.liveEdgeNs(later), t0 + 5 * kNsPerSec + TraceAggregator::kLiveEdgeAfterEndNs);
  EventBase c(tracedOptions());
  Event ec(&c, -1, 0, [](int, short) {});
  drainInto(c, agg, 3);
  QCOMPARE(agg.liveEdgeNs(later), later);
}

// The process ended inside a callback (a crash there): the callback that began
// and never returned shows until the session's end, marked as cut short; one
// that returned is not.
void TestTraceAggregator::callbackRunningAtTheEndIsCutShort() {
  TraceAggregator agg;
  const qint64 t0 = monotonicNowNs();
  const auto callback = [](quint64 id, TraceType type, qint64 tsNs, qint64 value) {
    TraceRecord r{};
    r.type = type;
    r.eventId = id;
    r.kind = EventKind::Timer;
    r.tsNs = tsNs;
    r.value = value;
    return r;
  };
  const TraceRecord records[] = {
      transition(7, EventState::Invalid, EventState::NonPending, TraceCause::New, t0),
      transition(8, EventState::Invalid, EventState::NonPending, TraceCause::New, t0),
      callback(8, TraceType::CallbackBegin, t0 + 5, 0),
      callback(8, TraceType::CallbackEnd, t0 + 25, 20),
      callback(7, TraceType::CallbackBegin, t0 + 10, 0),
  };
  agg.ingest(1, records, std::size(records), nullptr);
  agg.endSession(1, t0 + 1000);
  const EventRow& crashed = agg.row(agg.rowOf(1, 7));
  QVERIFY(crashed.callbackCutShort);
  QCOMPARE(crashed.callbacks.size(), size_t{1});
  QCOMPARE(crashed.callbacks.back().beginNs, t0 + 10);
  QCOMPARE(crashed.callbacks.back().durationNs, qint64{990});
  QCOMPARE(crashed.lastCallbackNs, qint64{990});
  const EventRow& returned = agg.row(agg.rowOf(1, 8));
  QVERIFY(!returned.callbackCutShort);
  QCOMPARE(returned.callbacks.size(), size_t{1});
  QCOMPARE(returned.lastCallbackNs, qint64{20});
}

QTEST_GUILESS_MAIN(TestTraceAggregator)
#include "tst_trace_aggregator.moc"
