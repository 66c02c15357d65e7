// The views need nothing but a FrameSource: a canned one (as a recording's replay
// would be) drives the timeline, the buffers view and the stats view with no
// controller, no aggregator and no engine behind it.
#include <QLabel>
#include <QtTest>
#include <qcustomplot.h>

#include <algorithm>

#include "StubFrameSource.h"
#include "widgets/BuffersView.h"
#include "widgets/StatsView.h"
#include "widgets/TimelineView.h"

using namespace rs;
using namespace rs::gui;

namespace {

constexpr qint64 kSec = 1'000'000'000;
constexpr int kServer = 1;
constexpr int kClient = 2;
constexpr quint32 kOwner = 7;

// One frame, fixed: an I/O event of the server that went pending -> active ->
// pending with one callback, its connection's buffer levels, both sessions'
// figures and two log lines. Time 0 is originNs() = 1 s.
class CannedFrame final : public test::StubFrameSource {
 public:
  CannedFrame() {
    EventRow e;
    e.key = 1;
    e.session = kServer;
    e.id = 5;
    e.owner = kOwner;
    e.fd = 9;
    e.label = QStringLiteral("echo conn read 0x1f@/tmp/%3%4/libx.so");  // (a label is text: '%3' stays)
    e.state = EventState::Pending;
    e.transitions.push({origin_ + kSec / 10, EventState::NonPending, EventState::Pending, TraceCause::Add});
    e.transitions.push({origin_ + 2 * kSec, EventState::Pending, EventState::Active, TraceCause::ReadyRead});
    e.transitions.push({origin_ + 3 * kSec, EventState::Active, EventState::Pending, TraceCause::Dispatch});
    e.callbacks.push({origin_ + 2 * kSec + kSec / 2, kSec / 4});
    rows_.push_back(std::move(e));

    ConnectionSeries c;
    c.owner = kOwner;
    c.session = kServer;
    c.fd = 9;
    for (auto& ring : c.levels) {
      ring.push({origin_ + kSec, 100});
      ring.push({origin_ + 2 * kSec, 300});
    }
    connections_.push_back(std::move(c));

    SessionFigures server;
    server.kind = EngineSession::Kind::Server;
    server.status = EngineSession::Status::Running;
    server.bytesPerSec = 2000;
    server.server = EchoServerStats{};
    server.server->memoryBudgetBytes = 4096;
    server.server->bufferedBytes = 1200;
    figures_[kServer] = server;
    SessionFigures client;
    client.kind = EngineSession::Kind::Client;
    client.status = EngineSession::Status::Running;
    client.messagesPerSec = 1500;
    client.bytesPerSec = 3000;
    client.intervals.push_back({0, 1, 1500, 96000, 40'000, 90'000, 150'000, 0});
    client.intervals.push_back({1, 2, 1400, 89600, 41'000, 95'000, 170'000, 2});
    figures_[kClient] = client;
    log_ = {{QDateTime(), LogLevel::Info, kServer, QStringLiteral("#1 running")},
            {QDateTime(), LogLevel::Warning, kClient, QStringLiteral("#2 errors")}};
  }

  // Figures of the trace the stats view shows.
  double transitionsPerSec() const override { return 42; }
  double recordsPerSec() const override { return 84; }
  quint64 droppedTotal() const override { return 3; }
  qint64 liveEvents() const override { return 1; }
  size_t memoryBytes() const override { return 1024; }
};

}  // namespace

class TestFrameSource : public QObject {
  Q_OBJECT

 private slots:
  void timelineDrawsTheCannedSpans();
  void buffersShowTheConnectionAndTheServerBudget();
  void statsShowTheFiguresAndIntervals();
};

void TestFrameSource::timelineDrawsTheCannedSpans() {
  CannedFrame frame;
  TimelineView view(&frame);
  view.resize(900, 400);
  view.show();
  QVERIFY(QTest::qWaitForWindowExposed(&view));
  view.setLanes({{kServer, 5}});
  view.refresh(frame.originNs() + 4 * kSec);
  view.plot()->replot(QCustomPlot::rpImmediateRefresh);
  QCOMPARE(view.drawnSpans(), quint64{3});  // pending, active, pending
  QCOMPARE(view.drawnCallbacks(), quint64{1});
  const QString at = view.describeAt(2.5, 0);
  QVERIFY2(at.contains(QStringLiteral("#5 echo conn read 0x1f@/tmp/%3%4/libx.so (io, fd")) && at.contains(QStringLiteral("callback")),
           qPrintable(at));
}

void TestFrameSource::buffersShowTheConnectionAndTheServerBudget() {
  CannedFrame frame;
  BuffersView view(&frame);
  view.resize(900, 400);
  view.show();
  view.setConnection(kOwner);
  view.refresh(frame.originNs() + 3 * kSec);
  QVERIFY(!view.showingAggregate());
  QCOMPARE(view.pointCount(), 4 * 3);  // two samples per buffer, held up to now
  view.setConnection(0);
  view.setSessions({{kServer, QStringLiteral("#1 server")}});
  view.refresh(frame.originNs() + 3 * kSec);  // no connection: the first session with data
  bool titled = false;
  for (QLabel* l : view.findChildren<QLabel*>()) titled = titled || l->text().contains(QStringLiteral("budget 4.0 KiB"));
  QVERIFY(titled);
}

void TestFrameSource::statsShowTheFiguresAndIntervals() {
  CannedFrame frame;
  StatsView view(&frame);
  view.resize(1200, 700);
  view.show();
  view.refresh(frame.originNs() + 3 * kSec);
  QVERIFY2(view.valueText(StatsView::Figure::Messages).startsWith(QStringLiteral("1.5")),
           qPrintable(view.valueText(StatsView::Figure::Messages)));
  QCOMPARE(view.valueText(StatsView::Figure::Dropped), QStringLiteral("3"));
  QCOMPARE(view.valueText(StatsView::Figure::LiveEvents), QStringLiteral("1"));
  QCOMPARE(view.valueText(StatsView::Figure::Dropped), view.valueText(QStringLiteral("Dropped records")));
  QCPGraph* messages = view.intervalGraph(kClient, StatsView::IntervalSeries::Messages);
  QVERIFY(messages);
  QCOMPARE(messages->dataCount(), 2);
  QVERIFY(!view.intervalGraph(kServer, StatsView::IntervalSeries::Messages));  // servers have no seconds
  QCPGraph* errors = view.intervalGraph(kClient, StatsView::IntervalSeries::Errors);
  QVERIFY(errors->visible());  // the second interval had errors
}

QTEST_MAIN(TestFrameSource)
#include "tst_frame_source.moc"
