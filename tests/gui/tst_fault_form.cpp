// Faults visible and safe (issue "The first ten minutes"): the client form
// explains the chosen fault and where to watch it, offers the rst fault's reset
// interval only for rst, never brings a fault back from the last session, and a
// session's title names its fault and other non-default settings.
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QSettings>
#include <QStandardPaths>
#include <QtTest>

#include "FreshSettings.h"
#include "model/EngineSession.h"
#include "widgets/NewClientDialog.h"
#include "workload/WorkloadSpec.h"

using namespace rs;
using namespace rs::gui;
using Fault = LoadClientConfig::Fault;

class TestFaultForm : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    test::useFreshSettings(QStringLiteral("tst_fault_form"));
  }

  void theFormExplainsTheChosenFault() {
    NewClientDialog d;
    auto* combo = d.findChild<QComboBox*>(QStringLiteral("faultCombo"));
    auto* help = d.findChild<QLabel*>(QStringLiteral("faultHelpLabel"));
    auto* rstEvery = d.findChild<QDoubleSpinBox*>(QStringLiteral("rstEverySpin"));
    QVERIFY(combo && help && rstEvery);
    for (const char* name : kFaultNames) {
      combo->setCurrentText(QString::fromLatin1(name));
      QCOMPARE(help->text(), QString::fromUtf8(describeFault(*parseFault(name))));
      QCOMPARE(rstEvery->isVisibleTo(&d), QByteArray(name) == "rst");
    }
    combo->setCurrentText(QStringLiteral("rst"));
    rstEvery->setValue(0.25);
    QCOMPARE(d.config().fault, Fault::AbortRst);
    QCOMPARE(d.config().rstIntervalSec, 0.25);
  }

  void aFaultIsNeverRememberedSilently() {
    {
      NewClientDialog d;
      d.findChild<QComboBox*>(QStringLiteral("faultCombo"))->setCurrentText(QStringLiteral("rst"));
      LoadClientConfig c = d.config();
      c.connections = 7;
      d.setConfig(c);
      d.saveSettings();
    }
    NewClientDialog next;
    next.loadSettings();
    QCOMPARE(next.config().connections, 7);   // the form's settings come back
    QCOMPARE(next.config().fault, Fault::None);  // its fault does not
  }

  void theSessionTitleNamesTheFault() {
    LoadClientConfig c;
    c.port = 9000;
    c.connections = 50;
    c.fault = Fault::AbortRst;
    EngineSession client(1, c);
    QCOMPARE(client.title(), QStringLiteral("client → 127.0.0.1:9000 ×50 · fault rst"));
    LoadClientConfig plain;
    plain.port = 9000;
    EngineSession plainClient(2, plain);
    QCOMPARE(plainClient.title(), QStringLiteral("client → 127.0.0.1:9000 ×1"));
    EchoServerConfig s;
    s.responseDelayMs = 50;
    EngineSession server(3, s);
    QVERIFY2(server.title().endsWith(QStringLiteral(" echo · delay 50 ms")), qPrintable(server.title()));
  }
};

QTEST_MAIN(TestFaultForm)
#include "tst_fault_form.moc"
