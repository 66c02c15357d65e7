// The Program output pane, one output per program: ProgramOutput's bounds
// (10 000 lines, 1 MiB, a line's own bound) and what it says it cut; through
// the launcher's code path with a stand-in relay (a shell script in place of
// reactorscope-run: no libevent needed), stderr lines marked and coloured,
// Clear and Save as…, the bound holding for a program that prints more, and
// several launches at once each keeping their own output. With the fixture
// (not in sanitizer builds): two echo servers started at once under the real
// reactorscope-run in a main window; selecting each one's session in the
// Sessions panel shows its own output; a program started outside the app
// (as from a terminal) shows the one line saying where its output is.
// Waits are bounded hang guards (QTRY_*), never timing assertions.
#include <QAction>
#include <QDockWidget>
#include <QFile>
#include <QPlainTextEdit>
#include <QProcess>
#include <QRegularExpression>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextBlock>
#include <QtTest>

#include "ProgramFixture.h"
#include "model/ProgramOutput.h"
#include "widgets/MainWindow.h"
#include "widgets/ProgramOutputPane.h"
#include "widgets/SessionsPanel.h"

using namespace rs;
using namespace rs::gui;
using namespace rs::gui::test;

namespace {

// A stand-in for reactorscope-run: run as `relay -- PROGRAM ARGS`, it prints
// "out <first arg>" on stdout and "err <first arg>" on stderr, then as many
// numbered lines as its second argument says (0 when none), then whether its
// stdout and stderr are terminals ("terminals: yes").
QString writeFakeRelay(const QTemporaryDir& dir) {
  const QString path = dir.filePath("fake-run");
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly)) return {};
  f.write("#!/bin/sh\n"
          "echo \"out $3\"\n"
          "echo \"err $3\" >&2\n"
          "i=0; n=${4:-0}\n"
          "while [ $i -lt $n ]; do echo \"line $i\"; i=$((i+1)); done\n"
          "if [ -t 1 ] && [ -t 2 ]; then echo terminals: yes; else echo terminals: no; fi\n");
  f.close();
  f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
  return path;
}

// A listener, its launcher aimed at the stand-in relay, a pane following them.
struct FakeRelayRig : ProgramRig {
  ProgramOutputPane pane;
  ProgramLauncher* launcher = nullptr;
  bool ready() {
    if (!listen()) return false;
    launcher = programs.launcher();
    launcher->setRunPath(writeFakeRelay(dir));
    pane.follow(&programs);
    return true;
  }
};

// The port an echo_any_port launch printed ("port N"), "" until it did.
QString portLine(const ProgramOutput* out) {
  if (!out) return {};
  for (const ProgramOutput::Line& l : out->lines())
    if (l.text.startsWith("port ")) return l.text;
  return {};
}

// For a person's look (not a check): with RS_PROGRAM_OUTPUT_SHOT=FILE.png set,
// the window is shown with the Program output dock raised and saved there.
void saveShot(MainWindow& window) {
  const QString file = qEnvironmentVariable("RS_PROGRAM_OUTPUT_SHOT");
  if (file.isEmpty()) return;
  window.resize(1400, 900);
  window.show();
  if (auto* dock = window.findChild<QDockWidget*>("programOutputDock")) dock->raise();
  QTest::qWait(1500);  // a few frames of live traffic
  window.grab().save(file);
}

}  // namespace

class TestProgramOutput : public QObject {
  Q_OBJECT
 private slots:
  // Past 10 000 lines the oldest go, counted; past 1 MiB likewise; a line
  // longer than its own bound is shortened, saying by how much; Clear
  // forgets lines and counts; the saved form marks stderr lines.
  void outputIsBoundedAndSaysWhatWasCut() {
    ProgramOutput out;
    for (qsizetype i = 0; i < ProgramOutput::kMaxLines + 500; ++i) out.append(QString("line %1").arg(i), i % 2 == 1);
    QCOMPARE(static_cast<qsizetype>(out.lines().size()), ProgramOutput::kMaxLines);
    QCOMPARE(out.cutLines(), qint64{500});
    QCOMPARE(out.lines().front().text, QString("line 500"));
    QVERIFY2(out.cutNotice().startsWith("500 earlier lines ("), qPrintable(out.cutNotice()));
    QVERIFY(out.text().startsWith("line 500\nstderr: line 501\n"));

    ProgramOutput big;
    const QString kib(1023, QChar('x'));  // 1 KiB a line with its newline
    for (int i = 0; i < 1500; ++i) big.append(kib, false);
    QVERIFY(big.bytes() <= ProgramOutput::kMaxBytes);
    QCOMPARE(static_cast<qsizetype>(big.lines().size()), ProgramOutput::kMaxBytes / 1024);
    QCOMPARE(big.cutLines(), qint64{1500 - 1024});
    QCOMPARE(big.cutBytes(), qint64{(1500 - 1024) * 1024});

    ProgramOutput longLine;
    longLine.append(QString(ProgramOutput::kMaxLineBytes + 100, QChar('y')), false);
    QVERIFY(longLine.lines().front().text.endsWith("(100 more bytes cut)"));
    QVERIFY(longLine.bytes() < ProgramOutput::kMaxLineBytes + 100);
    longLine.clear();
    QVERIFY(longLine.lines().empty());
    QCOMPARE(longLine.bytes(), qsizetype{0});
    QVERIFY(longLine.cutNotice().isEmpty());
  }

  // Through the launcher: the pane follows the newest launch, stderr lines
  // are prefixed and red, Clear empties it, Save as… writes it. The program's
  // stdout and stderr are terminals (its C library then writes each line as
  // it is printed, as in a terminal, not in 4 KiB blocks).
  void paneShowsALaunchWithStderrClearAndSave() {
    FakeRelayRig rig;
    QVERIFY(rig.ready());
    QVERIFY(!rig.pane.clearAction()->isEnabled() && !rig.pane.saveAction()->isEnabled());
    QString error;
    int id = 0;
    QVERIFY2(rig.launcher->start({"/bin/prog", {"alpha"}, {}, {}}, &error, &id), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(rig.launcher->status(id), QString("exited with code 0"), 10000);
    QCOMPARE(rig.pane.shownLaunch(), id);
    QVERIFY(rig.pane.text().contains("out alpha"));
    QVERIFY(rig.pane.text().contains("stderr: err alpha"));
    QVERIFY2(rig.pane.text().contains("terminals: yes"), qPrintable(rig.pane.text()));
    const QString heading = rig.pane.heading();
    QVERIFY2(heading.startsWith("prog alpha (reactorscope-run pid ") && heading.endsWith(": exited with code 0"),
             qPrintable(heading));
    // The stderr line's colour differs from the stdout line's.
    QTextDocument* doc = rig.pane.view()->document();
    QColor outColor, errColor;
    for (QTextBlock b = doc->begin(); b.isValid(); b = b.next()) {
      const QColor c = b.begin().fragment().charFormat().foreground().color();
      (b.text().startsWith("stderr: ") ? errColor : outColor) = c;
    }
    QVERIFY(errColor.isValid() && errColor != outColor);

    QVERIFY(rig.pane.saveAction()->isEnabled());
    const QString saved = rig.dir.filePath("out.txt");
    QVERIFY2(rig.pane.saveTo(saved, &error), qPrintable(error));
    QFile f(saved);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    QVERIFY2(bytes.contains("out alpha\n") && bytes.contains("stderr: err alpha\n"), bytes.constData());
    QVERIFY(!rig.pane.saveTo(rig.dir.filePath("missing/out.txt"), &error));
    QVERIFY2(error.startsWith("cannot write"), qPrintable(error));

    rig.pane.clearAction()->trigger();
    QVERIFY(rig.pane.text().isEmpty());
    QVERIFY(rig.launcher->output(id)->lines().empty());
  }

  // A program printing more than the bound: the pane holds the last
  // kMaxLines lines and its heading says how many went.
  void theBoundHoldsInThePane() {
    FakeRelayRig rig;
    QVERIFY(rig.ready());
    QString error;
    int id = 0;
    const int printed = static_cast<int>(ProgramOutput::kMaxLines) + 1000;
    QVERIFY2(rig.launcher->start({"/bin/chatty", {"x", QString::number(printed)}, {}, {}}, &error, &id),
             qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(!rig.launcher->status(id).isEmpty() && rig.launcher->status(id) != "running" &&
                                 rig.launcher->status(id) != "starting",
                             30000);
    const ProgramOutput* out = rig.launcher->output(id);
    QCOMPARE(static_cast<qsizetype>(out->lines().size()), ProgramOutput::kMaxLines);
    QCOMPARE(out->cutLines(), qint64{printed + 3} - ProgramOutput::kMaxLines);  // + "out x", "err x", "terminals"
    QCOMPARE(rig.pane.view()->document()->blockCount(), static_cast<int>(ProgramOutput::kMaxLines));
    QVERIFY2(rig.pane.text().endsWith(QString("line %1\nterminals: yes").arg(printed - 1)),
             qPrintable(rig.pane.text().right(40).replace("\n", "|")));
    QVERIFY2(rig.pane.heading().contains(QString("%1 earlier lines").arg(out->cutLines())),
             qPrintable(rig.pane.heading()));
  }

  // Several launches at once: each keeps its own output; the pane shows the
  // one asked for.
  void launchesKeepSeparateOutputs() {
    FakeRelayRig rig;
    QVERIFY(rig.ready());
    QString error;
    int a = 0, b = 0;
    QVERIFY2(rig.launcher->start({"/bin/one", {"first"}, {}, {}}, &error, &a), qPrintable(error));
    QVERIFY2(rig.launcher->start({"/bin/two", {"second"}, {}, {}}, &error, &b), qPrintable(error));
    QVERIFY(a != b);
    QTRY_VERIFY_WITH_TIMEOUT(
        rig.launcher->status(a).startsWith("exited") && rig.launcher->status(b).startsWith("exited"), 10000);
    QVERIFY(!rig.launcher->running());
    rig.pane.showLaunch(a);
    QVERIFY(rig.pane.text().contains("out first") && !rig.pane.text().contains("second"));
    rig.pane.showLaunch(b);
    QVERIFY(rig.pane.text().contains("out second") && !rig.pane.text().contains("first"));
    QCOMPARE(rig.launcher->launchOfRelay(0), 0);
  }

  // The real thing in a main window: two echo servers started at once under
  // reactorscope-run; selecting each one's session shows its own "port N";
  // a program started outside the app gets the line about its terminal.
  void selectingASessionShowsItsProgramsOutput() {
    SKIP_WITHOUT_FIXTURE();
    QTemporaryDir dir;
    MainWindow window;
    QVERIFY(window.programs()->listen(dir.filePath("app.sock")));
    ProgramLauncher* launcher = window.programs()->launcher();
    launcher->setRunPath(RUN_PATH);
    auto* pane = window.findChild<ProgramOutputPane*>();
    QVERIFY(pane);
    pane->follow(window.programs());
    QString error;
    int a = 0, b = 0;
    auto* outputDock = window.findChild<QDockWidget*>("programOutputDock");
    auto* logDock = window.findChild<QDockWidget*>("logDock");
    QVERIFY(outputDock && logDock);
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    logDock->raise();  // the Log in front, as at start
    QTRY_VERIFY(outputDock->visibleRegion().isEmpty());
    QVERIFY2(launcher->start({ECHO_ANY_PORT, {}, dir.path(), {}}, &error, &a), qPrintable(error));
    // A launch brings its output in front of the Log (the Run dialog's way in).
    QTRY_VERIFY(!outputDock->visibleRegion().isEmpty());
    QVERIFY(logDock->visibleRegion().isEmpty());
    QVERIFY2(launcher->start({ECHO_ANY_PORT, {}, dir.path(), {}}, &error, &b), qPrintable(error));
    SessionController& ctl = *window.controller();
    QTRY_COMPARE_WITH_TIMEOUT(programRows(ctl).size(), 2, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(!portLine(launcher->output(a)).isEmpty() && !portLine(launcher->output(b)).isEmpty(), 10000);
    const QString portA = portLine(launcher->output(a)), portB = portLine(launcher->output(b));
    QVERIFY(portA != portB);
    int shownA = 0, shownB = 0;
    for (int session : programRows(ctl)) {
      window.sessionsPanel()->table()->clearSelection();
      pane->showLaunch(0);  // nothing shown: what follows comes from the selection
      window.sessionsPanel()->reveal(session);
      QTRY_VERIFY_WITH_TIMEOUT(pane->shownLaunch() == a || pane->shownLaunch() == b, 5000);
      if (pane->shownLaunch() == a) {
        ++shownA;
        QVERIFY(pane->text().contains(portA) && !pane->text().contains(portB));
        saveShot(window);
      } else {
        ++shownB;
        QVERIFY(pane->text().contains(portB) && !pane->text().contains(portA));
      }
    }
    window.sessionsPanel()->table()->clearSelection();  // no session: nothing shown
    QTRY_COMPARE_WITH_TIMEOUT(pane->shownLaunch(), 0, 5000);
    QVERIFY(pane->text().isEmpty());
    QCOMPARE(shownA, 1);
    QCOMPARE(shownB, 1);

    // Started as from a terminal: reactorscope-run aimed at the app, not through the launcher.
    QProcess terminal;
    startUnderRun(terminal, dir.filePath("app.sock"), ECHO_ANY_PORT);
    QVERIFY(terminal.waitForStarted(10000));
    QTRY_COMPARE_WITH_TIMEOUT(programRows(ctl).size(), 3, 20000);
    window.sessionsPanel()->reveal(programRows(ctl).back());
    QTRY_VERIFY_WITH_TIMEOUT(pane->text().contains("in the terminal that started it"), 5000);
    QCOMPARE(pane->shownLaunch(), 0);
    QVERIFY2(pane->heading().contains("started outside the app"), qPrintable(pane->heading()));

    terminal.terminate();
    QVERIFY(terminal.waitForFinished(20000));
    launcher->stop();
    QTRY_VERIFY_WITH_TIMEOUT(!launcher->running(), 20000);
  }
};

QTEST_MAIN(TestProgramOutput)
#include "tst_program_output.moc"
