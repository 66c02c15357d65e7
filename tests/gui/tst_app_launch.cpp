// The reactorscope binary as a user starts it (QProcess): usage errors exit 2 with
// one clear line, --help/--version work without a display, and SIGTERM/SIGINT
// close the app like its window's close button (settings saved, exit 0). A
// recording that will not open ('reactorscope FILE'): one stderr line, the app runs on.
#include <signal.h>

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "../engine/CliProcess.h"

namespace {

QString appPath() {
#ifdef REACTORSCOPE_APP_PATH
  return QStringLiteral(REACTORSCOPE_APP_PATH);
#else
  return QCoreApplication::applicationDirPath() + "/../../src/reactorscope";
#endif
}

// Runs the app to completion in `env` (killed after 60 s).
rs::test::CliResult runApp(const QStringList& args, const QProcessEnvironment& env) {
  return rs::test::runCli(appPath(), args, 60000, env);
}

QProcessEnvironment offscreenEnv(const QString& configHome) {
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.insert("QT_QPA_PLATFORM", "offscreen");
  env.insert("XDG_CONFIG_HOME", configHome);
  return env;
}

// True once the process has a handler for `sig` (bit sig-1 of SigCgt).
bool catchesSignal(qint64 pid, int sig) {
  QFile status(QStringLiteral("/proc/%1/status").arg(pid));
  if (!status.open(QIODevice::ReadOnly)) return false;
  for (const QByteArray& line : status.readAll().split('\n')) {
    if (!line.startsWith("SigCgt:")) continue;
    bool ok = false;
    const qulonglong mask = line.mid(7).trimmed().toULongLong(&ok, 16);
    return ok && (mask >> (sig - 1) & 1);
  }
  return false;
}

}  // namespace

class TstAppLaunch : public QObject {
  Q_OBJECT
 private slots:
  void usageErrorsExit2_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown option") << QStringList{"--bogus"} << "Unknown option 'bogus'";
    QTest::newRow("unknown tab") << QStringList{"--tab", "bogus"}
                                 << "--tab: 'bogus' is not one of events, timeline, buffers, stats, console";
    QTest::newRow("client option alone") << QStringList{"--connections", "5"}
                                         << "--connections is a client option: add --client HOST:PORT";
    QTest::newRow("server option alone") << QStringList{"--mode", "discard"}
                                         << "--mode is a server option: add --server ADDR:PORT";
    QTest::newRow("non-loopback client") << QStringList{"--client", "10.0.0.1:80"} << "only loopback";
    QTest::newRow("stray argument") << QStringList{"a.rsrec", "stray"} << "unexpected argument 'stray'";
    QTest::newRow("bad retention") << QStringList{"--retention", "0"} << "--retention must be 1..3600";
    QTest::newRow("bad select") << QStringList{"--select", "read_cb("}
                                << "--select: 'read_cb(' is not a regular expression (missing closing parenthesis";
    QTest::newRow("bad timeline window") << QStringList{"--timeline-window", "0.5"}
                                         << "--timeline-window: '0.5' is not 1-3600 seconds";
  }
  void usageErrorsExit2() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    QTemporaryDir config;
    const rs::test::CliResult r = runApp(args, offscreenEnv(config.path()));
    QVERIFY2(r.code == 2, qPrintable(QStringLiteral("exit %1, stderr: %2").arg(r.code).arg(r.err)));
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
  }

  void helpAndVersionNeedNoDisplay_data() {
    QTest::addColumn<QString>("option");
    QTest::addColumn<QString>("expected");
    QTest::newRow("--help") << "--help" << "--server <ADDR:PORT>";
    QTest::newRow("-h") << "-h" << "--client <HOST:PORT>";
    QTest::newRow("--version") << "--version" << "reactorscope " PROJECT_VERSION;
  }
  void helpAndVersionNeedNoDisplay() {
    QFETCH(QString, option);
    QFETCH(QString, expected);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}) env.remove(name);
    const rs::test::CliResult r = runApp({option}, env);
    QVERIFY2(r.code == 0, qPrintable(QStringLiteral("exit %1, stderr: %2").arg(r.code).arg(r.err)));
    QVERIFY2(r.out.contains(expected), qPrintable(r.out));
  }

  void quitSignalClosesLikeTheWindow_data() {
    QTest::addColumn<int>("sig");
    QTest::newRow("SIGTERM") << SIGTERM;
    QTest::newRow("SIGINT") << SIGINT;
  }
  void quitSignalClosesLikeTheWindow() {
    QFETCH(int, sig);
    QTemporaryDir config;
    QProcess p;
    p.setProcessEnvironment(offscreenEnv(config.path()));
    p.start(appPath(), {"--server", "127.0.0.1:0", "--fresh"});
    QVERIFY(p.waitForStarted(10000));
    // Bounded wait for main() to install its handlers (not a timing assertion).
    for (int i = 0; i < 600 && !catchesSignal(p.processId(), sig); ++i) QTest::qWait(50);
    QVERIFY2(catchesSignal(p.processId(), sig), "the app never installed a handler");
    ::kill(static_cast<pid_t>(p.processId()), sig);
    if (!p.waitForFinished(60000)) {
      p.kill();
      p.waitForFinished();
      QFAIL("the app did not quit on the signal");
    }
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
    QFile settings(config.path() + "/ReactorScope/reactorscope.conf");
    QVERIFY2(settings.open(QIODevice::ReadOnly), "no settings were saved");
    QVERIFY(settings.readAll().contains("geometry"));
  }

  void junkRecordingIsOneLineAndTheAppGoesOn() {
    QTemporaryDir dir;
    const QString junk = dir.filePath("junk.rsrec");
    QFile f(junk);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not a recording at all, just some bytes to refuse");
    f.close();
    QProcess p;
    p.setProcessEnvironment(offscreenEnv(dir.path()));
    p.setReadChannel(QProcess::StandardError);
    p.start(appPath(), {junk, "--fresh"});
    QVERIFY(p.waitForStarted(10000));
    QString err;
    for (int i = 0; i < 600 && !err.contains("not a ReactorScope recording"); ++i) {
      p.waitForReadyRead(100);
      err += QString::fromUtf8(p.readAllStandardError());
    }
    QVERIFY2(err.contains("reactorscope: cannot open recording '" + junk + "': not a ReactorScope recording"),
             qPrintable(err));
    QCOMPARE(err.count("cannot open"), 1);
    QTest::qWait(500);
    QCOMPARE(p.state(), QProcess::Running);  // the app goes on, live
    for (int i = 0; i < 600 && !catchesSignal(p.processId(), SIGTERM); ++i) QTest::qWait(50);
    ::kill(static_cast<pid_t>(p.processId()), SIGTERM);
    if (!p.waitForFinished(60000)) {
      p.kill();
      p.waitForFinished();
      QFAIL("the app did not quit on SIGTERM");
    }
    QCOMPARE(p.exitCode(), 0);
  }
};

QTEST_GUILESS_MAIN(TstAppLaunch)
#include "tst_app_launch.moc"
