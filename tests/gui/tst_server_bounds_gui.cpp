// The echo server's bounds in the app: the New echo server dialog starts from
// the engine's safe defaults (and old settings that saved "no watermark" do not
// turn them off), the launch options parse them like reactorscope-cli, and the
// Buffers view draws a server connection's output cap and a server session's
// memory budget.
#include <QCommandLineParser>
#include <QSettings>
#include <QSpinBox>
#include <QtTest>
#include <qcustomplot.h>

#include "FreshSettings.h"
#include "core/Clock.h"
#include "model/SessionController.h"
#include "model/SessionSpec.h"
#include "net/InetAddress.h"
#include "net/Socket.h"
#include "widgets/BuffersView.h"
#include "widgets/NewServerDialog.h"

using namespace rs;
using namespace rs::gui;

namespace {

QCPItemStraightLine* line(const BuffersView& view, const QString& name) {
  for (int i = 0; i < view.plot()->itemCount(); ++i)
    if (auto* l = qobject_cast<QCPItemStraightLine*>(view.plot()->item(i)); l && l->objectName() == name) return l;
  return nullptr;
}

bool parseLaunch(const QStringList& args, LaunchOptions* out, QString* error) {
  QCommandLineParser parser;
  addLaunchOptions(&parser);
  if (!parser.parse(args)) {
    *error = parser.errorText();
    return false;
  }
  return readLaunchOptions(parser, args, out, error);
}

}  // namespace

class TestServerBoundsGui : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    test::useFreshSettings(QStringLiteral("tst_server_bounds_gui"));
  }

  void dialogStartsFromTheSafeDefaults() {
    const EchoServerConfig defaults;
    {
      NewServerDialog d;
      d.loadSettings();  // nothing saved yet
      const EchoServerConfig c = d.config();
      QCOMPARE(c.readHighWatermark, defaults.readHighWatermark);
      QCOMPARE(c.outputCapBytes, defaults.outputCapBytes);
      QCOMPARE(c.memoryBudgetBytes, defaults.memoryBudgetBytes);
      QCOMPARE(c.idleTimeoutMs, 0);
      QVERIFY(d.isValid());
    }
    // A form saved before the bounds existed held "readHighWatermark" = 0.
    QSettings().setValue(QStringLiteral("forms/server/readHighWatermark"), 0);
    {
      NewServerDialog d;
      d.loadSettings();
      QCOMPARE(d.config().readHighWatermark, defaults.readHighWatermark);
      // 0 is still a choice, shown as such, and remembered.
      d.findChild<QSpinBox*>(QStringLiteral("outputCapSpin"))->setValue(0);
      d.findChild<QSpinBox*>(QStringLiteral("idleSpin"))->setValue(30);
      QCOMPARE(d.findChild<QSpinBox*>(QStringLiteral("outputCapSpin"))->text(), QStringLiteral("unlimited"));
      QCOMPARE(d.config().outputCapBytes, size_t{0});
      QCOMPARE(d.config().idleTimeoutMs, 30000);
      d.saveSettings();
    }
    NewServerDialog d;
    d.loadSettings();
    QCOMPARE(d.config().outputCapBytes, size_t{0});
    QCOMPARE(d.config().idleTimeoutMs, 30000);
    QCOMPARE(d.config().memoryBudgetBytes, defaults.memoryBudgetBytes);
    QSettings().clear();
  }

  void launchOptionsCarryTheBounds() {
    LaunchOptions o;
    QString error;
    QVERIFY2(parseLaunch({"reactorscope", "--server", "127.0.0.1:0"}, &o, &error), qPrintable(error));
    QCOMPARE(o.servers.size(), size_t{1});
    QCOMPARE(o.servers[0].outputCapBytes, EchoServerConfig::kDefaultOutputCapBytes);
    QCOMPARE(o.servers[0].memoryBudgetBytes, EchoServerConfig::kDefaultMemoryBudgetBytes);
    QVERIFY2(parseLaunch({"reactorscope", "--server", "127.0.0.1:0", "--output-cap", "0", "--memory-budget", "8M",
                          "--idle-timeout", "5"},
                         &o, &error),
             qPrintable(error));
    QCOMPARE(o.servers[0].outputCapBytes, size_t{0});
    QCOMPARE(o.servers[0].memoryBudgetBytes, size_t{8} << 20);
    QCOMPARE(o.servers[0].idleTimeoutMs, 5000);
    QVERIFY(!parseLaunch({"reactorscope", "--server", "127.0.0.1:0", "--output-cap", "big"}, &o, &error));
    QVERIFY2(error.contains(QStringLiteral("--output-cap")), qPrintable(error));
  }

  // A real server session: its connection's output cap is the write high
  // line; the session sum shows the memory budget and what is buffered.
  void buffersViewShowsCapAndBudget() {
    SessionController ctl;
    BuffersView view(&ctl.frameSource());
    view.resize(900, 500);
    view.show();
    EchoServerConfig sc;
    sc.outputCapBytes = 256 * 1024;
    sc.memoryBudgetBytes = 8 << 20;
    const int server = ctl.startServer(sc);
    QTRY_VERIFY_WITH_TIMEOUT(ctl.session(server)->shared().status == EngineSession::Status::Running, 10000);
    auto addr = InetAddress::resolve("127.0.0.1", ctl.session(server)->shared().port, nullptr);
    Socket peer(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    QCOMPARE(::connect(peer.fd(), addr->sockAddr(), addr->length()), 0);
    QCOMPARE(::send(peer.fd(), "hello", 5, MSG_NOSIGNAL), ssize_t{5});

    // The connection's watermarks reach the aggregator with the trace.
    quint32 owner = 0;
    QTRY_VERIFY_WITH_TIMEOUT(([&] {
                               for (const ConnectionSeries& c : ctl.aggregator().connections())
                                 if (c.session == server && c.watermarks[3] > 0) owner = c.owner;
                               return owner != 0;
                             }()),
                             20000);
    view.setConnection(owner);
    view.refresh(monotonicNowNs());
    QCPItemStraightLine* cap = line(view, QStringLiteral("write high (output cap)"));
    QVERIFY(cap);
    QVERIFY(cap->visible());
    QCOMPARE(cap->point1->coords().y(), double(sc.outputCapBytes));

    view.setSessions({{server, QStringLiteral("#%1 server").arg(server)}});
    auto* combo = view.findChild<QComboBox*>(QStringLiteral("bufferSourceCombo"));
    combo->setCurrentIndex(1);
    // The view reads the server's stats from the frame (copied there each tick).
    QTRY_VERIFY_WITH_TIMEOUT(([&] {
                               const auto f = ctl.frameSource().figures().find(server);
                               return f != ctl.frameSource().figures().end() && f->second.server &&
                                      f->second.server->memoryBudgetBytes == sc.memoryBudgetBytes;
                             }()),
                             10000);
    view.refresh(monotonicNowNs());
    QVERIFY(view.showingAggregate());
    QCPItemStraightLine* budget = line(view, QStringLiteral("memory budget"));
    QVERIFY(budget);
    QVERIFY(budget->visible());
    QCOMPARE(budget->point1->coords().y(), double(sc.memoryBudgetBytes));
    QVERIFY(!cap->visible());  // connection watermarks are not drawn on the sum
    const auto labels = view.findChildren<QLabel*>();
    bool titled = false;
    for (QLabel* l : labels) titled = titled || l->text().contains(QStringLiteral("budget 8.0 MiB"));
    QVERIFY(titled);
  }
};

QTEST_MAIN(TestServerBoundsGui)
#include "tst_server_bounds_gui.moc"
