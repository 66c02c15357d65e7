// The New client / New server dialogs refuse exactly what reactorscope-cli
// refuses, with validate()'s message: before WorkloadSpec the client form
// accepted connections x size over 2 GiB, a rate below 0.001 and a fault against
// a discard server, and the server form a non-loopback bind address, all of
// which the engine then refused. Each row is one case: the CLI arguments, the
// same config as the dialog gets it, and whether both accept it.
#include <QtTest>

#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>

#include <functional>

#include "widgets/NewClientDialog.h"
#include "widgets/NewServerDialog.h"
#include "workload/Options.h"
#include "workload/WorkloadSpec.h"

using namespace rs;
using namespace rs::gui;

Q_DECLARE_METATYPE(std::function<void(rs::LoadClientConfig&)>)
Q_DECLARE_METATYPE(std::function<void(rs::EchoServerConfig&)>)

namespace {
using ClientEdit = std::function<void(LoadClientConfig&)>;
using ServerEdit = std::function<void(EchoServerConfig&)>;

std::vector<std::string> toArgs(const QStringList& list) {
  std::vector<std::string> out;
  for (const QString& a : list) out.push_back(a.toStdString());
  return out;
}

bool okEnabled(const QDialog& d) {
  auto* box = d.findChild<QDialogButtonBox*>();
  return box && box->button(QDialogButtonBox::Ok)->isEnabled();
}

// Types a value into a spin box as a user does (select all, type, leave).
void typeInto(QAbstractSpinBox* spin, const QString& text) {
  spin->setFocus();
  spin->selectAll();
  QTest::keyClicks(spin, text);
  QTest::keyClick(spin, Qt::Key_Tab);
}

QString errorOf(const QDialog& d) { return d.findChild<QLabel*>(QStringLiteral("errorLabel"))->text(); }
}  // namespace

class TestWorkloadDialogs : public QObject {
  Q_OBJECT

 private slots:
  // Spin boxes do not change what was typed: size 0 and 999999 connections stay,
  // with the validator's message and OK disabled, as for a text field.
  void spinBoxesAreValidatedNotClamped() {
    NewClientDialog client;
    client.show();
    auto* size = client.findChild<QSpinBox*>(QStringLiteral("sizeSpin"));
    typeInto(size, QStringLiteral("0"));
    QCOMPARE(size->value(), 0);
    QVERIFY2(errorOf(client).contains(QStringLiteral("message size")), qPrintable(errorOf(client)));
    QVERIFY(!okEnabled(client));
    typeInto(size, QStringLiteral("64"));
    QVERIFY(okEnabled(client));
    auto* connections = client.findChild<QSpinBox*>(QStringLiteral("connSpin"));
    typeInto(connections, QStringLiteral("999999"));
    QCOMPARE(connections->value(), 999999);
    QVERIFY2(errorOf(client).contains(QStringLiteral("999999")), qPrintable(errorOf(client)));
    QVERIFY(!okEnabled(client));
    typeInto(connections, QStringLiteral("50"));
    QVERIFY(okEnabled(client));

    NewServerDialog server;
    server.show();
    auto* delay = server.findChild<QSpinBox*>(QStringLiteral("delaySpin"));
    typeInto(delay, QStringLiteral("99999999"));
    QCOMPARE(delay->value(), 99999999);
    QVERIFY2(errorOf(server).contains(QStringLiteral("response delay")), qPrintable(errorOf(server)));
    QVERIFY(!okEnabled(server));
    typeInto(delay, QStringLiteral("0"));
    QVERIFY(okEnabled(server));
    auto* idle = server.findChild<QSpinBox*>(QStringLiteral("idleSpin"));
    typeInto(idle, QStringLiteral("1999999999"));  // seconds: no int overflow in ms
    QVERIFY2(errorOf(server).contains(QStringLiteral("idle")), qPrintable(errorOf(server)));
    QVERIFY(!okEnabled(server));
  }

  // The rate says it is the total, and the form says how long the run lasts.
  void clientFormSaysRateAndRunLength() {
    NewClientDialog d;
    d.show();
    QVERIFY(d.findChild<QDoubleSpinBox*>(QStringLiteral("rateSpin"))->suffix().contains(QStringLiteral("total")));
    auto* runLength = d.findChild<QLabel*>(QStringLiteral("runLengthLabel"));
    QVERIFY(runLength);
    LoadClientConfig c;
    c.host = "127.0.0.1";
    c.port = 9000;
    c.durationSec = 30;
    c.messageCount = 0;
    d.setConfig(c);
    QVERIFY2(runLength->text().contains(QStringLiteral("30 s")), qPrintable(runLength->text()));
    QVERIFY2(runLength->text().contains(QStringLiteral("until you remove")), qPrintable(runLength->text()));
    c.durationSec = 0;
    c.messageCount = 5000;
    d.setConfig(c);
    QVERIFY2(runLength->text().contains(QStringLiteral("5000 messages")), qPrintable(runLength->text()));
    c.durationSec = 20;
    d.setConfig(c);
    QVERIFY2(runLength->text().contains(QStringLiteral("whichever comes first")), qPrintable(runLength->text()));
  }

  void clientDialogRefusesWhatTheCliRefuses_data() {
    QTest::addColumn<QStringList>("cliArgs");
    QTest::addColumn<ClientEdit>("edit");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("connections x size over 2 GiB")
        << QStringList{"127.0.0.1:9000", "--connections", "100000", "--size", "64M"} << ClientEdit([](auto& c) {
             c.connections = 100000;
             c.messageSize = size_t{64} << 20;
           })
        << false;
    QTest::newRow("rate below 0.001") << QStringList{"127.0.0.1:9000", "--rate", "0.0004"} << ClientEdit([](auto& c) {
      c.loopMode = LoadClientConfig::LoopMode::Open;
      c.rate = 0.0004;
    }) << false;
    QTest::newRow("fault against a discard server")
        << QStringList{"127.0.0.1:9000", "--mode", "discard", "--fault", "half-close"} << ClientEdit([](auto& c) {
             c.serverMode = LoadClientConfig::ServerMode::Discard;
             c.fault = LoadClientConfig::Fault::HalfClose;
           })
        << false;
    QTest::newRow("rate 0.001") << QStringList{"127.0.0.1:9000", "--rate", "0.001"} << ClientEdit([](auto& c) {
      c.loopMode = LoadClientConfig::LoopMode::Open;
      c.rate = 0.001;
    }) << true;
    QTest::newRow("discard, no fault") << QStringList{"127.0.0.1:9000", "--mode", "discard"} << ClientEdit([](auto& c) {
      c.serverMode = LoadClientConfig::ServerMode::Discard;
    }) << true;
    QTest::newRow("2 GiB exactly") << QStringList{"127.0.0.1:9000", "--connections", "32", "--size", "64M"}
                                   << ClientEdit([](auto& c) {
                                        c.connections = 32;
                                        c.messageSize = size_t{64} << 20;
                                      })
                                   << true;
  }
  void clientDialogRefusesWhatTheCliRefuses() {
    QFETCH(QStringList, cliArgs);
    QFETCH(ClientEdit, edit);
    QFETCH(bool, accepted);
    std::string cliError;
    const auto parsed = parseClientArgs(toArgs(cliArgs), &cliError);
    QCOMPARE(parsed.has_value(), accepted);

    LoadClientConfig c;
    c.host = "127.0.0.1";
    c.port = 9000;
    edit(c);
    NewClientDialog d;
    d.setConfig(c);
    QCOMPARE(d.isValid(), accepted);
    QCOMPARE(okEnabled(d), accepted);
    // The dialog shows validate()'s own line for what it holds.
    QCOMPARE(d.errorText(), QString::fromStdString(validate(d.config())));
    if (!accepted) {
      QVERIFY(!d.errorText().isEmpty());
      // Where the CLI got as far as validate(), the lines are the same.
      if (cliError.find("--") != 0) QCOMPARE(d.errorText(), QString::fromStdString(cliError));
    } else {
      QCOMPARE(d.config().serverMode, c.serverMode);
      QCOMPARE(d.config().connections, c.connections);
    }
  }

  void serverDialogRefusesWhatTheCliRefuses_data() {
    QTest::addColumn<QStringList>("cliArgs");
    QTest::addColumn<ServerEdit>("edit");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("bind not loopback") << QStringList{"--bind", "0.0.0.0"}
                                       << ServerEdit([](auto& c) { c.bindAddress = "0.0.0.0"; }) << false;
    QTest::newRow("bind a name") << QStringList{"--bind", "example.com"}
                                 << ServerEdit([](auto& c) { c.bindAddress = "example.com"; }) << false;
    QTest::newRow("bind ::1, discard") << QStringList{"--bind", "::1", "--mode", "discard"} << ServerEdit([](auto& c) {
      c.bindAddress = "::1";
      c.mode = EchoServerConfig::Mode::Discard;
    }) << true;
  }
  void serverDialogRefusesWhatTheCliRefuses() {
    QFETCH(QStringList, cliArgs);
    QFETCH(ServerEdit, edit);
    QFETCH(bool, accepted);
    std::string cliError;
    QCOMPARE(parseServerArgs(toArgs(cliArgs), &cliError).has_value(), accepted);
    EchoServerConfig c;
    edit(c);
    NewServerDialog d;
    d.setConfig(c);
    QCOMPARE(d.isValid(), accepted);
    QCOMPARE(okEnabled(d), accepted);
    QCOMPARE(d.errorText(), QString::fromStdString(validate(d.config())));
    if (accepted) QCOMPARE(d.config().mode, c.mode);
  }
};

QTEST_MAIN(TestWorkloadDialogs)
#include "tst_workload_dialogs.moc"
