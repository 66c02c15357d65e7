// The app as a person drives it: start an echo server and a client through the
// dialogs (clicks and typing), watch the events table, diagram, timeline and
// buffers fill with real data, stop everything (events end invalid). Invalid
// input and engine errors (port in use) are shown and start nothing.
#include <QAbstractButton>
#include <QAction>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QItemSelectionModel>
#include <QTableView>
#include <QToolBar>
#include <QtTest>
#include <qcustomplot.h>

#include "FreshSettings.h"
#include "LoopbackEcho.h"
#include "QuietTimers.h"
#include "model/EventFilterProxy.h"
#include "model/EventTableModel.h"
#include "model/StateColors.h"
#include "widgets/BuffersView.h"
#include "widgets/EventsPanel.h"
#include "widgets/MainWindow.h"
#include "widgets/SessionsPanel.h"
#include "widgets/StateDiagramView.h"
#include "widgets/StatsView.h"
#include "widgets/TimelineView.h"

using namespace rs;
using namespace rs::gui;
using namespace rs::gui::test;

namespace {

void typeInto(QLineEdit* edit, const QString& text) {
  edit->setFocus();
  edit->selectAll();
  QTest::keyClick(edit, Qt::Key_Backspace);
  QTest::keyClicks(edit, text);
}

void typeInto(QSpinBox* spin, int value) {
  spin->setFocus();
  spin->selectAll();
  QTest::keyClicks(spin, QString::number(value));
  QTest::keyClick(spin, Qt::Key_Tab);
}

QPushButton* okButton(QWidget* dialog) {
  return dialog->findChild<QDialogButtonBox*>(QStringLiteral("buttonBox"))->button(QDialogButtonBox::Ok);
}

// The toolbar button a user clicks for one of the window's actions.
QWidget* toolButton(const MainWindow& w, QAction* action) { return w.toolbar()->widgetForAction(action); }

// Clicks the toolbar button of New server (New client); the dialog it opened,
// nullptr when none came (hang guard 5 s).
QWidget* openServerDialog(MainWindow& w) {
  QTest::mouseClick(toolButton(w, w.newServerAction()), Qt::LeftButton);
  return QTest::qWaitFor([&] { return w.serverDialog() != nullptr; }, 5000) ? w.serverDialog() : nullptr;
}
QWidget* openClientDialog(MainWindow& w) {
  QTest::mouseClick(toolButton(w, w.newClientAction()), Qt::LeftButton);
  return QTest::qWaitFor([&] { return w.clientDialog() != nullptr; }, 5000) ? w.clientDialog() : nullptr;
}

// A button's text as read: without the mnemonic '&' and a trailing ellipsis.
QString readable(QString text) {
  text.remove(QLatin1Char('&'));
  text.remove(QChar(0x2026));
  text.remove(QStringLiteral("..."));
  return text.trimmed();
}

int countState(const QAbstractItemModel* m, EventState s) {
  int n = 0;
  for (int r = 0; r < m->rowCount(); ++r)
    if (m->data(m->index(r, 0), EventTableModel::StateRole).toInt() == static_cast<int>(s)) ++n;
  return n;
}

}  // namespace

class TestMainWindow : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void sessionCommandsShowOnce();
  void serverAndClientThroughTheWidgets();
  void invalidInputStartsNothing();
  void portInUseIsReported();
  void formsAndLayoutPersist();
  void closeWhileRunning();
  void fullRingShowsDropsAndResyncs();
};

void TestMainWindow::initTestCase() {
  useFreshSettings(QStringLiteral("tst_main_window"));
}

// New echo server, New client and Stop all: one button each on screen (the
// toolbar's), the same actions as the Session menu's.
void TestMainWindow::sessionCommandsShowOnce() {
  MainWindow w;
  w.resize(1400, 900);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  for (QAction* action : {w.newServerAction(), w.newClientAction(), w.stopAllAction()}) {
    const QString name = readable(action->text());
    int shown = 0;
    for (QAbstractButton* b : w.findChildren<QAbstractButton*>())
      if (b->isVisibleTo(&w) && readable(b->text()) == name) ++shown;
    QVERIFY2(shown == 1, qPrintable(QStringLiteral("%1: %2 buttons").arg(name).arg(shown)));
    QVERIFY(toolButton(w, action) && toolButton(w, action)->isVisibleTo(&w));
  }
}

void TestMainWindow::serverAndClientThroughTheWidgets() {
  MainWindow w;
  w.resize(1400, 900);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  SessionController* ctl = w.controller();

  // New echo server on an ephemeral port.
  QWidget* sd = openServerDialog(w);
  QVERIFY(sd);
  typeInto(sd->findChild<QLineEdit*>(QStringLiteral("bindEdit")), QStringLiteral("127.0.0.1"));
  typeInto(sd->findChild<QLineEdit*>(QStringLiteral("portEdit")), QStringLiteral("0"));
  QVERIFY(okButton(sd)->isEnabled());
  QTest::mouseClick(okButton(sd), Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(ctl->sessionModel()->rowCount(), 1, 10000);
  const int server = ctl->sessionModel()->rows()[0].id;
  QTRY_VERIFY_WITH_TIMEOUT(ctl->sessionModel()->session(server)->status == EngineSession::Status::Running, 20000);
  const uint16_t port = ctl->sessionModel()->session(server)->port;
  QVERIFY(port != 0);

  // New client against it, typed by hand.
  QWidget* cd = openClientDialog(w);
  QVERIFY(cd);
  auto* target = cd->findChild<QComboBox*>(QStringLiteral("targetEdit"));
  typeInto(target->lineEdit(), QStringLiteral("127.0.0.1:%1").arg(port));
  typeInto(cd->findChild<QSpinBox*>(QStringLiteral("connSpin")), 8);
  QVERIFY2(okButton(cd)->isEnabled(), qPrintable(cd->findChild<QLabel*>(QStringLiteral("errorLabel"))->text()));
  QTest::mouseClick(okButton(cd), Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(ctl->sessionModel()->rowCount(), 2, 10000);
  const int client = ctl->sessionModel()->rows()[1].id;
  QTRY_VERIFY_WITH_TIMEOUT(ctl->sessionModel()->session(client)->connections == 8, 30000);
  QTRY_VERIFY_WITH_TIMEOUT(ctl->sessionModel()->session(client)->messages > 0, 30000);

  // The events table shows pending and active rows; the diagram's counts add up
  // to the live events it shows (internal ones hidden in both).
  const QAbstractItemModel* table = w.eventsPanel()->table()->model();
  auto liveInternal = [&] {
    const std::array<int, 4> n = ctl->eventModel()->statesOfKind(EventKind::Internal);
    return n[1] + n[2] + n[3];
  };
  QTRY_VERIFY_WITH_TIMEOUT(countState(table, EventState::Pending) > 0, 30000);
  QTRY_VERIFY_WITH_TIMEOUT(countState(table, EventState::Active) > 0, 60000);
  StateDiagramView* diagram = w.diagram();
  QTRY_VERIFY_WITH_TIMEOUT(diagram->displayedCount(EventState::NonPending) + diagram->displayedCount(EventState::Pending) +
                                   diagram->displayedCount(EventState::Active) ==
                               ctl->aggregator().liveEvents() - liveInternal() &&
                           ctl->aggregator().liveEvents() - liveInternal() ==
                               table->rowCount() - countState(table, EventState::Invalid),
                           30000);
  QVERIFY(ctl->aggregator().liveEvents() > 8 * 2);

  // Buffers: real levels.
  w.showTab(QStringLiteral("buffersPage"));
  QTRY_VERIFY_WITH_TIMEOUT(w.buffers()->pointCount() > 0, 30000);
  // Selecting a connection's event shows that connection's buffers.
  auto* proxy = qobject_cast<EventFilterProxy*>(w.eventsPanel()->table()->model());
  QVERIFY(proxy);
  w.eventsPanel()->table()->setFocus();
  int connRow = -1;
  for (int r = 0; r < proxy->rowCount(); ++r) {
    const auto owner = proxy->data(proxy->index(r, 0), EventTableModel::OwnerRole).toUInt();
    if (owner && ctl->aggregator().connection(owner)) {
      connRow = r;
      break;
    }
  }
  QVERIFY(connRow >= 0);
  w.eventsPanel()->table()->selectRow(connRow);
  QTRY_VERIFY_WITH_TIMEOUT(w.buffers()->connection() != 0 && !w.buffers()->showingAggregate(), 10000);
  QTRY_VERIFY_WITH_TIMEOUT(w.buffers()->pointCount() > 0, 30000);
  // What the Buffers panel plots is that connection's series: per buffer, every
  // retained level plus one point holding the last level up to now, the last
  // one the connection's current level; and traffic shows as bytes somewhere.
  const quint32 shownOwner = w.buffers()->connection();
  auto buffersShowTheConnection = [&](QString* why) {
    const ConnectionSeries* c = ctl->aggregator().connection(shownOwner);
    if (!c) return (*why = QStringLiteral("connection %1 is gone").arg(shownOwner), false);
    for (int b = 0; b < kDataBufferCount; ++b) {
      const auto& ring = c->levels[static_cast<size_t>(b)];
      const QSharedPointer<QCPGraphDataContainer> data = w.buffers()->plot()->graph(b)->data();
      const int expected = ring.empty() ? 0 : static_cast<int>(ring.size()) + 1;
      if (data->size() != expected)
        return (*why = QStringLiteral("buffer %1: %2 points for %3 levels").arg(b).arg(data->size()).arg(ring.size()), false);
      if (!ring.empty() && (data->constEnd() - 1)->value != static_cast<double>(c->current[static_cast<size_t>(b)]))
        return (*why = QStringLiteral("buffer %1: last point %2, current level %3")
                           .arg(b).arg((data->constEnd() - 1)->value).arg(c->current[static_cast<size_t>(b)]), false);
    }
    return true;
  };
  QString buffersWhy;
  QTRY_VERIFY2_WITH_TIMEOUT(buffersShowTheConnection(&buffersWhy), qPrintable(buffersWhy), 10000);
  QTRY_VERIFY_WITH_TIMEOUT(
      [&] {
        for (int b = 0; b < kDataBufferCount; ++b) {
          const auto data = w.buffers()->plot()->graph(b)->data();
          for (auto it = data->constBegin(); it != data->constEnd(); ++it)
            if (it->value > 0) return true;
        }
        return false;
      }(),
      30000);
  QTRY_VERIFY(diagram->hasSelection());
  // RS_SHOT_DIR=dir: keep a picture of what the test saw (for a person's look).
  const QString shots = qEnvironmentVariable("RS_SHOT_DIR");
  if (!shots.isEmpty()) {
    QTest::qWait(1500);
    w.grab().save(shots + QStringLiteral("/test-buffers-selected.png"));
  }

  // Timeline: the selected lane draws real spans.
  w.showTab(QStringLiteral("timelinePage"));
  QTRY_VERIFY_WITH_TIMEOUT(w.timeline()->laneCount() >= 1, 10000);
  QTRY_VERIFY_WITH_TIMEOUT(w.timeline()->drawnSpans() > 0, 30000);
  // The lane is the selected event's, and at the time of each retained
  // transition it shows the state that transition entered.
  {
    const QModelIndexList selected = w.eventsPanel()->table()->selectionModel()->selectedRows();
    QVERIFY(!selected.isEmpty());
    const QModelIndex sel = selected.front();
    const quint64 selId = proxy->data(sel, EventTableModel::KeyRole).toULongLong() & 0xffffffffffffULL;
    const int selRow = ctl->aggregator().rowOf(proxy->data(sel, EventTableModel::SessionRole).toInt(), selId);
    QVERIFY(selRow >= 0);
    const EventRow& e = ctl->aggregator().row(selRow);
    const QString header = w.timeline()->describeAt(w.timeline()->plot()->xAxis->range().upper - 0.01, 0);
    QVERIFY2(header.startsWith(QStringLiteral("#%1 %2 (").arg(e.id).arg(e.label)), qPrintable(header));
    QVERIFY(!e.transitions.empty());
    const double origin = static_cast<double>(ctl->aggregator().originNs());
    for (size_t k = e.transitions.size() >= 3 ? e.transitions.size() - 3 : 0; k < e.transitions.size(); ++k) {
      const TransitionSample& t = e.transitions[k];
      if (k + 1 < e.transitions.size() && e.transitions[k + 1].tsNs == t.tsNs) continue;  // same instant
      const QString at = w.timeline()->describeAt((static_cast<double>(t.tsNs) - origin) / 1e9 + 1e-10, 0);
      QVERIFY2(at.contains(QStringLiteral("\n%1 since").arg(QString::fromLatin1(stateTitle(t.to)))), qPrintable(at));
    }
    // Spans are at least a pixel wide or merged per pixel: never more than the plot's width.
    QVERIFY(w.timeline()->drawnSpans() <=
            static_cast<quint64>(w.timeline()->laneCount()) * static_cast<quint64>(w.timeline()->plot()->width()));
  }
  if (!shots.isEmpty()) w.grab().save(shots + QStringLiteral("/test-timeline-selected.png"));
  w.eventsPanel()->table()->clearSelection();

  // Stats: latency figures from the client's histogram.
  w.showTab(QStringLiteral("statsPage"));
  QTRY_VERIFY_WITH_TIMEOUT(!w.stats()->valueText(QStringLiteral("Latency samples")).startsWith(QLatin1Char('-')) &&
                               w.stats()->valueText(QStringLiteral("Latency samples")) != QStringLiteral("–"),
                           30000);

  // Stop both through their row buttons: every event ends invalid.
  QPushButton* stopClient = w.sessionsPanel()->actionButton(client);
  QPushButton* stopServer = w.sessionsPanel()->actionButton(server);
  QVERIFY(stopClient && stopServer);
  QCOMPARE(stopClient->text(), QStringLiteral("Stop"));
  QTest::mouseClick(stopClient, Qt::LeftButton);
  QTest::mouseClick(stopServer, Qt::LeftButton);
  QTRY_VERIFY_WITH_TIMEOUT(!ctl->anyRunning(), 30000);
  QCOMPARE(ctl->sessionModel()->session(client)->status, EngineSession::Status::Stopped);
  QCOMPARE(ctl->aggregator().liveEvents(), 0);
  QTRY_COMPARE_WITH_TIMEOUT(countState(table, EventState::Invalid), table->rowCount(), 10000);
  QTRY_COMPARE(diagram->displayedCount(EventState::Pending) + diagram->displayedCount(EventState::Active) +
                   diagram->displayedCount(EventState::NonPending),
               0);
  QTRY_COMPARE(w.sessionsPanel()->actionButton(client)->text(), QStringLiteral("Remove"));
  QTest::mouseClick(w.sessionsPanel()->actionButton(client), Qt::LeftButton);
  QTRY_COMPARE(ctl->sessionModel()->rowCount(), 1);
}

void TestMainWindow::invalidInputStartsNothing() {
  MainWindow w;
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  SessionController* ctl = w.controller();

  QWidget* sd = openServerDialog(w);
  QVERIFY(sd);
  auto* error = sd->findChild<QLabel*>(QStringLiteral("errorLabel"));
  typeInto(sd->findChild<QLineEdit*>(QStringLiteral("bindEdit")), QStringLiteral("999.1.1.1"));
  QVERIFY(error->text().contains(QStringLiteral("999.1.1.1")));
  QVERIFY(!okButton(sd)->isEnabled());
  typeInto(sd->findChild<QLineEdit*>(QStringLiteral("bindEdit")), QStringLiteral("127.0.0.1"));
  typeInto(sd->findChild<QLineEdit*>(QStringLiteral("portEdit")), QStringLiteral("99999"));
  QVERIFY(error->text().contains(QStringLiteral("99999")));
  QVERIFY(!okButton(sd)->isEnabled());
  QTest::mouseClick(okButton(sd), Qt::LeftButton);  // disabled: nothing happens
  QTest::keyClick(sd, Qt::Key_Escape);
  QTRY_VERIFY(w.serverDialog() == nullptr);

  QWidget* cd = openClientDialog(w);
  QVERIFY(cd);
  auto* cerror = cd->findChild<QLabel*>(QStringLiteral("errorLabel"));
  auto* target = cd->findChild<QComboBox*>(QStringLiteral("targetEdit"));
  typeInto(target->lineEdit(), QStringLiteral("10.1.2.3:80"));
  QVERIFY2(cerror->text().contains(QStringLiteral("loopback")), qPrintable(cerror->text()));
  QVERIFY(!okButton(cd)->isEnabled());
  typeInto(target->lineEdit(), QStringLiteral("127.0.0.1:"));
  QVERIFY(!cerror->text().isEmpty());
  QVERIFY(!okButton(cd)->isEnabled());
  typeInto(target->lineEdit(), QStringLiteral("127.0.0.1:9"));
  QVERIFY2(okButton(cd)->isEnabled(), qPrintable(cerror->text()));
  QVERIFY(cerror->text().isEmpty());
  QTest::keyClick(cd, Qt::Key_Escape);
  QTRY_VERIFY(w.clientDialog() == nullptr);

  QTest::qWait(200);
  QCOMPARE(ctl->sessionModel()->rowCount(), 0);
  QCOMPARE(ctl->eventModel()->rowCount(), 0);
}

void TestMainWindow::portInUseIsReported() {
  MainWindow w;
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  SessionController* ctl = w.controller();
  const uint16_t port = startListeningServer(*ctl).port;
  QVERIFY(port != 0);

  QWidget* sd = openServerDialog(w);
  QVERIFY(sd);
  typeInto(sd->findChild<QLineEdit*>(QStringLiteral("portEdit")), QString::number(port));
  QTest::mouseClick(okButton(sd), Qt::LeftButton);
  QTRY_COMPARE(ctl->sessionModel()->rowCount(), 2);
  const int second = ctl->sessionModel()->rows()[1].id;
  QTRY_VERIFY_WITH_TIMEOUT(ctl->sessionModel()->session(second)->status == EngineSession::Status::Failed, 20000);
  const QString err = ctl->sessionModel()->session(second)->error;
  QVERIFY2(err.contains(QString::number(port)) && err.contains(QStringLiteral("in use"), Qt::CaseInsensitive),
           qPrintable(err));
  QTRY_VERIFY(w.logView()->toPlainText().contains(err));
  // Nothing half-started: the failed session has no live events left.
  QTRY_VERIFY_WITH_TIMEOUT(ctl->sessionModel()->session(second)->connections == 0, 10000);
  const SessionTraceStats* st = ctl->aggregator().sessionStats(second);
  QTRY_VERIFY_WITH_TIMEOUT((st = ctl->aggregator().sessionStats(second), !st || st->liveEvents == 0), 10000);
  ctl->stopAll();
  QTRY_VERIFY_WITH_TIMEOUT(!ctl->anyRunning(), 30000);
}

void TestMainWindow::formsAndLayoutPersist() {
  {
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QWidget* cd = openClientDialog(w);
    QVERIFY(cd);
    typeInto(cd->findChild<QComboBox*>(QStringLiteral("targetEdit"))->lineEdit(), QStringLiteral("127.0.0.1:1"));
    typeInto(cd->findChild<QSpinBox*>(QStringLiteral("connSpin")), 37);
    QTest::mouseClick(okButton(cd), Qt::LeftButton);  // starts a client (refused: nothing listens on :1)
    QTRY_COMPARE(w.controller()->sessionModel()->rowCount(), 1);
    w.controller()->setRetentionSec(42);
    w.close();  // saves window state and settings
    QTRY_VERIFY_WITH_TIMEOUT(!w.controller()->anyRunning(), 30000);
  }
  MainWindow w2;
  w2.restoreSettings(true);
  QCOMPARE(w2.controller()->retentionSec(), 42.0);
  w2.show();
  QVERIFY(openClientDialog(w2));
  QCOMPARE(w2.clientDialog()->findChild<QSpinBox*>(QStringLiteral("connSpin"))->value(), 37);
  QCOMPARE(w2.clientDialog()->findChild<QComboBox*>(QStringLiteral("targetEdit"))->currentText(), QStringLiteral("127.0.0.1:1"));
  QVERIFY(QSettings().contains(QStringLiteral("window/state")));
}

void TestMainWindow::closeWhileRunning() {
  // Closing the window with live sessions stops them and joins their threads.
  auto w = std::make_unique<MainWindow>();
  w->show();
  SessionController* ctl = w->controller();
  const uint16_t port = startListeningServer(*ctl).port;
  QVERIFY(port != 0);
  const int client = startLoopbackClient(*ctl, port, 4, LoadClientConfig{}.durationSec);
  QTRY_VERIFY_WITH_TIMEOUT(ctl->sessionModel()->session(client)->messages > 0, 30000);
  QVERIFY(w->close());
  w.reset();  // must return (ctest's timeout catches a hang) and not crash
}

// A session whose trace ring is far too small for what it does at start (2000
// timers created and added: 4000 records into 1024 slots): the status bar shows
// exactly the tracer's non-zero drop count, and the snapshot resync that the
// drops trigger brings every timer into the table as pending anyway.
void TestMainWindow::fullRingShowsDropsAndResyncs() {
  constexpr int kTimers = 2000;
  MainWindow w;
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  SessionController* ctl = w.controller();
  const int id = startQuietTimers(*ctl, kTimers, 1024);
  EngineSession* s = ctl->session(id);
  QVERIFY(waitDropped(*s, 4000 - 1024));
  const quint64 dropped = s->dropped();

  // Ticks by hand until the resync has been applied.
  QVERIFY2(QTest::qWaitFor(
               [&] {
                 ctl->tick();
                 return pendingQuietTimers(*ctl, id) == kTimers;
               },
               20000),
           qPrintable(QStringLiteral("%1 of %2 timers pending in the table")
                          .arg(pendingQuietTimers(*ctl, id))
                          .arg(kTimers)));
  QVERIFY(ctl->aggregator().sessionStats(id)->resyncs >= 1);
  // The loop may still drop a few records of its own (waits) after `dropped`
  // was read: the total counts at least those, and the status bar says it.
  const quint64 total = ctl->aggregator().droppedTotal();
  QVERIFY2(total >= dropped, qPrintable(QStringLiteral("%1 < %2").arg(total).arg(dropped)));
  auto* drops = w.findChild<QLabel*>(QStringLiteral("statusDrops"));
  QVERIFY(drops);
  QCOMPARE(drops->text(), QStringLiteral("%1 dropped records").arg(total));
  QVERIFY(ctl->aggregator().sessionStats(id)->liveEvents >= kTimers);
  ctl->stopAll();
  QVERIFY(QTest::qWaitFor(
      [&] {
        ctl->tick();
        return !ctl->anyRunning();
      },
      30000));
}

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
