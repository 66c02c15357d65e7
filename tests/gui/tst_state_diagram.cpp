// The state diagram view: counts per state, labelled edges with rates and totals,
// the edge of every traced cause, flashing, selection replay, resizing, rendering.
// Set RS_GUI_SNAPSHOT_DIR to also save what the view draws as PNG files.
#include <QElapsedTimer>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QImage>
#include <QPixmap>
#include <QtTest>

#include <algorithm>

#include "widgets/StateDiagramView.h"

using rs::EventState;
using rs::TraceCause;
using rs::gui::DiagramEdge;
using rs::gui::DiagramStats;
using rs::gui::PathStep;
using rs::gui::StateDiagramView;

Q_DECLARE_METATYPE(rs::EventState)
Q_DECLARE_METATYPE(rs::TraceCause)
Q_DECLARE_METATYPE(rs::gui::DiagramEdge)

namespace {

size_t at(DiagramEdge e) { return static_cast<size_t>(e); }
size_t at(EventState s) { return static_cast<size_t>(s); }

DiagramStats busyStats() {
  DiagramStats s;
  s.stateCounts[at(EventState::Invalid)] = 312;
  s.stateCounts[at(EventState::NonPending)] = 40;
  s.stateCounts[at(EventState::Pending)] = 1187;
  s.stateCounts[at(EventState::Active)] = 1;
  s.edgeRate[at(DiagramEdge::Add)] = 3400.0;
  s.edgeTotal[at(DiagramEdge::Add)] = 208420;
  s.edgeRate[at(DiagramEdge::Ready)] = 7.46;
  s.edgeTotal[at(DiagramEdge::Ready)] = 99;
  s.edgeRate[at(DiagramEdge::Free)] = 0.0;
  s.edgeTotal[at(DiagramEdge::Free)] = 1234567;
  return s;
}

std::vector<PathStep> samplePath() {
  std::vector<PathStep> p;
  qint64 t = 5'000'000'000;
  p.push_back({t, EventState::Invalid, EventState::NonPending, TraceCause::New});
  p.push_back({t += 20'000, EventState::NonPending, EventState::Pending, TraceCause::Add});
  p.push_back({t += 5'300'000, EventState::Pending, EventState::Active, TraceCause::ReadyRead});
  p.push_back({t += 12'000, EventState::Active, EventState::Pending, TraceCause::Dispatch});
  return p;
}

void saveSnapshot(QWidget& w, const QString& name) {
  const QByteArray dir = qgetenv("RS_GUI_SNAPSHOT_DIR");
  if (!dir.isEmpty()) w.grab().save(QString::fromLocal8Bit(dir) + QLatin1Char('/') + name);
}

}  // namespace

class TestStateDiagram : public QObject {
  Q_OBJECT

 private slots:
  void initialView();
  void displaysCountsAndEdgeFigures();
  void formatRate_data();
  void formatRate();
  void formatCount_data();
  void formatCount();
  void edgeForEveryCause_data();
  void edgeForEveryCause();
  void flashFadesWithin300ms();
  void widthGrowsWithRate();
  void stateColoursAreDistinct();
  void selectionHighlightsAndReplays();
  void repeatedPathDoesNotRestartReplay();
  void resizeAndRender();
  void stepListHasItsOwnBand();
  void stepListNamesTheEventAndPauses();
  void scopeIsShown();
};

void TestStateDiagram::initialView() {
  StateDiagramView v;
  for (int s = 0; s < 4; ++s) QCOMPARE(v.displayedCount(static_cast<EventState>(s)), 0);
  QCOMPARE(v.nodeCountText(EventState::Pending), QStringLiteral("0 events"));
  QCOMPARE(v.nodeCountText(EventState::Invalid), QStringLiteral("0 freed"));
  QCOMPARE(v.edgeLabelText(DiagramEdge::Add), QStringLiteral("event_add\n0/s · 0 total"));
  QVERIFY(!v.hasSelection());
  QCOMPARE(v.highlightedState(), EventState::Invalid);
  QVERIFY(v.pathListText().isEmpty());
}

void TestStateDiagram::displaysCountsAndEdgeFigures() {
  StateDiagramView v;
  v.setStats(busyStats());
  QCOMPARE(v.displayedCount(EventState::Invalid), 312);
  QCOMPARE(v.displayedCount(EventState::NonPending), 40);
  QCOMPARE(v.displayedCount(EventState::Pending), 1187);
  QCOMPARE(v.displayedCount(EventState::Active), 1);
  QCOMPARE(v.nodeCountText(EventState::Invalid), QStringLiteral("312 freed"));
  QCOMPARE(v.nodeCountText(EventState::Pending), QStringLiteral("1187 events"));
  QCOMPARE(v.nodeCountText(EventState::Active), QStringLiteral("1 event"));

  QCOMPARE(v.edgeLabelText(DiagramEdge::Add), QStringLiteral("event_add\n3.4k/s · 208 420 total"));
  QCOMPARE(v.edgeLabelText(DiagramEdge::Ready),
           QStringLiteral("fd ready / timeout / signal\n7.5/s · 99 total"));
  QCOMPARE(v.edgeLabelText(DiagramEdge::Free), QStringLiteral("event_free\n0/s · 1.23M total"));
  QCOMPARE(v.edgeLabelText(DiagramEdge::New), QStringLiteral("event_new / event_assign\n0/s · 0 total"));
  QCOMPARE(v.edgeRate(DiagramEdge::Add), 3400.0);
  QCOMPARE(v.edgeTotal(DiagramEdge::Free), quint64{1234567});

  // A later tick replaces the figures, it does not accumulate them.
  DiagramStats next = busyStats();
  next.stateCounts[at(EventState::Pending)] = 0;
  next.edgeRate[at(DiagramEdge::Add)] = 0.0;
  v.setStats(next);
  QCOMPARE(v.displayedCount(EventState::Pending), 0);
  QCOMPARE(v.edgeLabelText(DiagramEdge::Add), QStringLiteral("event_add\n0/s · 208 420 total"));
}

void TestStateDiagram::formatRate_data() {
  QTest::addColumn<double>("rate");
  QTest::addColumn<QString>("text");
  QTest::newRow("zero") << 0.0 << "0/s";
  QTest::newRow("negative is zero") << -3.0 << "0/s";
  QTest::newRow("slow") << 0.25 << "0.3/s";
  QTest::newRow("single digits") << 7.46 << "7.5/s";
  QTest::newRow("hundreds") << 312.4 << "312/s";
  QTest::newRow("thousands") << 12345.0 << "12.3k/s";
  QTest::newRow("millions") << 1250000.0 << "1.25M/s";
}

void TestStateDiagram::formatRate() {
  QFETCH(double, rate);
  QFETCH(QString, text);
  QCOMPARE(StateDiagramView::formatRate(rate), text);
}

void TestStateDiagram::formatCount_data() {
  QTest::addColumn<quint64>("count");
  QTest::addColumn<QString>("text");
  QTest::newRow("zero") << quint64{0} << "0";
  QTest::newRow("four digits") << quint64{9999} << "9999";
  QTest::newRow("grouped") << quint64{12345} << "12 345";
  QTest::newRow("grouped with zeros") << quint64{100007} << "100 007";
  QTest::newRow("millions") << quint64{1234567} << "1.23M";
  QTest::newRow("billions") << quint64{4560000000} << "4.56G";
}

void TestStateDiagram::formatCount() {
  QFETCH(quint64, count);
  QFETCH(QString, text);
  QCOMPARE(StateDiagramView::formatCount(count), text);
}

void TestStateDiagram::edgeForEveryCause_data() {
  QTest::addColumn<EventState>("from");
  QTest::addColumn<EventState>("to");
  QTest::addColumn<TraceCause>("cause");
  QTest::addColumn<DiagramEdge>("edge");
  QTest::addColumn<QString>("name");
  const auto row = [](const char* tag, EventState f, EventState t, TraceCause c, DiagramEdge e,
                      const char* n) { QTest::newRow(tag) << f << t << c << e << QString::fromUtf8(n); };
  using S = EventState;
  using C = TraceCause;
  using E = DiagramEdge;
  row("new", S::Invalid, S::NonPending, C::New, E::New, "event_new / event_assign");
  row("add", S::NonPending, S::Pending, C::Add, E::Add, "event_add");
  row("del pending", S::Pending, S::NonPending, C::Del, E::DelPending, "event_del");
  row("ready read", S::Pending, S::Active, C::ReadyRead, E::Ready, "fd ready / timeout / signal");
  row("ready write", S::Pending, S::Active, C::ReadyWrite, E::Ready, "fd ready / timeout / signal");
  row("ready closed", S::Pending, S::Active, C::ReadyClosed, E::Ready, "fd ready / timeout / signal");
  row("timeout", S::Pending, S::Active, C::Timeout, E::Ready, "fd ready / timeout / signal");
  row("signal", S::Pending, S::Active, C::Signal, E::Ready, "fd ready / timeout / signal");
  row("event_active non-pending", S::NonPending, S::Active, C::ManualActivate, E::ManualActivate,
      "event_active");
  row("event_active pending", S::Pending, S::Active, C::ManualActivate, E::ManualActivate,
      "event_active");
  row("timeout on non-pending", S::NonPending, S::Active, C::Timeout, E::ManualActivate,
      "event_active");
  row("dispatch persist", S::Active, S::Pending, C::Dispatch, E::DispatchPersist, "dispatch (PERSIST)");
  row("dispatch once", S::Active, S::NonPending, C::Dispatch, E::DispatchOnce,
      "dispatch (not PERSIST, or not added)");
  row("del active", S::Active, S::NonPending, C::Del, E::DelActive, "event_del");
  row("free", S::NonPending, S::Invalid, C::Free, E::Free, "event_free");
}

void TestStateDiagram::edgeForEveryCause() {
  QFETCH(EventState, from);
  QFETCH(EventState, to);
  QFETCH(TraceCause, cause);
  QFETCH(DiagramEdge, edge);
  QFETCH(QString, name);
  QCOMPARE(rs::gui::diagramEdgeFor(from, to, cause), edge);
  QCOMPARE(StateDiagramView::edgeName(edge), name);

  // One transition along that edge: its label shows it and it alone flashes.
  StateDiagramView v;
  DiagramStats s;
  s.edgeRate[at(edge)] = 1.0;
  s.edgeTotal[at(edge)] = 1;
  s.edgeTick[at(edge)] = 1;
  v.setStats(s);
  QCOMPARE(v.edgeLabelText(edge), name + QStringLiteral("\n1.0/s · 1 total"));
  for (int e = 0; e < rs::gui::kDiagramEdgeCount; ++e) {
    const auto other = static_cast<DiagramEdge>(e);
    QCOMPARE(v.edgeFlash(other) > 0.0, other == edge);
    if (other != edge) QVERIFY(v.edgeLabelText(other).endsWith(QStringLiteral("\n0/s · 0 total")));
  }
}

void TestStateDiagram::flashFadesWithin300ms() {
  StateDiagramView v;
  v.show();
  DiagramStats s;
  s.edgeTick[at(DiagramEdge::Ready)] = 12;
  v.setStats(s);
  // Full at the flash; the fade runs on the clock, so a slow machine (ASan) may
  // already be a millisecond into it when it is read.
  QVERIFY2(v.edgeFlash(DiagramEdge::Ready) > 0.9, qPrintable(QString::number(v.edgeFlash(DiagramEdge::Ready))));
  QCOMPARE(v.edgeFlash(DiagramEdge::Add), 0.0);
  // Fading, not a hard cut: the level only goes down, through intermediate values.
  QElapsedTimer clock;
  clock.start();
  QList<double> seen;
  while (v.edgeFlash(DiagramEdge::Ready) > 0.0 && clock.elapsed() < 3000) {
    QTest::qWait(10);
    seen << v.edgeFlash(DiagramEdge::Ready);
  }
  QCOMPARE(v.edgeFlash(DiagramEdge::Ready), 0.0);
  for (qsizetype i = 1; i < seen.size(); ++i) QVERIFY(seen[i] <= seen[i - 1]);
  // A machine this responsive samples the ~30 Hz fade mid-way (a starved one may not).
  if (clock.elapsed() < 1000)
    QVERIFY(std::any_of(seen.begin(), seen.end(), [](double f) { return f > 0.0 && f < 1.0; }));
  // A tick without transitions does not flash again.
  s.edgeTick[at(DiagramEdge::Ready)] = 0;
  v.setStats(s);
  QCOMPARE(v.edgeFlash(DiagramEdge::Ready), 0.0);
}

void TestStateDiagram::widthGrowsWithRate() {
  StateDiagramView v;
  DiagramStats s;
  s.edgeRate[at(DiagramEdge::Add)] = 10.0;
  s.edgeRate[at(DiagramEdge::Ready)] = 1000.0;
  s.edgeRate[at(DiagramEdge::DispatchPersist)] = 1e9;
  v.setStats(s);
  QVERIFY(v.edgeWidth(DiagramEdge::New) > 0.0);
  QVERIFY(v.edgeWidth(DiagramEdge::Add) > v.edgeWidth(DiagramEdge::New));
  QVERIFY(v.edgeWidth(DiagramEdge::Ready) > v.edgeWidth(DiagramEdge::Add));
  QVERIFY(v.edgeWidth(DiagramEdge::DispatchPersist) <= 8.0);  // capped: stays an arrow
}

void TestStateDiagram::stateColoursAreDistinct() {
  for (int a = 0; a < 4; ++a) {
    QVERIFY(StateDiagramView::stateColor(static_cast<EventState>(a)).isValid());
    for (int b = a + 1; b < 4; ++b)
      QVERIFY(StateDiagramView::stateColor(static_cast<EventState>(a)) !=
              StateDiagramView::stateColor(static_cast<EventState>(b)));
  }
}

void TestStateDiagram::selectionHighlightsAndReplays() {
  StateDiagramView v;
  v.resize(800, 500);
  v.show();
  v.setStats(busyStats());
  v.setSelectedPath(samplePath(), EventState::Pending);
  QVERIFY(v.hasSelection());
  QCOMPARE(v.highlightedState(), EventState::Pending);
  QVERIFY(v.replayRunning());
  QCOMPARE(v.replayEdge(), DiagramEdge::New);  // oldest step first
  const QString list = v.pathListText();
  QVERIFY2(list.contains(QStringLiteral("now pending")), qPrintable(list));
  QVERIFY2(list.contains(QStringLiteral("ready-read")), qPrintable(list));
  QVERIFY2(list.contains(QStringLiteral("dispatch")), qPrintable(list));
  QVERIFY2(list.contains(QStringLiteral("5.320")), qPrintable(list));  // ms from the first step
  QCOMPARE(list.count(QLatin1Char('\n')), 1 + 4);                      // header, note, 4 steps
  saveSnapshot(v, QStringLiteral("state-diagram-selected.png"));

  // The replay walks the path in order and then rests.
  QTRY_COMPARE_WITH_TIMEOUT(v.replayEdge(), DiagramEdge::Ready, 3000);
  QTRY_COMPARE_WITH_TIMEOUT(v.replayEdge(), DiagramEdge::DispatchPersist, 3000);
  QTRY_VERIFY_WITH_TIMEOUT(!v.replayRunning(), 3000);
  QCOMPARE(v.replayEdge(), DiagramEdge::Count);
  QCOMPARE(v.highlightedState(), EventState::Pending);

  v.clearSelection();
  QVERIFY(!v.hasSelection());
  QCOMPARE(v.highlightedState(), EventState::Invalid);
  QVERIFY(v.pathListText().isEmpty());
  QVERIFY(!v.replayRunning());

  // A freed event can be selected: Invalid is highlighted.
  std::vector<PathStep> freed = samplePath();
  freed.push_back({freed.back().tsNs + 1000, EventState::Pending, EventState::NonPending, TraceCause::Del});
  freed.push_back({freed.back().tsNs + 1000, EventState::NonPending, EventState::Invalid, TraceCause::Free});
  v.setSelectedPath(freed, EventState::Invalid);
  QVERIFY(v.hasSelection());
  QCOMPARE(v.highlightedState(), EventState::Invalid);
  QVERIFY(v.pathListText().contains(QStringLiteral("free")));

  // An event with no recorded transitions (e.g. after drops) is still highlighted.
  v.clearSelection();
  v.setSelectedPath({}, EventState::Active);
  QCOMPARE(v.highlightedState(), EventState::Active);
  QVERIFY(!v.replayRunning());
  QVERIFY(v.pathListText().contains(QStringLiteral("no transitions recorded")));

  // Steps that are not diagram edges are listed but not animated.
  v.clearSelection();
  v.setSelectedPath({{1000, EventState::Pending, EventState::Pending, TraceCause::None}}, EventState::Pending);
  QVERIFY(!v.replayRunning());
  QVERIFY(v.pathListText().contains(QStringLiteral("none")));
}

void TestStateDiagram::repeatedPathDoesNotRestartReplay() {
  StateDiagramView v;
  v.show();
  std::vector<PathStep> path = samplePath();
  v.setSelectedPath(path, EventState::Pending);
  QTRY_VERIFY_WITH_TIMEOUT(!v.replayRunning(), 4000);
  // The owner re-sends the same path every tick: nothing to replay.
  v.setSelectedPath(path, EventState::Pending);
  QVERIFY(!v.replayRunning());
  // One new step: only it is replayed.
  path.push_back({path.back().tsNs + 4'000'000, EventState::Pending, EventState::Active, TraceCause::Timeout});
  v.setSelectedPath(path, EventState::Active);
  QVERIFY(v.replayRunning());
  QCOMPARE(v.replayEdge(), DiagramEdge::Ready);
  QCOMPARE(v.highlightedState(), EventState::Active);
  QTRY_VERIFY_WITH_TIMEOUT(!v.replayRunning(), 2000);

  // A long burst is bounded: at most kMaxListedSteps are listed and replayed.
  std::vector<PathStep> burst;
  qint64 t = 1;
  for (int i = 0; i < 500; ++i) {
    burst.push_back({t += 1000, EventState::Pending, EventState::Active, TraceCause::ReadyRead});
    burst.push_back({t += 1000, EventState::Active, EventState::Pending, TraceCause::Dispatch});
  }
  v.setSelectedPath(burst, EventState::Pending);
  QCOMPARE(v.pathListText().count(QLatin1Char('\n')), 1 + StateDiagramView::kMaxListedSteps);
  QTRY_VERIFY_WITH_TIMEOUT(!v.replayRunning(),
                           StateDiagramView::kMaxListedSteps * StateDiagramView::kReplayStepMs + 2000);
}

void TestStateDiagram::resizeAndRender() {
  StateDiagramView v;
  v.setStats(busyStats());
  v.setSelectedPath(samplePath(), EventState::Pending);
  v.show();
  for (const QSize size : {QSize(800, 500), QSize(1600, 1000), QSize(320, 200), QSize(100, 60),
                           QSize(1200, 300), QSize(300, 900), QSize(800, 500)}) {
    v.resize(size);
    QCoreApplication::processEvents();
  }
  QCOMPARE(v.size(), QSize(800, 500));
  QVERIFY(!v.compactLayout());
  // The whole figure fits: the scene is inside the viewport, the drawing inside the
  // scene (item bounding rects carry up to 24 units of margin for strokes).
  const QRectF visible = v.mapToScene(v.viewport()->rect()).boundingRect();
  QVERIFY(visible.contains(v.sceneRect().adjusted(1, 1, -1, -1)));
  QVERIFY(v.sceneRect().contains(v.scene()->itemsBoundingRect().adjusted(24, 24, -24, -24)));

  const QPixmap shot = v.grab();
  QVERIFY(!shot.isNull());
  QCOMPARE(shot.size(), QSize(800, 500));
  // Not a blank canvas: the state colours are drawn.
  const QImage img = shot.toImage();
  int coloured = 0;
  for (int y = 0; y < img.height(); y += 4)
    for (int x = 0; x < img.width(); x += 4)
      if (QColor(img.pixel(x, y)).saturation() > 80) ++coloured;
  QVERIFY2(coloured > 200, qPrintable(QString::number(coloured)));
  saveSnapshot(v, QStringLiteral("state-diagram-800x500.png"));

  // A squarer viewport (a dock) gets the compact arrangement, drawn larger.
  const double wideScale = v.transform().m11();
  v.resize(500, 480);
  QCoreApplication::processEvents();
  QVERIFY(v.compactLayout());
  QVERIFY(v.mapToScene(v.viewport()->rect()).boundingRect().contains(v.sceneRect().adjusted(1, 1, -1, -1)));
  QVERIFY(v.sceneRect().contains(v.scene()->itemsBoundingRect().adjusted(24, 24, -24, -24)));
  QVERIFY(v.transform().m11() > 500.0 / 800.0 * wideScale);
  QCOMPARE(v.displayedCount(EventState::Pending), 1187);
  QVERIFY(v.edgeLabelText(DiagramEdge::Add).contains(QStringLiteral("3.4k/s")));
  saveSnapshot(v, QStringLiteral("state-diagram-500x480.png"));
  v.resize(800, 500);
  QCoreApplication::processEvents();
  QVERIFY(!v.compactLayout());
}

// The step list never covers a label or a state box, in either arrangement, even
// for a long event name and a full list.
void TestStateDiagram::stepListHasItsOwnBand() {
  StateDiagramView v;
  v.setStats(busyStats());
  std::vector<PathStep> path;
  qint64 t = 1'000'000;
  for (int i = 0; i < StateDiagramView::kMaxListedSteps; ++i)
    path.push_back({t += 123'456'789, EventState::NonPending, EventState::Active, TraceCause::ManualActivate});
  v.setSelectedPath(path, EventState::Active,
                    QStringLiteral("#12 echo conn 12345 write (a long name that goes on and on and on) (id 99999)"));
  v.show();
  for (const QSize size : {QSize(1100, 600), QSize(500, 600)}) {
    v.resize(size);
    QCoreApplication::processEvents();
    const QRectF list = v.pathListSceneRect();
    QVERIFY(!list.isEmpty());
    QVERIFY2(v.sceneRect().contains(list), qPrintable(QStringLiteral("%1x%2").arg(size.width()).arg(size.height())));
    for (int e = 0; e < static_cast<int>(DiagramEdge::Count); ++e)
      QVERIFY2(!list.intersects(v.labelSceneRect(static_cast<DiagramEdge>(e))),
               qPrintable(QStringLiteral("%1 at %2 px wide").arg(StateDiagramView::edgeName(static_cast<DiagramEdge>(e))).arg(size.width())));
    for (QGraphicsItem* item : v.scene()->items(list))
      QVERIFY2(item->zValue() != 3, "a state box under the step list");  // boxes are at z 3
  }
}

void TestStateDiagram::stepListNamesTheEventAndPauses() {
  StateDiagramView v;
  v.show();
  v.setSelectedPath(samplePath(), EventState::Pending, QStringLiteral("#2 echo conn 5 read (id 17)"));
  QVERIFY2(v.pathListText().startsWith(QStringLiteral("#2 echo conn 5 read (id 17): now pending")),
           qPrintable(v.pathListText()));
  v.setPaused(true);
  QVERIFY(v.isPaused());
  QVERIFY(v.pathListText().contains(QStringLiteral("(paused)")));
  const QString frozen = v.pathListText();
  // Under load the owner sends a new path every frame: the list stays readable.
  std::vector<PathStep> more = samplePath();
  more.push_back({more.back().tsNs + 1'000'000, EventState::Pending, EventState::Active, TraceCause::ReadyRead});
  v.setSelectedPath(more, EventState::Active, QStringLiteral("#2 echo conn 5 read (id 17)"));
  v.setStats(busyStats());
  v.clearSelection();
  QCOMPARE(v.pathListText(), frozen);
  QCOMPARE(v.highlightedState(), EventState::Pending);
  QCOMPARE(v.displayedCount(EventState::Pending), 0);
  v.setPaused(false);
  v.setSelectedPath(more, EventState::Active, QStringLiteral("#2 echo conn 5 read (id 17)"));
  QVERIFY(v.pathListText().contains(QStringLiteral("now active")));
  QVERIFY(!v.pathListText().contains(QStringLiteral("(paused)")));
}

void TestStateDiagram::scopeIsShown() {
  StateDiagramView v;
  v.setStats(busyStats(), QStringLiteral("Showing the 3 of 40 events the Events tab's filter shows"));
  QVERIFY(v.scopeText().contains(QStringLiteral("3 of 40")));
}

QTEST_MAIN(TestStateDiagram)
#include "tst_state_diagram.moc"
