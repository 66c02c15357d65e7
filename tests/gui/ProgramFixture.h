// Shared by the GUI tests that run traced programs (tst_program_session,
// tst_program_output, tst_app_recording): an app-side listener of the test's
// own (ProgramSessions on a socket in a temporary directory, never the user's
// real app), the Program sessions' rows, and the echo fixture started under
// reactorscope-run.
// RUN_PATH, ECHO_ANY_PORT and FORK_WORKERS come from tests/gui/CMakeLists.txt
// (empty in sanitizer builds, which have no fixture programs: those cases skip).
// Header-only; GUI thread only, like the models it drives. Waits are bounded
// hang guards, never timing assertions.
#pragma once
#include <signal.h>
#include <unistd.h>

#include <QDeadlineTimer>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QVector>
#include <QtTest>

#include "live/AppSocket.h"
#include "model/ProgramSessions.h"
#include "model/SessionController.h"

#define SKIP_WITHOUT_FIXTURE() \
  do { \
    if (QString(ECHO_ANY_PORT).isEmpty()) QSKIP("no fixture program in a sanitizer build"); \
  } while (0)

namespace rs::gui::test {

// A session controller and the program listener feeding it, on
// dir/app.sock once listen() returned true.
struct ProgramRig {
  QTemporaryDir dir;
  SessionController ctl;
  ProgramSessions programs{&ctl};

  QString socketPath() const { return dir.filePath("app.sock"); }
  bool listen(QString* error = nullptr) { return programs.listen(socketPath(), error); }
};

// The first Program session's row, nullptr while there is none.
inline const SessionRow* programRow(SessionController& ctl) {
  for (const SessionRow& r : ctl.sessionModel()->rows())
    if (r.kind == EngineSession::Kind::Program) return &r;
  return nullptr;
}

// The ids of all Program sessions, in the Sessions model's order.
inline QVector<int> programRows(SessionController& ctl) {
  QVector<int> ids;
  for (const SessionRow& r : ctl.sessionModel()->rows())
    if (r.kind == EngineSession::Kind::Program) ids << r.id;
  return ids;
}

// The first Program session's id once its row is there; 0 when none came
// within timeoutMs (a hang guard).
inline int waitProgramSession(SessionController& ctl, int timeoutMs) {
  return QTest::qWaitFor([&] { return programRow(ctl) != nullptr; }, timeoutMs) ? programRow(ctl)->id : 0;
}

// Starts `program` under reactorscope-run aimed at the app socket `socket`, as
// from a terminal (not through a launcher); does not wait.
inline void startUnderRun(QProcess& run, const QString& socket, const QString& program) {
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.insert(live::kAppSocketEnv, socket);
  run.setProcessEnvironment(env);
  // reactorscope-run and the program in a process group of their own, killed
  // with `run`: a case that fails midway leaves no program behind (killing
  // reactorscope-run alone, as QProcess does, leaves it running under init).
  run.setChildProcessModifier([] { ::setpgid(0, 0); });
  run.start(RUN_PATH, {"--", program});
  if (const auto group = static_cast<pid_t>(run.processId()); group > 0)
    QObject::connect(&run, &QObject::destroyed, [group] { ::kill(-group, SIGKILL); });
}

// startUnderRun on the echo fixture; the port it printed first ("port N"),
// 0 when it did not start or say so within 20 s.
inline uint16_t startEchoUnderRun(QProcess& run, const QString& socket) {
  startUnderRun(run, socket, ECHO_ANY_PORT);
  if (!run.waitForStarted(10000)) return 0;
  QDeadlineTimer guard(20000);
  while (!run.canReadLine() && run.state() != QProcess::NotRunning && !guard.hasExpired()) QTest::qWait(20);
  const QByteArray first = run.readLine().trimmed();
  return first.startsWith("port ") ? static_cast<uint16_t>(first.mid(5).toUInt()) : 0;
}

// startEchoUnderRun aimed at the rig's listener, then waitProgramSession (10 s):
// the echo program's session id, 0 when it did not start or its session did not come.
inline int runEchoSession(ProgramRig& rig, QProcess& run) {
  if (startEchoUnderRun(run, rig.socketPath()) == 0) return 0;
  return waitProgramSession(rig.ctl, 10000);
}

}  // namespace rs::gui::test
