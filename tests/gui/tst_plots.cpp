// The Buffers and Stats plots read as a user needs them: the Buffers y axis fits
// what its x window shows (it shrinks back after a large level scrolls out) and
// counts bytes in B/KiB/MiB/GiB; the overview's rate lines break where there was
// no data; legends sit outside the data rectangles.
#include <QtTest>
#include <qcustomplot.h>

#include <cmath>

#include "StubFrameSource.h"
#include "widgets/BuffersView.h"
#include "widgets/StatsView.h"

using namespace rs;
using namespace rs::gui;

namespace {

constexpr qint64 kSec = 1'000'000'000;
constexpr quint32 kOwner = 3;

// A frame with one connection whose buffer levels the test writes.
class LevelsFrame final : public test::StubFrameSource {
 public:
  LevelsFrame() {
    ConnectionSeries c;
    c.owner = kOwner;
    c.session = 1;
    c.fd = 8;
    connections_.push_back(std::move(c));
  }
  // A level of every buffer at t seconds after the origin.
  void addLevel(double tSec, qint64 bytes) {
    for (auto& ring : connections_.front().levels) ring.push({origin_ + static_cast<qint64>(tSec * 1e9), bytes});
    connections_.front().lastNs = ns(tSec);
  }
  qint64 ns(double tSec) const { return origin_ + static_cast<qint64>(tSec * 1e9); }

  bool ownerAlive(quint32) const override { return alive; }
  bool alive = true;
  double transitionsPerSec() const override { return 5000; }
};

// The view on screen, showing the frame's connection.
bool showConnection(BuffersView& view) {
  view.resize(900, 400);
  view.show();
  view.setConnection(kOwner);
  return QTest::qWaitForWindowExposed(&view);
}

QStringList tickLabels(QCPAxis* axis) {
  QStringList out;
  for (const QString& l : axis->tickVectorLabels()) out << l;
  return out;
}

}  // namespace

class TestPlots : public QObject {
  Q_OBJECT

 private slots:
  void buffersAxisShrinksBackAndCountsBytes();
  void ratePlotBreaksAtGapsAndLegendsAreOutside();
  void closedConnectionStaysInTheFollowedWindow();
};

void TestPlots::buffersAxisShrinksBackAndCountsBytes() {
  LevelsFrame frame;
  BuffersView view(&frame);
  QVERIFY(showConnection(view));
  // A 5 GiB backlog at 1-2 s, then KB-sized traffic.
  frame.addLevel(1, 5LL << 30);
  frame.addLevel(2, 2048);
  for (int t = 3; t <= 60; ++t) frame.addLevel(t, 1024 + 64 * (t % 8));
  view.refresh(frame.ns(10));
  view.plot()->replot(QCustomPlot::rpImmediateRefresh);
  QVERIFY2(view.plot()->yAxis->range().upper >= 5.0 * (1LL << 30), qPrintable(QString::number(view.plot()->yAxis->range().upper)));
  const QStringList big = tickLabels(view.plot()->yAxis);
  QVERIFY2(big.join(QLatin1Char(' ')).contains(QStringLiteral("GiB")), qPrintable(big.join(QLatin1Char('|'))));
  for (const QString& l : big) QVERIFY2(!l.contains(QLatin1Char('e')), qPrintable(l));  // no 4e9
  QVERIFY(view.plot()->legend->visible());
  QVERIFY(!view.plot()->legend->outerRect().intersects(view.plot()->axisRect()->rect()));  // beside the data

  // 30 s later the backlog has scrolled out of the followed window: the axis fits KiB.
  view.refresh(frame.ns(60));
  view.plot()->replot(QCustomPlot::rpImmediateRefresh);
  const double upper = view.plot()->yAxis->range().upper;
  QVERIFY2(upper < 4096, qPrintable(QString::number(upper)));
  QVERIFY2(upper > 1024 + 64 * 7, qPrintable(QString::number(upper)));
  const QStringList small = tickLabels(view.plot()->yAxis);
  QVERIFY2(small.join(QLatin1Char(' ')).contains(QStringLiteral("KiB")) ||
               small.join(QLatin1Char(' ')).contains(QStringLiteral(" B")),
           qPrintable(small.join(QLatin1Char('|'))));

  // Panned back to the backlog (not following), the axis fits it again.
  view.setFollowLive(false);
  view.plot()->xAxis->setRange(0, 5);
  view.refresh(frame.ns(60));
  QVERIFY(view.plot()->yAxis->range().upper >= 5.0 * (1LL << 30));
}

// Following live, a connection that closed keeps its levels in sight: the window
// ends a moment after its last level instead of scrolling on with the clock.
void TestPlots::closedConnectionStaysInTheFollowedWindow() {
  LevelsFrame frame;
  BuffersView view(&frame);
  QVERIFY(showConnection(view));
  for (int t = 1; t <= 20; ++t) frame.addLevel(t, 100 * t);
  view.refresh(frame.ns(100));  // open: the window is the last 30 s of the clock
  QCOMPARE(view.plot()->xAxis->range().upper, 100.0);
  frame.alive = false;
  view.refresh(frame.ns(100));
  const QCPRange shown = view.plot()->xAxis->range();
  QVERIFY2(shown.contains(20) && shown.contains(1.5) && shown.upper <= 21.5,
           qPrintable(QStringLiteral("%1..%2").arg(shown.lower).arg(shown.upper)));
}

void TestPlots::ratePlotBreaksAtGapsAndLegendsAreOutside() {
  LevelsFrame frame;
  StatsView view(&frame);
  view.resize(1200, 700);
  view.show();
  QVERIFY(QTest::qWaitForWindowExposed(&view));
  view.plotTabs()->setCurrentIndex(1);  // Overview
  // Frames every 33 ms for a second, then none for 5 s (paused), then frames again.
  for (int i = 0; i < 30; ++i) view.refresh(frame.ns(1 + i * 0.033));
  view.setPaused(true);
  for (int i = 0; i < 30; ++i) view.refresh(frame.ns(2 + i * 0.1));
  view.setPaused(false);
  for (int i = 0; i < 30; ++i) view.refresh(frame.ns(7 + i * 0.033));
  QCPGraph* transitions = view.ratePlot()->graph(0);
  int breaks = 0;
  for (auto it = transitions->data()->constBegin(); it != transitions->data()->constEnd(); ++it)
    if (std::isnan(it->value)) {
      ++breaks;
      QVERIFY2(it->key > 1.9 && it->key < 7.1, qPrintable(QString::number(it->key)));
    }
  QCOMPARE(breaks, 1);
  QCOMPARE(view.ratePlot()->graph(1)->dataCount(), transitions->dataCount());

  // Legends: outside the axis rect (they never cover a point).
  for (QCustomPlot* p : {view.ratePlot(), view.distributionPlot()}) {
    p->replot(QCustomPlot::rpImmediateRefresh);
    QVERIFY(p->legend->visible());
    const QRect legend = p->legend->outerRect();
    const QRect data = p->axisRect()->rect();
    QVERIFY2(!legend.intersects(data), qPrintable(p->objectName()));
  }
}

QTEST_MAIN(TestPlots)
#include "tst_plots.moc"
