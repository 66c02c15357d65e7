// The Stats tab's per-second plot, fed by real load clients against a real echo
// server on loopback: each client session gets its own series (session id in the
// legend) keyed by the engine's interval start times, with plausible messages/s
// and latency; a stopped session's series stays and stops growing, a removed
// one goes; a client whose connects are refused shows its errors.
#include <QTabWidget>
#include <QtTest>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/Clock.h"
#include "model/SessionController.h"
#include "widgets/StatsView.h"

using namespace rs;
using namespace rs::gui;
using Series = StatsView::IntervalSeries;

namespace {

struct Point {
  double key;
  double value;
};

// The graph's points with a value (NaN marks an undefined second or a gap).
QVector<Point> points(const StatsView& view, int session, Series series) {
  QVector<Point> out;
  const QCPGraph* g = view.intervalGraph(session, series);
  if (!g) return out;
  for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
    if (!std::isnan(it->value)) out.push_back({it->key, it->value});
  return out;
}

int pointCount(const StatsView& view, int session) {
  const QCPGraph* g = view.intervalGraph(session, Series::Messages);
  return g ? g->data()->size() : 0;
}

std::optional<double> valueAt(const StatsView& view, int session, Series series, double key) {
  for (const Point& p : points(view, session, series))
    if (p.key == key) return p.value;
  return std::nullopt;
}

// A view driven by the controller's own 30 Hz tick, as in the main window.
struct Fixture {
  SessionController ctl;
  StatsView view{&ctl.frameSource()};
  Fixture() {
    QObject::connect(&ctl, &SessionController::ticked, &view, [this] { view.refresh(monotonicNowNs()); });
    view.resize(1200, 700);
    view.show();
  }
  // ~SessionController stops the sessions and joins their threads.
};

}  // namespace

class TestStatsView : public QObject {
  Q_OBJECT

 private slots:
  void clientIntervalsArePlottedPerSession();
  void refusedConnectsShowAsErrors();
};

void TestStatsView::clientIntervalsArePlottedPerSession() {
  Fixture f;
  StatsView& view = f.view;
  QCOMPARE(view.plotTabs()->currentWidget()->objectName(), QStringLiteral("intervalPage"));
  // Before any client: the pages say what fills them (a traced program or a
  // server alone never does), instead of showing empty axes.
  QVERIFY2(view.intervalHintText().contains("No load client"), qPrintable(view.intervalHintText()));
  view.refresh(monotonicNowNs());
  QVERIFY(view.latencyHintShown());
  const int server = f.ctl.startServer(EchoServerConfig{});
  QTRY_VERIFY_WITH_TIMEOUT(f.ctl.session(server)->shared().status != EngineSession::Status::Starting, 10000);
  QCOMPARE(f.ctl.session(server)->shared().status, EngineSession::Status::Running);
  const uint16_t port = f.ctl.session(server)->shared().port;
  QVERIFY(port != 0);
  LoadClientConfig cc;
  cc.port = port;
  cc.connections = 4;
  cc.durationSec = 120;  // stopped by the test
  const int a = f.ctl.startClient(cc);
  cc.connections = 2;
  const int b = f.ctl.startClient(cc);

  auto hasSeconds = [&](int id, int n) {
    const QVector<Point> msgs = points(view, id, Series::Messages);
    const QVector<Point> p99 = points(view, id, Series::P99);
    return msgs.size() >= n && p99.size() >= n;
  };
  QTRY_VERIFY_WITH_TIMEOUT(hasSeconds(a, 2) && hasSeconds(b, 2), 60000);
  QVERIFY(view.intervalHintText().isEmpty());
  QTRY_VERIFY_WITH_TIMEOUT(!view.latencyHintShown(), 10000);

  for (int id : {a, b}) {
    // One series per session, named after it.
    const QString tag = QStringLiteral("#%1 ").arg(id);
    for (Series s : {Series::Messages, Series::P50, Series::P99, Series::Max, Series::Errors}) {
      QVERIFY(view.intervalGraph(id, s));
      QVERIFY2(view.intervalGraph(id, s)->name().startsWith(tag), qPrintable(view.intervalGraph(id, s)->name()));
    }
    QVERIFY(!view.intervalGraph(id, Series::Errors)->visible());  // no error so far

    // Plausible seconds: messages flow, p50 <= p99 <= max, all positive.
    const QVector<Point> msgs = points(view, id, Series::Messages);
    const QVector<Point> p50 = points(view, id, Series::P50);
    const QVector<Point> p99 = points(view, id, Series::P99);
    const QVector<Point> mx = points(view, id, Series::Max);
    QCOMPARE(p50.size(), p99.size());
    QCOMPARE(mx.size(), p99.size());
    for (const Point& m : msgs) QVERIFY2(m.value > 0, qPrintable(QString::number(m.value)));
    for (qsizetype i = 0; i < p99.size(); ++i) {
      QCOMPARE(p50[i].key, p99[i].key);
      QVERIFY(p50[i].value > 0);
      QVERIFY2(p99[i].value >= p50[i].value, qPrintable(QStringLiteral("%1 < %2").arg(p99[i].value).arg(p50[i].value)));
      QVERIFY(mx[i].value >= p99[i].value);
    }

    // x is the interval's own time: the first second starts at the client's
    // start (0), and every key is an interval start the engine reported.
    QCOMPARE(msgs.front().key, 0.0);
    for (qsizetype i = 1; i < msgs.size(); ++i) QVERIFY(msgs[i].key > msgs[i - 1].key);
    const EngineSession::Shared sh = f.ctl.session(id)->shared();
    int matched = 0;
    for (const IntervalStats& iv : sh.lastIntervals) {
      const std::optional<double> rate = valueAt(view, id, Series::Messages, iv.startSec);
      if (!rate) continue;  // not taken yet (the block may be a round ahead of the view)
      ++matched;
      QCOMPARE(*rate, static_cast<double>(iv.messages) / (iv.endSec - iv.startSec));
      QCOMPARE(valueAt(view, id, Series::P50, iv.startSec).value_or(-1), static_cast<double>(iv.p50Ns) / 1e3);
      QCOMPARE(valueAt(view, id, Series::P99, iv.startSec).value_or(-1), static_cast<double>(iv.p99Ns) / 1e3);
      QCOMPARE(valueAt(view, id, Series::Max, iv.startSec).value_or(-1), static_cast<double>(iv.maxNs) / 1e3);
    }
    QVERIFY2(matched >= 1, "no plotted point is keyed by an interval the engine reported");
    for (size_t j = 1; j < sh.lastIntervals.size(); ++j)
      QCOMPARE(sh.lastIntervals[j].startSec, sh.lastIntervals[j - 1].endSec);  // contiguous seconds
  }
  QVERIFY(view.intervalGraph(a, Series::Messages)->pen().color() != view.intervalGraph(b, Series::Messages)->pen().color());
  const QCPRange x = view.intervalPlot()->axisRects().last()->axis(QCPAxis::atBottom)->range();
  QVERIFY(x.contains(0.0));
  QVERIFY(x.contains(points(view, a, Series::Messages).back().key));

  if (const QString shots = qEnvironmentVariable("RS_SHOT_DIR"); !shots.isEmpty()) {
    view.intervalPlot()->replot();
    view.grab().save(shots + QStringLiteral("/test-stats-intervals.png"));
  }

  // b stops: its series stays (with its final partial second) and stops
  // growing while a's keeps growing.
  f.ctl.stopSession(b);
  QTRY_VERIFY_WITH_TIMEOUT(f.ctl.session(b)->threadDone(), 30000);
  const int aBefore = pointCount(view, a);
  QTRY_VERIFY_WITH_TIMEOUT(pointCount(view, a) >= aBefore + 1, 30000);  // b's last stats were taken by now
  const int bStopped = pointCount(view, b);
  QVERIFY(bStopped >= 2);
  QTRY_VERIFY_WITH_TIMEOUT(pointCount(view, a) >= aBefore + 3, 30000);
  QCOMPARE(pointCount(view, b), bStopped);

  // b removed: its graphs and legend entries go, a's stay.
  const int graphsBefore = view.intervalPlot()->graphCount();
  QTRY_VERIFY_WITH_TIMEOUT((f.ctl.removeSession(b), f.ctl.session(b) == nullptr), 30000);
  QTRY_VERIFY_WITH_TIMEOUT(view.intervalGraph(b, Series::Messages) == nullptr, 10000);
  QCOMPARE(view.intervalPlot()->graphCount(), graphsBefore - StatsView::kIntervalSeriesCount);
  for (int i = 0; i < view.intervalPlot()->graphCount(); ++i)
    QVERIFY(view.intervalPlot()->graph(i)->name().startsWith(QStringLiteral("#%1 ").arg(a)));
  QCOMPARE(view.intervalPlot()->legend->itemCount(), 1);  // a's messages/s
  QVERIFY(view.intervalGraph(a, Series::Messages));
}

void TestStatsView::refusedConnectsShowAsErrors() {
  Fixture f;
  StatsView& view = f.view;
  LoadClientConfig cc;
  cc.fault = LoadClientConfig::Fault::ClosedPort;  // every connect is refused
  cc.connections = 3;
  cc.durationSec = 30;
  const int id = f.ctl.startClient(cc);
  QTRY_VERIFY_WITH_TIMEOUT(view.intervalGraph(id, Series::Errors) && !points(view, id, Series::Errors).isEmpty(), 30000);
  const QCPGraph* errors = view.intervalGraph(id, Series::Errors);
  QTRY_VERIFY_WITH_TIMEOUT(errors->visible(), 10000);
  auto errorSum = [&] {
    double total = 0;
    for (const Point& p : points(view, id, Series::Errors)) total += p.value;
    return total;
  };
  QTRY_COMPARE_WITH_TIMEOUT(errorSum(), 3.0, 30000);  // each of the 3 connects refused once
  QVERIFY(view.intervalPlot()->axisRect()->axis(QCPAxis::atRight)->visible());
  bool inLegend = false;
  for (int i = 0; i < view.intervalPlot()->legend->itemCount(); ++i)
    if (auto* item = qobject_cast<QCPPlottableLegendItem*>(view.intervalPlot()->legend->item(i)))
      inLegend = inLegend || item->plottable() == errors;
  QVERIFY(inLegend);
  // No message was echoed: no latency to show.
  QVERIFY(points(view, id, Series::P50).isEmpty());
}

QTEST_MAIN(TestStatsView)
#include "tst_stats_view.moc"
