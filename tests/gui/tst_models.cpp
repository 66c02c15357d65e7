// Every model under QAbstractItemModelTester while real engines feed it: the
// events table (inserts, batched dataChanged, removal of freed rows), its filter
// proxy, and the sessions list (add, update, remove).
#include <QAbstractItemModelTester>
#include <QtTest>

#include "core/Event.h"
#include "model/EventFilterProxy.h"
#include "model/EventTableModel.h"
#include "model/SessionController.h"
#include "model/SessionSpec.h"

using namespace rs;
using namespace rs::gui;

namespace {
// A traced base feeding the events table and its proxy, both under
// QAbstractItemModelTester; tick() does what the controller's tick does.
struct TableRig {
  TableRig(int sessionId, int sortColumn, Qt::SortOrder order) : session(sessionId) {
    proxy.setSourceModel(&model);
    proxy.sort(sortColumn, order);
  }
  static EventBase::Options traced() {
    EventBase::Options o;
    o.tracing = true;
    return o;
  }
  void tick(qint64 now) {
    for (size_t n; (n = base.tracer().drain(buf.data(), buf.size())) > 0;)
      agg.ingest(session, buf.data(), n, &base.tracer());
    agg.finishTick(now);
    model.sync(now, 0);
  }

  int session;
  EventBase base{traced()};
  TraceAggregator agg;
  EventTableModel model{&agg};
  EventFilterProxy proxy;
  QAbstractItemModelTester modelTester{&model, QAbstractItemModelTester::FailureReportingMode::QtTest};
  QAbstractItemModelTester proxyTester{&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest};
  std::vector<TraceRecord> buf = std::vector<TraceRecord>(4096);
};
}  // namespace

class TestModels : public QObject {
  Q_OBJECT

 private slots:
  void eventTableFromBase();
  void bulkInsertAndRemove();
  void idSortGroupsSessions();
  void liveSessions();
  void specValidation_data();
  void specValidation();
  void launchOptions_data();
  void launchOptions();
};

void TestModels::eventTableFromBase() {
  TableRig rig(3, EventTableModel::ColActivations, Qt::DescendingOrder);
  EventBase& base = rig.base;
  EventTableModel& model = rig.model;
  EventFilterProxy& proxy = rig.proxy;
  auto tick = [&](qint64 now) { rig.tick(now); };
  std::vector<std::unique_ptr<Event>> events;
  for (int i = 0; i < 50; ++i) {
    events.push_back(std::make_unique<Event>(&base, -1, 0, [](int, short) {}));
    events.back()->setLabel(i % 2 ? "odd timer" : "even timer", static_cast<uint32_t>(100 + i % 3));
    events.back()->addTimeoutNs(i % 5 == 0 ? 0 : 3600 * kNsPerSec);
  }
  tick(monotonicNowNs());
  QCOMPARE(model.rowCount(), 51);  // + the loop's wakeup event
  base.loop(kLoopOnce | kLoopNonblock);
  tick(monotonicNowNs());

  proxy.setOwnerFilter(QStringLiteral("101 odd"));
  QVERIFY(proxy.rowCount() > 0);
  for (int r = 0; r < proxy.rowCount(); ++r)
    QCOMPARE(proxy.data(proxy.index(r, 0), EventTableModel::OwnerRole).toUInt(), 101u);
  proxy.setOwnerFilter(QString());
  // The state filter shows exactly the rows in that state: the 10 zero-timeout
  // timers fired (non-pending), the other 40 and the wakeup event are pending.
  auto rowsInState = [&](EventState st) {
    int n = 0;
    for (int r = 0; r < model.rowCount(); ++r)
      if (model.data(model.index(r, 0), EventTableModel::StateRole).toInt() == static_cast<int>(st)) ++n;
    return n;
  };
  QCOMPARE(rowsInState(EventState::NonPending), 10);
  QCOMPARE(rowsInState(EventState::Pending), 41);
  for (EventState st : {EventState::NonPending, EventState::Pending, EventState::Active, EventState::Invalid}) {
    proxy.setStateFilter(static_cast<int>(st));
    QCOMPARE(proxy.rowCount(), rowsInState(st));
    for (int r = 0; r < proxy.rowCount(); ++r)
      QCOMPARE(proxy.data(proxy.index(r, 0), EventTableModel::StateRole).toInt(), static_cast<int>(st));
  }
  proxy.setStateFilter(-1);
  QCOMPARE(proxy.rowCount(), 51);
  proxy.setLabelFilter(QStringLiteral("odd"));
  QCOMPARE(proxy.rowCount(), 25);
  proxy.setLabelFilter(QString());
  proxy.setKindFilter(static_cast<int>(EventKind::Internal));
  QCOMPARE(proxy.rowCount(), 1);
  proxy.setKindFilter(-1);

  // Free half: they turn invalid, then leave the table (keepFreed = 0),
  // except one held (selected: a closed connection stays inspectable) and
  // one pinned.
  TraceAggregator& agg = rig.agg;
  const quint64 heldKey = model.data(model.index(1, 0), EventTableModel::KeyRole).toULongLong();
  const quint64 pinnedKey = model.data(model.index(3, 0), EventTableModel::KeyRole).toULongLong();
  const quint64 heldId = agg.row(1).id;
  const quint64 pinnedId = agg.row(3).id;
  model.setHeld({heldKey});
  model.setPinned({pinnedKey});
  for (size_t i = 0; i < events.size(); i += 2) events[i].reset();
  const qint64 later = monotonicNowNs() + 5 * kNsPerSec;
  tick(later);
  QVERIFY(agg.rowOf(3, heldId) >= 0 && agg.rowOf(3, pinnedId) >= 0);
  QVERIFY(agg.row(agg.rowOf(3, heldId)).freedAtNs != 0);  // (events 0 and 2: freed)
  QVERIFY(agg.row(agg.rowOf(3, pinnedId)).freedAtNs != 0);
  QCOMPARE(model.rowCount(), 28);
  model.setHeld({});
  model.setPinned({});
  tick(later + 2 * kNsPerSec);
  QCOMPARE(model.rowCount(), 26);
  for (int r = 0; r < model.rowCount(); ++r)
    QVERIFY(model.data(model.index(r, EventTableModel::ColState), EventTableModel::StateRole).toInt() !=
            static_cast<int>(EventState::Invalid));
  QCOMPARE(model.headerData(EventTableModel::ColState, Qt::Horizontal).toString(), QStringLiteral("State"));
}

void TestModels::bulkInsertAndRemove() {
  // Bursts (thousands of connections at once) go through model resets.
  TableRig rig(1, EventTableModel::ColLabel, Qt::AscendingOrder);
  EventBase& base = rig.base;
  TraceAggregator& agg = rig.agg;
  EventTableModel& model = rig.model;
  EventFilterProxy& proxy = rig.proxy;
  auto tick = [&](qint64 now) { rig.tick(now); };
  tick(monotonicNowNs());
  QCOMPARE(model.rowCount(), 1);
  std::vector<std::unique_ptr<Event>> events;
  for (int i = 0; i < 1500; ++i) {
    events.push_back(std::make_unique<Event>(&base, -1, 0, [](int, short) {}));
    events.back()->setLabel("burst " + std::to_string(i));
  }
  QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
  tick(monotonicNowNs());
  QCOMPARE(model.rowCount(), 1501);
  QCOMPARE(proxy.rowCount(), 1501);
  QCOMPARE(resets.count(), 1);
  for (size_t i = 0; i < events.size(); ++i)
    if (i % 3 != 0) events[i].reset();
  tick(monotonicNowNs() + 5 * kNsPerSec);
  QCOMPARE(model.rowCount(), 501);
  QCOMPARE(proxy.rowCount(), 501);
  QCOMPARE(resets.count(), 2);
  for (int r = 0; r < model.rowCount(); ++r)
    QCOMPARE(agg.rowOf(1, agg.row(r).id), r);
}

// Ids restart at 1 in every session: sorted by id, the table (and the
// timeline's lanes, taken in its order) lists one session's events, then the
// next's, each by id, instead of interleaving them.
void TestModels::idSortGroupsSessions() {
  TableRig rig(1, EventTableModel::ColId, Qt::AscendingOrder);
  EventBase other{TableRig::traced()};
  std::vector<std::unique_ptr<Event>> events;
  for (int i = 0; i < 3; ++i) {
    events.push_back(std::make_unique<Event>(&rig.base, -1, 0, [](int, short) {}));
    events.push_back(std::make_unique<Event>(&other, -1, 0, [](int, short) {}));
  }
  for (EventBase* b : {&rig.base, &other}) {
    const int session = b == &rig.base ? 1 : 2;
    for (size_t n; (n = b->tracer().drain(rig.buf.data(), rig.buf.size())) > 0;)
      rig.agg.ingest(session, rig.buf.data(), n, &b->tracer());
  }
  rig.agg.finishTick(monotonicNowNs());
  rig.model.sync(monotonicNowNs(), 0);
  QVERIFY(rig.proxy.rowCount() >= 6);
  int lastSession = 0;
  quint64 lastId = 0;
  QSet<int> sessionsSeen;
  for (int r = 0; r < rig.proxy.rowCount(); ++r) {
    const int session = rig.proxy.index(r, 0).data(EventTableModel::SessionRole).toInt();
    const quint64 id = rig.proxy.index(r, EventTableModel::ColId).data().toULongLong();
    QVERIFY2(session > lastSession || (session == lastSession && id > lastId),
             qPrintable(QString("row %1: session %2 id %3 after session %4 id %5").arg(r).arg(session).arg(id).arg(lastSession).arg(lastId)));
    if (session != lastSession) QVERIFY(!sessionsSeen.contains(session));
    sessionsSeen.insert(session);
    lastSession = session;
    lastId = id;
  }
  QCOMPARE(sessionsSeen.size(), 2);
}

void TestModels::liveSessions() {
  SessionController ctl;
  QAbstractItemModelTester t1(ctl.eventModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
  QAbstractItemModelTester t2(ctl.sessionModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
  EventFilterProxy proxy;
  proxy.setSourceModel(ctl.eventModel());
  proxy.sort(EventTableModel::ColActivations, Qt::DescendingOrder);
  QAbstractItemModelTester t3(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
  ctl.setKeepFreedSec(0.5);

  EchoServerConfig sc;
  sc.port = 0;
  const int server = ctl.startServer(sc);
  QTRY_VERIFY_WITH_TIMEOUT(ctl.session(server)->shared().status == EngineSession::Status::Running, 20000);
  LoadClientConfig cc;
  cc.port = ctl.session(server)->shared().port;
  cc.connections = 4;
  cc.durationSec = 60;
  const int client = ctl.startClient(cc);
  QTRY_VERIFY_WITH_TIMEOUT(ctl.sessionModel()->session(client)->messages > 100, 30000);
  QVERIFY(ctl.eventModel()->rowCount() > 10);
  QTRY_VERIFY_WITH_TIMEOUT(ctl.aggregator().transitionsPerSec() > 0, 10000);

  ctl.stopSession(client);
  ctl.stopSession(server);
  QTRY_VERIFY_WITH_TIMEOUT(!ctl.anyRunning(), 30000);
  QCOMPARE(ctl.sessionModel()->session(client)->status, EngineSession::Status::Stopped);
  QCOMPARE(ctl.aggregator().liveEvents(), 0);
  // A stopped session's rows stay to inspect; removed, they leave after keepFreed.
  QTest::qWait(1500);  // past keepFreed and the table's once-a-second pruning
  QVERIFY(ctl.eventModel()->rowCount() > 10);
  ctl.removeSession(client);
  QCOMPARE(ctl.sessionModel()->rowCount(), 1);
  ctl.removeSession(server);
  QTRY_COMPARE_WITH_TIMEOUT(ctl.eventModel()->rowCount(), 0, 20000);
}

void TestModels::specValidation_data() {
  QTest::addColumn<QString>("text");
  QTest::addColumn<bool>("zeroOk");
  QTest::addColumn<bool>("valid");
  QTest::newRow("v4") << "127.0.0.1:9000" << false << true;
  QTest::newRow("v6") << "[::1]:9000" << false << true;
  QTest::newRow("localhost") << "localhost:1" << false << true;
  QTest::newRow("zero server") << "127.0.0.1:0" << true << true;
  QTest::newRow("zero client") << "127.0.0.1:0" << false << false;
  QTest::newRow("no port") << "127.0.0.1" << false << false;
  QTest::newRow("big port") << "127.0.0.1:70000" << true << false;
  QTest::newRow("name") << "example.com:80" << false << false;
}

void TestModels::specValidation() {
  QFETCH(QString, text);
  QFETCH(bool, zeroOk);
  QFETCH(bool, valid);
  std::string host;
  uint16_t port = 0;
  QString error;
  QCOMPARE(parseHostPort(text, &host, &port, &error, zeroOk), valid);
  QCOMPARE(error.isEmpty(), valid);
}

void TestModels::launchOptions_data() {
  QTest::addColumn<QStringList>("args");
  QTest::addColumn<bool>("ok");
  QTest::addColumn<int>("servers");
  QTest::addColumn<int>("clients");
  QTest::addColumn<int>("connections");
  QTest::newRow("issue example") << QStringList{"--server", "127.0.0.1:9000", "--client", "127.0.0.1:9000", "--connections", "20"}
                                 << true << 1 << 1 << 20;
  QTest::newRow("ephemeral pair") << QStringList{"--server", "127.0.0.1:0", "--client", "127.0.0.1:0"} << true << 1 << 1 << 1;
  QTest::newRow("server only") << QStringList{"--server", "[::1]:0", "--mode", "discard"} << true << 1 << 0 << 0;
  QTest::newRow("gui options") << QStringList{"--retention", "30", "--fresh", "--tab", "stats"} << true << 0 << 0 << 0;
  QTest::newRow("client port 0 alone") << QStringList{"--client", "127.0.0.1:0"} << false << 0 << 0 << 0;
  QTest::newRow("bad mode") << QStringList{"--server", "127.0.0.1:0", "--mode", "mirror"} << false << 0 << 0 << 0;
  QTest::newRow("not loopback") << QStringList{"--client", "10.0.0.1:80"} << false << 0 << 0 << 0;
  QTest::newRow("bad retention") << QStringList{"--retention", "0"} << false << 0 << 0 << 0;
}

void TestModels::launchOptions() {
  QFETCH(QStringList, args);
  QFETCH(bool, ok);
  QFETCH(int, servers);
  QFETCH(int, clients);
  QFETCH(int, connections);
  QCommandLineParser parser;
  addLaunchOptions(&parser);
  parser.addOption(QCommandLineOption(QStringLiteral("tab"), QString(), QStringLiteral("NAME")));
  const QStringList argv = QStringList{QStringLiteral("reactorscope")} + args;
  QVERIFY2(parser.parse(argv), qPrintable(parser.errorText()));
  LaunchOptions out;
  QString error;
  QCOMPARE(readLaunchOptions(parser, argv, &out, &error), ok);
  QCOMPARE(error.isEmpty(), ok);
  if (!ok) return;
  QCOMPARE(static_cast<int>(out.servers.size()), servers);
  QCOMPARE(static_cast<int>(out.clients.size()), clients);
  if (clients) QCOMPARE(out.clients[0].connections, connections);
}

QTEST_MAIN(TestModels)
#include "tst_models.moc"
