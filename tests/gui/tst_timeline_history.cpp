// Timelines keep their history (issue 12): one event at 100 000 transitions/s and
// 50 others at 2 000/s each, fed as trace records over a simulated 70 s (no
// wall-clock waits), into a TraceAggregator shown by a real TimelineView. Every
// event keeps >= 60 s of history (decimated when busy), the shown event keeps
// full-resolution spans for the view's whole window, memory stays under the
// stated bound, the view states the retained window and hatches what is not
// retained, and a paused view does not change under the user. Past a small bound,
// the least recently shown events lose their oldest history first (never the
// shown one's).
#include <QLabel>
#include <QtTest>
#include <qcustomplot.h>

#include <algorithm>
#include <climits>
#include <vector>

#include "core/Clock.h"
#include "model/TraceAggregator.h"
#include "widgets/TimelineView.h"

using namespace rs;
using namespace rs::gui;

namespace {

constexpr qint64 kSec = 1'000'000'000;
constexpr qint64 kTickNs = 100'000'000;  // one simulated GUI tick
constexpr quint64 kBusyId = 1;           // 100 000 transitions/s
constexpr int kQuietEvents = 50;         // ids 2..51, 2 000 transitions/s each
constexpr quint64 kShownId = 5;
constexpr qint64 kBusyPeriodNs = 10'000;
constexpr qint64 kQuietPeriodNs = 500'000;

// Feeds the aggregator (and refreshes the view) tick by tick from fromNs to toNs:
// each event alternates pending -> active (ready) -> pending (dispatch) at its
// period, with a callback record for every dispatch.
class Simulation {
 public:
  Simulation(TraceAggregator* agg, TimelineView* view) : agg_(agg), view_(view), t0_(agg->originNs()) {}
  qint64 nowNs() const { return nowNs_; }
  qint64 t0() const { return t0_; }

  void runUntil(qint64 untilNs) {
    while (nowNs_ < untilNs) {
      const qint64 tickEnd = nowNs_ + kTickNs;
      records_.clear();
      emitEvent(kBusyId, kBusyPeriodNs, nowNs_, tickEnd);
      for (int i = 0; i < kQuietEvents; ++i) emitEvent(static_cast<quint64>(2 + i), kQuietPeriodNs, nowNs_, tickEnd);
      agg_->ingest(1, records_.data(), records_.size(), nullptr);
      nowNs_ = tickEnd;
      agg_->finishTick(nowNs_);
      if (view_) view_->refresh(nowNs_);
    }
  }

 private:
  void emitEvent(quint64 id, qint64 periodNs, qint64 fromNs, qint64 toNs) {
    const qint64 offset = static_cast<qint64>(id) * 37;
    for (qint64 n = (fromNs - t0_) / periodNs; t0_ + n * periodNs + offset < toNs; ++n) {
      const qint64 ts = t0_ + n * periodNs + offset;
      if (ts < fromNs) continue;
      TraceRecord r;
      r.type = TraceType::Transition;
      r.eventId = id;
      r.tsNs = ts;
      const bool ready = n % 2 == 0;
      r.from = ready ? EventState::Pending : EventState::Active;
      r.to = ready ? EventState::Active : EventState::Pending;
      r.cause = ready ? TraceCause::ReadyRead : TraceCause::Dispatch;
      records_.push_back(r);
      if (!ready) {
        TraceRecord cb = r;
        cb.type = TraceType::CallbackEnd;
        cb.value = periodNs / 4;
        cb.tsNs = ts + periodNs / 4;
        records_.push_back(cb);
      }
    }
  }

  TraceAggregator* agg_;
  TimelineView* view_;
  qint64 t0_;
  qint64 nowNs_ = t0_;
  std::vector<TraceRecord> records_;
};

// A real TimelineView on a fresh aggregator, shown offscreen, one tick fed.
struct ShownTimeline {
  TraceAggregator agg;
  TimelineView view{&agg};
  Simulation sim{&agg, &view};
  bool start() {
    view.resize(1000, 400);
    view.show();
    if (!QTest::qWaitForWindowExposed(&view)) return false;
    sim.runUntil(sim.t0() + kTickNs);
    return true;
  }
};

size_t transitionsBetween(const EventRow& e, qint64 fromNs, qint64 toNs) {
  size_t n = 0;
  for (size_t i = 0; i < e.transitions.size(); ++i)
    if (e.transitions[i].tsNs >= fromNs && e.transitions[i].tsNs < toNs) ++n;
  return n;
}

double secFromOrigin(const FrameSource& s, qint64 ns) { return static_cast<double>(ns - s.originNs()) / 1e9; }

}  // namespace

class TestTimelineHistory : public QObject {
  Q_OBJECT

 private slots:
  void coarseBucketsSumTheTimeInEachState();
  void everyEventKeepsSixtySecondsUnderLoad();
  void pausedViewDoesNotChange();
  void pastTheBoundTheLeastRecentlyShownLoseHistoryFirst();
  void everyFoldedSampleLandsInItsBucketOnce();
};

void TestTimelineHistory::coarseBucketsSumTheTimeInEachState() {
  CoarseHistory c;
  c.setBucketNs(1'000'000);
  c.addSpan(EventState::Pending, 10'500'000, 12'250'000);  // 0.5 + 1 + 0.25 ms
  c.addSpan(EventState::Active, 12'250'000, 12'500'000);
  QCOMPARE(c.size(), size_t{3});
  QCOMPARE(c.bucketStartNs(0), qint64{10'000'000});
  QCOMPARE(c[0].stateNs[1], 500'000u);
  QCOMPARE(c[1].stateNs[1], 1'000'000u);
  QCOMPARE(c[2].stateNs[1], 250'000u);
  QCOMPARE(c[2].stateNs[2], 250'000u);
  QCOMPARE(c[2].transitions, 1u);
  QCOMPARE(c[2].dominant(), EventState::Pending);  // a tie keeps the first
  // Past its cap the ring stays contiguous and drops the oldest buckets.
  c.setMaxBuckets(16);
  c.addSpan(EventState::NonPending, 12'500'000, 40'000'000);
  QCOMPARE(c.size(), size_t{16});
  QCOMPARE(c.bucketStartNs(15), qint64{39'000'000});
  QCOMPARE(c.firstRecordedNs(), qint64{24'000'000});
  c.dropBefore(30'000'000);
  QCOMPARE(c.bucketStartNs(0), qint64{30'000'000});
}

void TestTimelineHistory::everyEventKeepsSixtySecondsUnderLoad() {
  ShownTimeline shown;
  QVERIFY(shown.start());
  auto& [agg, view, sim] = shown;
  QCOMPARE(agg.retentionNs(), 60 * kSec);  // the README's promise
  QCOMPARE(agg.rowCount(), 1 + kQuietEvents);
  view.setLanes({{1, kShownId}, {1, kBusyId}});  // the selection: shown while we run
  sim.runUntil(sim.t0() + 70 * kSec);
  const qint64 now = sim.nowNs();

  // Every event, busy or not, still has >= 60 s of history.
  for (int row = 0; row < agg.rowCount(); ++row) {
    const EventRow& e = agg.row(row);
    const qint64 retained = now - retainedFromNs(e);
    QVERIFY2(retained >= 60 * kSec, qPrintable(QStringLiteral("event %1 keeps %2 s").arg(e.id).arg(static_cast<double>(retained) / 1e9)));
  }
  // A busy event not shown: full resolution for its recent part, buckets before.
  const EventRow& quiet = agg.row(agg.rowOf(1, 6));
  QVERIFY(!quiet.coarse.empty());
  QVERIFY(now - fullResolutionFromNs(quiet) < 10 * kSec);

  // The shown event keeps every transition of the view's 10 s window.
  const EventRow& selected = agg.row(agg.rowOf(1, kShownId));
  QVERIFY2(now - fullResolutionFromNs(selected) >= 10 * kSec,
           qPrintable(QString::number(static_cast<double>(now - fullResolutionFromNs(selected)) / 1e9)));
  QCOMPARE(transitionsBetween(selected, now - 10 * kSec, now), size_t{10 * kSec / kQuietPeriodNs});

  // Memory stays under the stated bound (96 MiB by default).
  QCOMPARE(agg.historyBudgetBytes(), size_t{96} << 20);
  QVERIFY2(agg.memoryBytes() <= agg.historyBudgetBytes(), qPrintable(QString::number(agg.memoryBytes())));

  // The view states the retained window...
  QVERIFY2(view.retainedSec() >= 60.0, qPrintable(view.retainedText()));
  QVERIFY(view.fullResolutionSec() >= 0.1);
  auto* label = view.findChild<QLabel*>(QStringLiteral("timelineRetained"));
  QVERIFY(label);
  QVERIFY2(label->text().contains(QStringLiteral("s per lane")), qPrintable(label->text()));
  // ...and zoomed to 55-65 s ago (paused), the busy lane shows its decimated past,
  // with the time before the retention hatched and named as not retained.
  view.setPaused(true);
  view.setFollowLive(false);
  const double nowSec = secFromOrigin(agg, now);
  view.plot()->xAxis->setRange(nowSec - 65, nowSec - 55);
  view.plot()->replot(QCustomPlot::rpImmediateRefresh);
  QVERIFY2(view.drawnCoarseSpans() >= 1, qPrintable(QString::number(view.drawnCoarseSpans())));
  QVERIFY(view.drawnNotRetainedLanes() >= 1);
  QVERIFY2(label->text().contains(QStringLiteral("Frozen")), qPrintable(label->text()));
  const QString busyPast = view.describeAt(nowSec - 59, 1);
  QVERIFY2(busyPast.contains(QStringLiteral("summary")) && busyPast.contains(QStringLiteral("transitions")), qPrintable(busyPast));
  QVERIFY2(view.describeAt(nowSec - 64, 1).contains(QStringLiteral("not retained")), qPrintable(view.describeAt(nowSec - 64, 1)));
  // The shown lane, 9 s back: a real transition, not a summary.
  const QString shownPast = view.describeAt(nowSec - 9, 0);
  QVERIFY2(shownPast.contains(QStringLiteral("since")) && !shownPast.contains(QStringLiteral("summary")), qPrintable(shownPast));

  // A lane of an event created just now holds its whole (short) life: the
  // window stated is still the other lanes' (it read "0.0 s per lane").
  {
    TraceRecord born;
    born.type = TraceType::Transition;
    born.eventId = 999;
    born.tsNs = now - 1000;
    born.from = EventState::Invalid;
    born.to = EventState::NonPending;
    born.cause = TraceCause::New;
    agg.ingest(1, &born, 1, nullptr);
    view.setLanes({{1, kShownId}, {1, kBusyId}, {1, 999}});
    view.setPaused(false);  // live again (its figures were frozen with the zoom)
    view.setFollowLive(true);
    view.refresh(now);
    QVERIFY2(view.retainedSec() >= 60.0, qPrintable(view.retainedText()));
    view.setLanes({{1, 999}});  // alone: its whole life is what there is
    view.refresh(now);
    QVERIFY2(view.retainedSec() > 0 && view.retainedSec() < 0.001, qPrintable(view.retainedText()));
  }
}

void TestTimelineHistory::pausedViewDoesNotChange() {
  ShownTimeline shown;
  QVERIFY(shown.start());
  auto& [agg, view, sim] = shown;
  view.setLanes({{1, kBusyId}});
  sim.runUntil(sim.t0() + 3 * kSec);
  view.setPaused(true);
  const double at = secFromOrigin(agg, sim.nowNs()) - 0.01;
  const QString before = view.describeAt(at, 0);
  const QString label = view.retainedText();
  QVERIFY2(before.contains(QStringLiteral("since")), qPrintable(before));
  // 5 s more at 100 000 transitions/s overwrite the busy event's full-resolution ring.
  sim.runUntil(sim.t0() + 8 * kSec);
  QVERIFY(fullResolutionFromNs(agg.row(agg.rowOf(1, kBusyId))) > sim.t0() + 3 * kSec);
  QCOMPARE(view.describeAt(at, 0), before);
  QVERIFY(view.retainedText().startsWith(label.left(20)));
  view.setPaused(false);  // live again: the source's current history
  QVERIFY(view.describeAt(at, 0) != before);
}

void TestTimelineHistory::pastTheBoundTheLeastRecentlyShownLoseHistoryFirst() {
  ShownTimeline shown;
  QVERIFY(shown.start());
  auto& [agg, view, sim] = shown;
  agg.setHistoryBudgetBytes(size_t{3} << 20);  // far less than 51 busy minutes need
  view.setLanes({{1, 7}});                     // shown for a while, then not
  sim.runUntil(sim.t0() + 20 * kSec);
  view.setLanes({{1, kShownId}});
  sim.runUntil(sim.t0() + 70 * kSec);
  const qint64 now = sim.nowNs();
  QVERIFY2(agg.historyBytes() <= agg.historyBudgetBytes(), qPrintable(QString::number(agg.historyBytes())));
  auto retained = [&](quint64 id) { return now - retainedFromNs(agg.row(agg.rowOf(1, id))); };
  // The shown event keeps its whole retention, and its full-resolution window.
  QVERIFY2(retained(kShownId) >= 60 * kSec, qPrintable(QString::number(retained(kShownId))));
  QVERIFY(now - fullResolutionFromNs(agg.row(agg.rowOf(1, kShownId))) >= 10 * kSec);
  // The others paid, the never shown ones first and evenly (halving steps: within
  // a factor of two of each other).
  qint64 least = INT64_MAX, most = 0;
  for (quint64 id = 8; id < 2 + kQuietEvents; ++id) {
    least = std::min(least, retained(id));
    most = std::max(most, retained(id));
  }
  QVERIFY2(most < 60 * kSec && most <= 2 * least + kSec / 10, qPrintable(QStringLiteral("%1 %2").arg(least).arg(most)));
  QVERIFY2(retained(7) > most, qPrintable(QStringLiteral("%1 %2").arg(retained(7)).arg(most)));
}

// However the aggregator folds (chunk size, order, prefetching), the coarse
// buckets hold exactly the samples that left the full-resolution rings, each
// once: a reference CoarseHistory fed every folded sample by hand matches bucket
// for bucket, and the rings hold the newest samples, in order.
void TestTimelineHistory::everyFoldedSampleLandsInItsBucketOnce() {
  TraceAggregator agg;
  const qint64 t0 = agg.originNs();
  std::vector<TraceRecord> transitions, callbacks;
  std::vector<TraceRecord> batch;
  quint64 lcg = 12345;
  auto next = [&](quint64 mod) {
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return (lcg >> 33) % mod;
  };
  qint64 ts = t0 + 123'456;
  constexpr int kTransitions = 60'000;  // ~440 folds of a 4096-sample ring
  for (int n = 0; n < kTransitions; ++n) {
    // Mostly gaps far inside a bucket, now and then one spanning buckets.
    ts += n % 97 == 0 ? 30'000'000 : static_cast<qint64>(1'000 + next(400'000));
    TraceRecord r;
    r.type = TraceType::Transition;
    r.eventId = 1;
    r.tsNs = ts;
    const bool ready = n % 2 == 0;
    r.from = ready ? EventState::Pending : EventState::Active;
    r.to = ready ? EventState::Active : (n % 6 == 5 ? EventState::NonPending : EventState::Pending);
    r.cause = ready ? TraceCause::ReadyRead : TraceCause::Dispatch;
    batch.push_back(r);
    transitions.push_back(r);
    if (n % 3 == 1) {  // fewer callbacks than the ring's half: transitions fold first
      TraceRecord cb = r;
      cb.type = TraceType::CallbackEnd;
      cb.value = static_cast<qint64>(1 + next(5'000));
      cb.tsNs = ts + cb.value;
      batch.push_back(cb);
      callbacks.push_back(cb);
    }
    if (batch.size() >= 1 + next(700)) {  // batches of varied size, as frames come
      agg.ingest(1, batch.data(), batch.size(), nullptr);
      batch.clear();
    }
  }
  agg.ingest(1, batch.data(), batch.size(), nullptr);
  QVERIFY(ts - t0 < agg.retentionNs());  // no maintenance needed: nothing aged out

  const EventRow& e = agg.row(agg.rowOf(1, 1));
  const size_t keptTransitions = e.transitions.size(), keptCallbacks = e.callbacks.size();
  QVERIFY(keptTransitions < transitions.size() / 4 && keptCallbacks < callbacks.size() / 4);
  const size_t foldedTransitions = transitions.size() - keptTransitions;
  const size_t foldedCallbacks = callbacks.size() - keptCallbacks;
  for (size_t i = 0; i < keptTransitions; ++i) {
    const TraceRecord& r = transitions[foldedTransitions + i];
    QCOMPARE(e.transitions[i].tsNs, r.tsNs);
    QCOMPARE(e.transitions[i].to, r.to);
  }
  for (size_t i = 0; i < keptCallbacks; ++i) {
    const TraceRecord& r = callbacks[foldedCallbacks + i];
    QCOMPARE(e.callbacks[i].beginNs, r.tsNs - r.value);
    QCOMPARE(e.callbacks[i].durationNs, r.value);
  }

  CoarseHistory expected;
  expected.setBucketNs(CoarseHistory::bucketNsFor(agg.retentionNs()));
  for (size_t i = 0; i < foldedTransitions; ++i)
    expected.addSpan(transitions[i].to, transitions[i].tsNs, transitions[i + 1].tsNs);
  for (size_t i = 0; i < foldedCallbacks; ++i)
    expected.addCallback(callbacks[i].tsNs - callbacks[i].value, callbacks[i].value);
  QCOMPARE(e.coarse.size(), expected.size());
  QCOMPARE(e.coarse.bucketStartNs(0), expected.bucketStartNs(0));
  for (size_t b = 0; b < expected.size(); ++b) {
    const HistoryBucket &got = e.coarse[b], &want = expected[b];
    QVERIFY2(got.stateNs == want.stateNs && got.transitions == want.transitions && got.callbacks == want.callbacks &&
                 got.callbackNs == want.callbackNs,
             qPrintable(QStringLiteral("bucket %1 differs").arg(b)));
  }
}

QTEST_MAIN(TestTimelineHistory)
#include "tst_timeline_history.moc"
