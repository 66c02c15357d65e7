// The main window as a newcomer meets it: usable at 1024x700 after visiting every
// tab and dock, every events column on screen at 1500 px, a "Getting started" on
// the empty first screen and under Help, a diagram that grows with the window,
// pauses with the plots and counts what the Events tab's filter shows, and a log
// that names the console once.
#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSettings>
#include <QTabWidget>
#include <QTableView>
#include <QTcpServer>
#include <QtTest>

#include "FreshSettings.h"
#include "LoopbackEcho.h"
#include "model/EventFilterProxy.h"
#include "model/EventTableModel.h"
#include "widgets/ConsoleWidget.h"
#include "widgets/EventsPanel.h"
#include "widgets/GettingStarted.h"
#include "widgets/MainWindow.h"
#include "widgets/SessionsPanel.h"
#include "widgets/StateDiagramView.h"
#include "widgets/StatsView.h"

using namespace rs;
using namespace rs::gui;
using namespace rs::gui::test;

namespace {

QString minimumText(const QWidget& w) {
  return QStringLiteral("minimum %1x%2, size %3x%4")
      .arg(w.minimumSizeHint().width())
      .arg(w.minimumSizeHint().height())
      .arg(w.width())
      .arg(w.height());
}

}  // namespace

class TestWindowFit : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void usableAt1024x700();
  void eventsColumnsFitAt1500();
  void gettingStartedOnTheEmptyScreenAndUnderHelp();
  void diagramGrowsWithTheWindow();
  void diagramPausesAndFollowsTheFilter();
  void consoleLinesAreNamedOnce();
  void finishedClientStaysInspectable();
  void sessionsShowThreeRowsAt1280x800();
};

void TestWindowFit::initTestCase() {
  useFreshSettings(QStringLiteral("tst_window_fit"));
}

void TestWindowFit::usableAt1024x700() {
  MainWindow w;
  w.resize(1024, 700);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  // The first start, its Getting started banner above the tabs, fits as well
  // (the Stats pages' plots once made the window 766 px high on a 720 px screen).
  QVERIFY(w.findChild<GettingStartedBanner*>()->isVisible());
  QVERIFY2(w.minimumSizeHint().height() <= 700, qPrintable(QStringLiteral("first start: ") + minimumText(w)));
  QVERIFY(startListeningServer(*w.controller()).port != 0);
  for (const QString& tab : MainWindow::tabNames()) {
    w.showTab(tab + QStringLiteral("Page"));
    QTest::qWait(150);  // a few ticks: long titles (Buffers' memory figures) are set
    if (tab == QLatin1String("stats"))
      for (int page = 0; page < w.stats()->plotTabs()->count(); ++page) {
        w.stats()->plotTabs()->setCurrentIndex(page);
        QTest::qWait(100);
      }
    QVERIFY2(w.minimumSizeHint().width() <= 1024 && w.minimumSizeHint().height() <= 700,
             qPrintable(tab + QStringLiteral(": ") + minimumText(w)));
  }
  for (QDockWidget* dock : w.findChildren<QDockWidget*>()) {
    QVERIFY2(dock->isVisible(), qPrintable(dock->objectName()));
    QVERIFY2(dock->minimumSizeHint().height() < 300, qPrintable(dock->objectName()));
  }
  w.resize(1024, 700);
  QCoreApplication::processEvents();
  QVERIFY2(w.width() <= 1024 && w.height() <= 700, qPrintable(minimumText(w)));
  w.controller()->stopAll();
}

void TestWindowFit::eventsColumnsFitAt1500() {
  MainWindow w;
  w.resize(1500, 950);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  w.showTab(QStringLiteral("eventsPage"));
  QCoreApplication::processEvents();
  QTableView* table = w.eventsPanel()->table();
  const QHeaderView* h = table->horizontalHeader();
  int right = 0;
  for (int c = 0; c < h->count(); ++c) {
    const QString name = table->model()->headerData(c, Qt::Horizontal).toString();
    QVERIFY2(h->sectionSize(c) >= h->fontMetrics().horizontalAdvance(name) + 8, qPrintable(name));  // header readable
    right = std::max(right, h->sectionViewportPosition(c) + h->sectionSize(c));
  }
  QVERIFY2(right <= table->viewport()->width(),
           qPrintable(QStringLiteral("columns end at %1 of %2").arg(right).arg(table->viewport()->width())));
  // A narrower window scrolls the table sideways; the label stays readable.
  w.resize(1024, 700);
  QCoreApplication::processEvents();
  QVERIFY2(h->sectionSize(EventTableModel::ColLabel) >= 150, qPrintable(QString::number(h->sectionSize(EventTableModel::ColLabel))));
}

void TestWindowFit::gettingStartedOnTheEmptyScreenAndUnderHelp() {
  MainWindow w;
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  auto* banner = w.findChild<GettingStartedBanner*>();
  QVERIFY(banner);
  QVERIFY(banner->isVisible());
  QVERIFY(banner->text().contains(QStringLiteral("Getting started")));
  QVERIFY(banner->text().contains(QStringLiteral("Start an echo server")));
  QVERIFY(banner->text().contains(QStringLiteral("Timeline")));
  // All its lines show (as tall as the wrapped text) at 1024x700.
  w.resize(1024, 700);
  QCoreApplication::processEvents();
  auto* text = banner->findChild<QLabel*>();
  QVERIFY2(text->height() >= text->heightForWidth(text->width()),
           qPrintable(QStringLiteral("%1 < %2").arg(text->height()).arg(text->heightForWidth(text->width()))));

  // Its first link opens the New server dialog.
  emit banner->linkActivated(QStringLiteral("newServer"));
  QTRY_VERIFY(w.serverDialog() != nullptr);
  w.serverDialog()->reject();
  QTRY_VERIFY(w.serverDialog() == nullptr);

  // Help has it too, beside About.
  QAction* help = w.findChild<QAction*>(QStringLiteral("actionGettingStarted"));
  QVERIFY(help);
  bool inHelpMenu = false;
  for (QAction* menu : w.menuBar()->actions())
    if (menu->menu() && menu->menu()->actions().contains(help)) inHelpMenu = menu->text().contains(QStringLiteral("Help"));
  QVERIFY(inHelpMenu);
  help->trigger();
  QMessageBox* box = nullptr;
  QTRY_VERIFY((box = w.findChild<QMessageBox*>(QStringLiteral("gettingStartedBox"))) != nullptr);
  QVERIFY(box->text().contains(QStringLiteral("Start a load client")));
  box->close();

  // Once a session exists the banner makes room.
  startLoopbackServer(*w.controller());
  QTRY_VERIFY(!banner->isVisible());
  w.controller()->stopAll();
}

void TestWindowFit::diagramGrowsWithTheWindow() {
  MainWindow w;
  w.resize(1024, 700);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  QCoreApplication::processEvents();
  const double small = w.diagram()->transform().m11();
  w.resize(1920, 1080);
  QCoreApplication::processEvents();
  QCoreApplication::processEvents();
  const double large = w.diagram()->transform().m11();
  QVERIFY2(large > small * 1.4, qPrintable(QStringLiteral("scale %1 -> %2").arg(small).arg(large)));
  // Its text stays legible at 1024x700: the 14-px scene font is drawn at >= 6.5 px.
  QVERIFY2(small * 14 >= 6.5, qPrintable(QString::number(small)));
}

void TestWindowFit::diagramPausesAndFollowsTheFilter() {
  MainWindow w;
  w.resize(1300, 850);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  const int serverId = startLoopbackServer(*w.controller());
  QTRY_VERIFY_WITH_TIMEOUT(w.eventsPanel()->proxy()->rowCount() > 0, 5000);
  QTRY_VERIFY(w.diagram()->scopeText().contains(QStringLiteral("all")));
  QTRY_VERIFY(w.diagram()->displayedCount(EventState::Pending) > 0);

  // A label filter that matches nothing: the boxes count nothing, and say so.
  auto* label = w.eventsPanel()->findChild<QLineEdit*>(QStringLiteral("labelEdit"));
  QVERIFY(label);
  label->setText(QStringLiteral("no such event"));
  QTRY_VERIFY2(w.diagram()->scopeText().contains(QStringLiteral("the 0 of")), qPrintable(w.diagram()->scopeText()));
  QTRY_COMPARE(w.diagram()->displayedCount(EventState::Pending), 0);
  label->clear();
  // The Session filter: its session's transitions on the arrows.
  w.eventsPanel()->proxy()->setSessionFilter(serverId);
  QTRY_VERIFY2(w.diagram()->scopeText().contains(QStringLiteral("session #%1").arg(serverId)),
               qPrintable(w.diagram()->scopeText()));
  QTRY_VERIFY(w.diagram()->displayedCount(EventState::Pending) > 0);

  // Pause plots pauses the diagram too.
  QAction* pause = nullptr;
  for (QAction* a : w.findChildren<QAction*>())
    if (a->objectName() == QLatin1String("actionPause")) pause = a;
  QVERIFY(pause);
  pause->setChecked(true);
  QVERIFY(w.diagram()->isPaused());
  pause->setChecked(false);
  QVERIFY(!w.diagram()->isPaused());
  w.controller()->stopAll();
}

void TestWindowFit::consoleLinesAreNamedOnce() {
  quint16 closedPort = 0;
  {
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    closedPort = probe.serverPort();
  }
  MainWindow w;
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  auto* console = w.findChild<ConsoleWidget*>();
  QVERIFY(console);
  console->setTarget(QStringLiteral("127.0.0.1"), closedPort);
  console->connectToTarget();
  QTRY_VERIFY_WITH_TIMEOUT(w.logView()->toPlainText().contains(QStringLiteral("refused")), 5000);
  const QString log = w.logView()->toPlainText();
  QVERIFY2(log.contains(QStringLiteral("console: connection refused")), qPrintable(log));
  QVERIFY2(!log.contains(QStringLiteral("console: console:")), qPrintable(log));
}

// A client that finished and was stopped keeps its events (and so their
// timelines) in the table until its session is removed.
void TestWindowFit::finishedClientStaysInspectable() {
  MainWindow w;
  w.show();
  SessionController* ctl = w.controller();
  ctl->setKeepFreedSec(0.1);
  const uint16_t port = startListeningServer(*ctl).port;
  QVERIFY(port != 0);
  const int clientId = startLoopbackClient(*ctl, port, 2, 0.3);
  auto clientRows = [&] {
    int n = 0;
    const QAbstractItemModel* m = ctl->eventModel();
    for (int r = 0; r < m->rowCount(); ++r)
      if (m->data(m->index(r, 0), EventTableModel::SessionRole).toInt() == clientId) ++n;
    return n;
  };
  QTRY_VERIFY_WITH_TIMEOUT(clientRows() > 0, 5000);
  auto clientRowsAlive = [&] {
    int n = 0;
    const QAbstractItemModel* m = ctl->eventModel();
    for (int r = 0; r < m->rowCount(); ++r)
      if (m->data(m->index(r, 0), EventTableModel::SessionRole).toInt() == clientId &&
          m->data(m->index(r, 0), EventTableModel::StateRole).toInt() != static_cast<int>(EventState::Invalid))
        ++n;
    return n;
  };
  // The run ends by itself (0.3 s); stopped, its loop ends and all its events end freed.
  QTRY_VERIFY_WITH_TIMEOUT(ctl->session(clientId)->shared().status == EngineSession::Status::Finished, 10000);
  ctl->stopSession(clientId);
  QTRY_COMPARE_WITH_TIMEOUT(clientRowsAlive(), 0, 10000);
  QTest::qWait(1500);  // well past the keep time and the table's pruning period
  const int kept = clientRows();
  QVERIFY(kept > 0);
  QTest::qWait(500);
  QCOMPARE(clientRows(), kept);
  // Removed, its rows go.
  ctl->removeSession(clientId);
  QTRY_COMPARE_WITH_TIMEOUT(clientRows(), 0, 5000);
  ctl->stopAll();
}

// A laptop's 1280x800 (the app fits its window to 95 % of the screen) with a
// server and a client running: the Sessions dock shows at least three rows (the
// selected client's row hides no other), and the Events table keeps at least eight.
void TestWindowFit::sessionsShowThreeRowsAt1280x800() {
  MainWindow w;
  w.resize(1280 * 95 / 100, 800 * 95 / 100);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  SessionController* ctl = w.controller();
  const uint16_t port = startListeningServer(*ctl).port;
  QVERIFY(port != 0);
  startLoopbackClient(*ctl, port, 1, 2);
  QTRY_COMPARE(ctl->sessionModel()->rowCount(), 2);
  QTRY_VERIFY(!w.findChild<GettingStartedBanner*>()->isVisible());
  const QTableView* sessions = w.sessionsPanel()->table();
  const QTableView* events = w.eventsPanel()->table();
  const auto rowsShown = [](const QTableView* t) { return t->viewport()->height() / t->verticalHeader()->defaultSectionSize(); };
  const auto shown = [&] {
    return QStringLiteral("sessions: %1 rows (%2 px), events: %3 rows (%4 px)")
        .arg(rowsShown(sessions)).arg(sessions->viewport()->height())
        .arg(rowsShown(events)).arg(events->viewport()->height());
  };
  // (Laid out once the banner's room is handed on: a bounded wait, not a timing.)
  QTRY_VERIFY2(rowsShown(sessions) >= 3, qPrintable(shown()));
  QVERIFY2(rowsShown(events) >= 8, qPrintable(shown()));
  qInfo("%s", qPrintable(shown()));

  // A layout the user saved (the dock shrunk to one row) stays theirs: restored, not grown.
  auto* dock = w.findChild<QDockWidget*>(QStringLiteral("sessionsDock"));
  const int rowPx = sessions->verticalHeader()->defaultSectionSize();
  w.resizeDocks({dock}, {dock->height() - (rowsShown(sessions) - 1) * rowPx}, Qt::Vertical);
  QTRY_COMPARE(rowsShown(sessions), 1);
  w.saveSettings();
  MainWindow again;
  again.restoreSettings(true);
  again.show();
  QVERIFY(QTest::qWaitForWindowExposed(&again));
  startLoopbackServer(*again.controller());
  QTRY_VERIFY(!again.findChild<GettingStartedBanner*>()->isVisible());
  for (int i = 0; i < 5; ++i) QCoreApplication::processEvents();  // a growth would be laid out by now
  QCOMPARE(rowsShown(again.sessionsPanel()->table()), 1);
  again.controller()->stopAll();
  QSettings().clear();
  ctl->stopAll();
}

QTEST_MAIN(TestWindowFit)
#include "tst_window_fit.moc"
