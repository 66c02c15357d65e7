// Sessions you can see (issue "The first ten minutes"): a new session and a
// failed one are selected and scrolled into view, updates keep the scroll
// position, the panel grows with its dock, "Clear finished" removes what is over,
// a client that finished on its own offers Remove like a stopped one, quitting
// with sessions running asks first (with "Don't ask again"), and a peer's resets
// are counted as resets, not as the server's errors.
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDockWidget>
#include <QHeaderView>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTimer>
#include <QtTest>

#include "FreshSettings.h"
#include "LoopbackEcho.h"
#include "model/SessionController.h"
#include "widgets/MainWindow.h"
#include "widgets/SessionsPanel.h"

using namespace rs;
using namespace rs::gui;
using Status = EngineSession::Status;

namespace {

// A session that only runs its loop until stopped.
EngineSession::CustomWorkload idleWorkload(int n) {
  EngineSession::CustomWorkload w;
  w.title = QStringLiteral("idle %1").arg(n);
  w.start = [](EventBase*, std::string*) { return true; };
  return w;
}

bool rowFullyVisible(QTableView* table, int row) {
  const QModelIndex idx = table->model()->index(row, 0);
  const QRect r = table->visualRect(idx);
  return r.isValid() && table->viewport()->rect().contains(r);
}

int selectedRow(QTableView* table) {
  const QModelIndexList rows = table->selectionModel()->selectedRows();
  return rows.size() == 1 ? rows.front().row() : -1;
}

Status statusOf(SessionController* ctl, int id) {
  const SessionRow* r = ctl->sessionModel()->session(id);
  return r ? r->status : Status::Starting;
}

// Answers the next modal message box from inside its exec(): checks "Don't ask
// again" if asked, clicks the button with this text; *seen says it was there.
void answerNextBox(const QString& button, bool dontAsk, bool* seen) {
  QTimer::singleShot(50, [=] {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    if (!box) {
      answerNextBox(button, dontAsk, seen);  // not open yet
      return;
    }
    *seen = true;
    if (dontAsk) box->checkBox()->setChecked(true);
    for (QAbstractButton* b : box->buttons())
      if (b->text() == button) QTest::mouseClick(b, Qt::LeftButton);
  });
}

}  // namespace

class TestSessionsPanel : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    test::useFreshSettings(QStringLiteral("tst_sessions_panel"));
  }

  void newAndFailedSessionsAreRevealed() {
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    SessionController* ctl = w.controller();
    QTableView* table = w.sessionsPanel()->table();
    // More sessions than the panel shows at once: each new one is selected and
    // in view as it is added.
    const int kSessions = 16;
    for (int i = 0; i < kSessions; ++i) {
      const int id = ctl->startCustom(idleWorkload(i));
      const int row = ctl->sessionModel()->rowOfId(id);
      QCOMPARE(selectedRow(table), row);
      QVERIFY2(rowFullyVisible(table, row), qPrintable(QStringLiteral("session %1 not in view").arg(id)));
    }
    QVERIFY(table->verticalScrollBar()->maximum() > 0);  // the list really overflows

    // Updates keep where the user scrolled to.
    table->verticalScrollBar()->setValue(0);
    table->selectRow(0);
    for (int i = 0; i < 10; ++i) ctl->tick();
    QTest::qWait(300);
    QCOMPARE(table->verticalScrollBar()->value(), 0);
    QCOMPARE(selectedRow(table), 0);

    // A server on a port in use fails: its row is selected and in view, even
    // after the user scrolled away from it.
    const int first = ctl->startServer(EchoServerConfig{});
    QTRY_VERIFY_WITH_TIMEOUT(statusOf(ctl, first) == Status::Running, 20000);
    EchoServerConfig taken;
    taken.port = ctl->sessionModel()->session(first)->port;
    const int failing = ctl->startServer(taken);
    table->verticalScrollBar()->setValue(0);
    table->selectRow(0);
    QTRY_VERIFY_WITH_TIMEOUT(statusOf(ctl, failing) == Status::Failed, 20000);
    const int failedRow = ctl->sessionModel()->rowOfId(failing);
    QCOMPARE(selectedRow(table), failedRow);
    QVERIFY(rowFullyVisible(table, failedRow));
    ctl->stopAll();
    QTRY_VERIFY_WITH_TIMEOUT(!ctl->anyRunning(), 30000);
  }

  // Nothing in the panel caps its height: the dock takes what the window gives
  // (how small the central tabs may get is the window's business).
  void thePanelGrowsWithItsDock() {
    MainWindow w;
    w.resize(1600, 1400);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    auto* dock = w.findChild<QDockWidget*>(QStringLiteral("sessionsDock"));
    QVERIFY(dock);
    QCOMPARE(w.sessionsPanel()->maximumHeight(), QWIDGETSIZE_MAX);
    QTableView* table = w.sessionsPanel()->table();
    QCOMPARE(table->maximumHeight(), QWIDGETSIZE_MAX);
    w.resizeDocks({dock}, {560}, Qt::Vertical);
    QTRY_VERIFY2(table->height() >= 400,
                 qPrintable(QStringLiteral("table %1 px high, central widget at least %2 px")
                                .arg(table->height())
                                .arg(w.centralWidget()->minimumSizeHint().height())));
    const int rowsShown = table->viewport()->height() / table->verticalHeader()->defaultSectionSize();
    QVERIFY2(rowsShown >= 12, qPrintable(QStringLiteral("%1 rows").arg(rowsShown)));
  }

  void clearFinishedRemovesWhatIsOver() {
    MainWindow w;
    w.show();
    SessionController* ctl = w.controller();
    QAction* clear = w.sessionsPanel()->clearFinishedAction();
    QVERIFY(clear && w.findChild<QMenu*>(QStringLiteral("menuSession"))->actions().contains(clear));
    const int running = ctl->startCustom(idleWorkload(1));
    const int stopped = ctl->startCustom(idleWorkload(2));
    QTRY_VERIFY_WITH_TIMEOUT(statusOf(ctl, running) == Status::Running && statusOf(ctl, stopped) == Status::Running,
                             20000);
    QVERIFY(!clear->isEnabled());
    LoadClientConfig refused;  // nothing listens on port 1: the client fails or finishes
    refused.port = 1;
    refused.durationSec = 1;
    const int client = ctl->startClient(refused);
    ctl->stopSession(stopped);
    QTRY_VERIFY_WITH_TIMEOUT(statusOf(ctl, stopped) == Status::Stopped && isOver(statusOf(ctl, client)), 30000);
    QVERIFY(clear->isEnabled());
    clear->trigger();
    QCOMPARE(ctl->sessionModel()->rowCount(), 1);
    QCOMPARE(ctl->sessionModel()->rows().front().id, running);
    QVERIFY(!clear->isEnabled());
    ctl->stopAll();
    QTRY_VERIFY_WITH_TIMEOUT(!ctl->anyRunning(), 30000);
  }

  void aFinishedClientOffersRemoveLikeAStoppedOne() {
    MainWindow w;
    w.show();
    SessionController* ctl = w.controller();
    const test::LoopbackServer server = test::startListeningServer(*ctl);
    QVERIFY(server.port != 0);
    const int client = test::startLoopbackClient(*ctl, server.port, 2, 0.5);
    QTRY_VERIFY_WITH_TIMEOUT(statusOf(ctl, client) == Status::Finished, 30000);
    QPushButton* button = w.sessionsPanel()->actionButton(client);
    QVERIFY(button);
    QTRY_COMPARE(button->text(), QStringLiteral("Remove"));
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(ctl->sessionModel()->rowOfId(client), -1);  // the row goes at once
    ctl->stopSession(server.id);
    QTRY_VERIFY_WITH_TIMEOUT(statusOf(ctl, server.id) == Status::Stopped, 30000);
    QTRY_COMPARE(w.sessionsPanel()->actionButton(server.id)->text(), QStringLiteral("Remove"));
    QTRY_VERIFY_WITH_TIMEOUT(!ctl->anyRunning(), 30000);  // the removed client's loop ended too
    QVERIFY(!ctl->session(client));
  }

  void quittingWithSessionsRunningAsksFirst() {
    QSettings().remove(QLatin1String(MainWindow::kQuitWithoutAskingKey));
    QAction* quit = nullptr;
    {
      MainWindow w;
      w.show();
      QVERIFY(QTest::qWaitForWindowExposed(&w));
      for (QAction* a : w.findChild<QMenu*>(QStringLiteral("menuSession"))->actions())
        if (a->objectName() == QLatin1String("actionQuit")) quit = a;
      QVERIFY(quit);
      // Nothing running: quits without asking.
      quit->trigger();
      QVERIFY(!w.isVisible());
    }
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    SessionController* ctl = w.controller();
    ctl->startCustom(idleWorkload(1));
    quit = w.findChild<QAction*>(QStringLiteral("actionQuit"));
    bool asked = false;
    answerNextBox(QStringLiteral("Cancel"), false, &asked);
    quit->trigger();
    QVERIFY(asked);
    QVERIFY(w.isVisible());  // cancelled: still there, still running
    QVERIFY(ctl->anyRunning());
    asked = false;
    answerNextBox(QStringLiteral("Quit"), true, &asked);
    quit->trigger();
    QVERIFY(asked);
    QVERIFY(!w.isVisible());
    QVERIFY(QSettings().value(QLatin1String(MainWindow::kQuitWithoutAskingKey)).toBool());
    QTRY_VERIFY_WITH_TIMEOUT(!ctl->anyRunning(), 30000);

    // "Don't ask again" holds for the next window.
    MainWindow next;
    next.show();
    next.controller()->startCustom(idleWorkload(2));
    QVERIFY(next.controller()->anyRunning());
    next.findChild<QAction*>(QStringLiteral("actionQuit"))->trigger();
    QVERIFY(!next.isVisible());
    QSettings().remove(QLatin1String(MainWindow::kQuitWithoutAskingKey));
  }

  void aPeerResetIsNotAServerError() {
    MainWindow w;
    w.show();
    SessionController* ctl = w.controller();
    const test::LoopbackServer server = test::startListeningServer(*ctl);
    QVERIFY(server.port != 0);
    LoadClientConfig c = test::loopbackClient(server.port, 4, 2);
    c.fault = LoadClientConfig::Fault::AbortRst;
    c.rstIntervalSec = 0.2;
    const int client = ctl->startClient(c);
    QTRY_VERIFY_WITH_TIMEOUT(isOver(statusOf(ctl, client)), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(ctl->sessionModel()->session(server.id)->resets >= 3, 10000);
    const SessionRow* row = ctl->sessionModel()->session(server.id);
    QCOMPARE(row->errors, quint64{0});
    const QModelIndex totals =
        ctl->sessionModel()->index(ctl->sessionModel()->rowOfId(server.id), SessionListModel::ColTotals);
    const QString text = totals.data().toString();
    QVERIFY2(text.contains(QStringLiteral("0 errors")) && text.contains(QStringLiteral("%1 resets").arg(row->resets)),
             qPrintable(text));
    QVERIFY(totals.data(Qt::ToolTipRole).toString().contains(QStringLiteral("not a server error")));
    ctl->stopAll();
    QTRY_VERIFY_WITH_TIMEOUT(!ctl->anyRunning(), 30000);
  }
};

QTEST_MAIN(TestSessionsPanel)
#include "tst_sessions_panel.moc"
