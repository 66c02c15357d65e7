// Find one connection (issue "The first ten minutes"): connections are numbered
// per session (every client's first connection is "load conn 1"), the Owner
// filter matches a substring of "tag name" and offers the owners in the table
// now, every event row has a context menu (Show in Timeline, Show in Buffers,
// Pin: pinned events stay in the timeline), and the tool's own internal events
// are hidden behind one toggle, with the count line saying so.
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QtTest>

#include "FreshSettings.h"
#include "model/EventFilterProxy.h"
#include "model/EventTableModel.h"
#include "widgets/BuffersView.h"
#include "widgets/EventsPanel.h"
#include "widgets/MainWindow.h"
#include "widgets/TimelineView.h"

using namespace rs;
using namespace rs::gui;
using Status = EngineSession::Status;

namespace {

Status statusOf(SessionController* ctl, int id) {
  const SessionRow* r = ctl->sessionModel()->session(id);
  return r ? r->status : Status::Starting;
}

// Proxy rows (what the table shows) whose label is exactly this.
int proxyRowOf(const QAbstractItemModel* proxy, int session, const QString& label) {
  for (int r = 0; r < proxy->rowCount(); ++r)
    if (proxy->data(proxy->index(r, EventTableModel::ColLabel)).toString() == label &&
        proxy->data(proxy->index(r, 0), EventTableModel::SessionRole).toInt() == session)
      return r;
  return -1;
}

int countKind(const QAbstractItemModel* m, EventKind kind) {
  int n = 0;
  for (int r = 0; r < m->rowCount(); ++r)
    if (m->data(m->index(r, 0), EventTableModel::KindRole).toInt() == static_cast<int>(kind)) ++n;
  return n;
}

QAction* menuAction(QMenu* menu, const char* name) {
  for (QAction* a : menu->actions())
    if (a->objectName() == QLatin1String(name)) return a;
  return nullptr;
}

QString currentTab(const MainWindow& w) {
  return w.findChild<QTabWidget*>(QStringLiteral("tabs"))->currentWidget()->objectName();
}

}  // namespace

class TestFindConnection : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    test::useFreshSettings(QStringLiteral("tst_find_connection"));
  }

  void findOneConnection() {
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    SessionController* ctl = w.controller();
    EventsPanel* panel = w.eventsPanel();
    const QAbstractItemModel* proxy = panel->table()->model();
    const int server = ctl->startServer(EchoServerConfig{});
    QTRY_VERIFY_WITH_TIMEOUT(statusOf(ctl, server) == Status::Running, 20000);
    LoadClientConfig c;
    c.port = ctl->sessionModel()->session(server)->port;
    c.connections = 3;
    c.durationSec = 30;
    c.rate = 20;
    c.loopMode = LoadClientConfig::LoopMode::Open;
    const int first = ctl->startClient(c);
    const int second = ctl->startClient(c);

    // Numbered per session: both clients have their "load conn 1..3", the server
    // its "echo conn 1..6".
    for (int client : {first, second})
      for (int n = 1; n <= 3; ++n)
        QTRY_VERIFY2_WITH_TIMEOUT(proxyRowOf(proxy, client, QStringLiteral("load conn %1 read").arg(n)) >= 0,
                                  qPrintable(QStringLiteral("#%1 load conn %2").arg(client).arg(n)), 20000);
    for (int n = 1; n <= 6; ++n)
      QTRY_VERIFY_WITH_TIMEOUT(proxyRowOf(proxy, server, QStringLiteral("echo conn %1 read").arg(n)) >= 0, 20000);
    QCOMPARE(proxyRowOf(proxy, first, QStringLiteral("load conn 4 read")), -1);

    // Internal events are hidden by default, and the count line says how many.
    auto* showInternal = panel->findChild<QCheckBox*>(QStringLiteral("showInternalCheck"));
    QVERIFY(showInternal && !showInternal->isChecked());
    QCOMPARE(countKind(proxy, EventKind::Internal), 0);
    const int internal = countKind(ctl->eventModel(), EventKind::Internal);
    QVERIFY(internal >= 3);  // at least each loop's wakeup event
    QTRY_VERIFY(panel->findChild<QLabel*>(QStringLiteral("countLabel"))->text().contains(QStringLiteral("internal hidden")));
    showInternal->setChecked(true);
    QVERIFY(countKind(proxy, EventKind::Internal) >= 3);
    showInternal->setChecked(false);
    QCOMPARE(countKind(proxy, EventKind::Internal), 0);

    // The Owner filter: a substring of "tag name"; its choices follow the table.
    auto* owner = panel->findChild<QComboBox*>(QStringLiteral("ownerCombo"));
    QVERIFY(owner && owner->isEditable());
    QTRY_VERIFY_WITH_TIMEOUT(owner->findText(QStringLiteral("load conn 3 "), Qt::MatchContains) >= 0, 5000);
    owner->setEditText(QStringLiteral("load conn 2"));
    QVERIFY(proxy->rowCount() > 0);
    for (int r = 0; r < proxy->rowCount(); ++r)
      QVERIFY(proxy->data(proxy->index(r, EventTableModel::ColLabel)).toString().startsWith(QStringLiteral("load conn 2 ")));
    const int third = ctl->startClient([&] {
      LoadClientConfig more = c;
      more.connections = 5;
      return more;
    }());
    QTRY_VERIFY_WITH_TIMEOUT(owner->findText(QStringLiteral("load conn 5 "), Qt::MatchContains) >= 0, 20000);
    QCOMPARE(owner->currentText(), QStringLiteral("load conn 2"));  // the user's text stays
    owner->setEditText(QString());

    // Context menu: Show in Timeline selects the event and opens the Timeline.
    const int readRow = proxyRowOf(proxy, first, QStringLiteral("load conn 2 read"));
    QVERIFY(readRow >= 0);
    std::unique_ptr<QMenu> menu(panel->contextMenuFor(readRow));
    QVERIFY(menuAction(menu.get(), "showInTimeline") && menuAction(menu.get(), "showInBuffers") &&
            menuAction(menu.get(), "pin"));
    menuAction(menu.get(), "showInTimeline")->trigger();
    QCOMPARE(currentTab(w), QStringLiteral("timelinePage"));
    QCOMPARE(panel->selectedEvents().size(), size_t{1});
    QCOMPARE(proxy->data(panel->table()->selectionModel()->selectedRows().front().siblingAtColumn(EventTableModel::ColLabel)).toString(),
             QStringLiteral("load conn 2 read"));

    // Show in Buffers: the connection's buffers (a timer has none to show).
    const quint32 connOwner = proxy->data(proxy->index(readRow, 0), EventTableModel::OwnerRole).toUInt();
    QTRY_VERIFY_WITH_TIMEOUT(proxy->data(proxy->index(proxyRowOf(proxy, first, QStringLiteral("load conn 2 read")), 0),
                                         EventTableModel::ConnectionRole).toBool(), 10000);
    menu.reset(panel->contextMenuFor(proxyRowOf(proxy, first, QStringLiteral("load conn 2 read"))));
    QVERIFY(menuAction(menu.get(), "showInBuffers")->isEnabled());
    menuAction(menu.get(), "showInBuffers")->trigger();
    QCOMPARE(currentTab(w), QStringLiteral("buffersPage"));
    QCOMPARE(w.buffers()->connection(), connOwner);
    const int timerRow = proxyRowOf(proxy, first, QStringLiteral("load client interval"));
    QVERIFY(timerRow >= 0);
    menu.reset(panel->contextMenuFor(timerRow));
    QVERIFY(!menuAction(menu.get(), "showInBuffers")->isEnabled());

    // Pin: the pinned event stays in the timeline when another is selected.
    menu.reset(panel->contextMenuFor(proxyRowOf(proxy, first, QStringLiteral("load conn 2 read"))));
    menuAction(menu.get(), "pin")->trigger();
    QVERIFY(proxy->data(proxy->index(proxyRowOf(proxy, first, QStringLiteral("load conn 2 read")), 0),
                        EventTableModel::PinnedRole).toBool());
    QVERIFY(panel->selectEvent(server, proxy->data(proxy->index(proxyRowOf(proxy, server, QStringLiteral("echo conn 1 read")),
                                                                EventTableModel::ColId)).toULongLong()));
    QCOMPARE(w.timeline()->laneCount(), 2);  // the pinned one and the selected one
    menu.reset(panel->contextMenuFor(proxyRowOf(proxy, first, QStringLiteral("load conn 2 read"))));
    QCOMPARE(menuAction(menu.get(), "pin")->text(), QStringLiteral("Unpin"));
    menuAction(menu.get(), "pin")->trigger();
    QCOMPARE(w.timeline()->laneCount(), 1);

    // Ends and peer: the client connection shows "local → peer", and Show peer
    // selects the server's connection with the same 4-tuple swapped.
    int row = proxyRowOf(proxy, first, QStringLiteral("load conn 2 read"));
    QTRY_VERIFY_WITH_TIMEOUT(
        (row = proxyRowOf(proxy, first, QStringLiteral("load conn 2 read")),
         proxy->data(proxy->index(row, EventTableModel::ColEnds)).toString().contains(QStringLiteral(" → "))),
        10000);
    const QStringList clientEnds = proxy->data(proxy->index(row, EventTableModel::ColEnds)).toString().split(QStringLiteral(" → "));
    QCOMPARE(clientEnds.size(), 2);
    QCOMPARE(clientEnds[1], QStringLiteral("127.0.0.1:%1").arg(c.port));
    menu.reset(panel->contextMenuFor(row));
    QAction* showPeer = menuAction(menu.get(), "showPeer");
    QTRY_VERIFY_WITH_TIMEOUT((menu.reset(panel->contextMenuFor(proxyRowOf(proxy, first, QStringLiteral("load conn 2 read")))),
                              showPeer = menuAction(menu.get(), "showPeer"), showPeer->isEnabled()),
                             10000);
    showPeer->trigger();
    const QModelIndexList sel = panel->table()->selectionModel()->selectedRows();
    QCOMPARE(sel.size(), 1);
    const QString peerLabel = proxy->data(sel.front().siblingAtColumn(EventTableModel::ColLabel)).toString();
    QVERIFY2(peerLabel.startsWith(QStringLiteral("echo conn ")) && peerLabel.endsWith(QStringLiteral(" read")), qPrintable(peerLabel));
    QCOMPARE(proxy->data(sel.front(), EventTableModel::SessionRole).toInt(), server);
    QCOMPARE(proxy->data(sel.front().siblingAtColumn(EventTableModel::ColEnds)).toString(),
             clientEnds[1] + QStringLiteral(" → ") + clientEnds[0]);
    // The owner filter finds a connection by its port too.
    owner->setEditText(clientEnds[0].section(QLatin1Char(':'), -1));
    QVERIFY(proxyRowOf(proxy, first, QStringLiteral("load conn 2 read")) >= 0);
    owner->setEditText(QString());

    (void)third;
    ctl->stopAll();
    QTRY_VERIFY_WITH_TIMEOUT(!ctl->anyRunning(), 30000);
  }
};

QTEST_MAIN(TestFindConnection)
#include "tst_find_connection.moc"
