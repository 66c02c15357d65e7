// The app as a person drives it: start an echo server and a client through the
// dialogs (clicks and typing), watch the events table, diagram, timeline and
// buffers fill with real data, stop everything (events end invalid). Invalid
// input and engine errors (port in use) are shown and start nothing.
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTableView>
#include <QtTest>
#include <qcustomplot.h>

#include "model/EventFilterProxy.h"
#include "model/EventTableModel.h"
#include "widgets/BuffersView.h"
#include "widgets/EventsPanel.h"
#include "widgets/MainWindow.h"
#include "widgets/SessionsPanel.h"
#include "widgets/StateDiagramView.h"
#include "widgets/StatsView.h"
#include "widgets/TimelineView.h"

using namespace rs;
using namespace rs::gui;

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
  void serverAndClientThroughTheWidgets();
  void invalidInputStartsNothing();
  void portInUseIsReported();
  void formsAndLayoutPersist();
  void closeWhileRunning();
};

void TestMainWindow::initTestCase() {
  QCoreApplication::setOrganizationName(QStringLiteral("ReactorScopeTests"));
  QCoreApplication::setApplicationName(QStringLiteral("tst_main_window"));
  QSettings().clear();
}

void TestMainWindow::serverAndClientThroughTheWidgets() {
  MainWindow w;
  w.resize(1400, 900);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  SessionController* ctl = w.controller();

  // New echo server on an ephemeral port.
  QTest::mouseClick(w.sessionsPanel()->newServerButton(), Qt::LeftButton);
  QTRY_VERIFY(w.serverDialog() != nullptr);
  QWidget* sd = w.serverDialog();
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
  QTest::mouseClick(w.sessionsPanel()->newClientButton(), Qt::LeftButton);
  QTRY_VERIFY(w.clientDialog() != nullptr);
  QWidget* cd = w.clientDialog();
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
  // to the live events.
  const QAbstractItemModel* table = w.eventsPanel()->table()->model();
  QTRY_VERIFY_WITH_TIMEOUT(countState(table, EventState::Pending) > 0, 30000);
  QTRY_VERIFY_WITH_TIMEOUT(countState(table, EventState::Active) > 0, 60000);
  StateDiagramView* diagram = w.diagram();
  QTRY_VERIFY_WITH_TIMEOUT(diagram->displayedCount(EventState::NonPending) + diagram->displayedCount(EventState::Pending) +
                                   diagram->displayedCount(EventState::Active) ==
                               ctl->aggregator().liveEvents() &&
                           ctl->aggregator().liveEvents() ==
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
  QVERIFY(!w.timeline()->describeAt(w.timeline()->plot()->xAxis->range().upper - 0.01, 0).isEmpty());
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

  QTest::mouseClick(w.sessionsPanel()->newServerButton(), Qt::LeftButton);
  QTRY_VERIFY(w.serverDialog() != nullptr);
  QWidget* sd = w.serverDialog();
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

  QTest::mouseClick(w.sessionsPanel()->newClientButton(), Qt::LeftButton);
  QTRY_VERIFY(w.clientDialog() != nullptr);
  QWidget* cd = w.clientDialog();
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
  EchoServerConfig c;
  const int first = ctl->startServer(c);
  QTRY_VERIFY_WITH_TIMEOUT(ctl->sessionModel()->session(first)->status == EngineSession::Status::Running, 20000);
  const uint16_t port = ctl->sessionModel()->session(first)->port;

  QTest::mouseClick(w.sessionsPanel()->newServerButton(), Qt::LeftButton);
  QTRY_VERIFY(w.serverDialog() != nullptr);
  QWidget* sd = w.serverDialog();
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
    QTest::mouseClick(w.sessionsPanel()->newClientButton(), Qt::LeftButton);
    QTRY_VERIFY(w.clientDialog() != nullptr);
    QWidget* cd = w.clientDialog();
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
  QTest::mouseClick(w2.sessionsPanel()->newClientButton(), Qt::LeftButton);
  QTRY_VERIFY(w2.clientDialog() != nullptr);
  QCOMPARE(w2.clientDialog()->findChild<QSpinBox*>(QStringLiteral("connSpin"))->value(), 37);
  QCOMPARE(w2.clientDialog()->findChild<QComboBox*>(QStringLiteral("targetEdit"))->currentText(), QStringLiteral("127.0.0.1:1"));
  QVERIFY(QSettings().contains(QStringLiteral("window/state")));
}

void TestMainWindow::closeWhileRunning() {
  // Closing the window with live sessions stops them and joins their threads.
  auto w = std::make_unique<MainWindow>();
  w->show();
  SessionController* ctl = w->controller();
  const int server = ctl->startServer(EchoServerConfig{});
  QTRY_VERIFY_WITH_TIMEOUT(ctl->sessionModel()->session(server)->status == EngineSession::Status::Running, 20000);
  LoadClientConfig cc;
  cc.port = ctl->sessionModel()->session(server)->port;
  cc.connections = 4;
  const int client = ctl->startClient(cc);
  QTRY_VERIFY_WITH_TIMEOUT(ctl->sessionModel()->session(client)->messages > 0, 30000);
  QVERIFY(w->close());
  w.reset();  // must return (ctest's timeout catches a hang) and not crash
}

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
