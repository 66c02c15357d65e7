// A traced program in the app: the app-side listener (ProgramSessions on a
// socket in a test directory, via REACTORSCOPE_APP_SOCKET, never the user's
// real app) takes a libevent echo server started under reactorscope-run; a
// loopback client drives it; the models must show a session named after the
// process, events labelled with the program's callback names (accept_cb,
// read_cb), its records (transitions, buffer levels), and the session ending
// when the program exits. A malformed stream ends its session with the
// decoder's error in the log and keeps what arrived; a peer of another uid is
// rejected with a log line; the socket is 0600 in a 0700 directory. How the
// program ended (the relay's exit message) reaches the log and the row; the
// Sessions panel's Stop on a program started outside the app sends SIGTERM
// (the row ends Stopped with the signal), SIGKILL after the grace period to
// one that ignores it, and refuses a pid it must not signal. Lifecycles: the
// app starting after the program attaches to it; the app quitting leaves it
// running (reactorscope-run survives, no SIGPIPE); a crash ends the session
// Failed with the signal, what arrived kept. The Run dialog: recent launches,
// environment lines reaching the program, the Program output pane, a start
// that never blocks (failures reported afterwards).
// Waits are bounded hang guards (QTRY_*), never timing assertions.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <signal.h>
#include <unistd.h>

#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QLineEdit>
#include <QPushButton>
#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>
#include <QDir>

#include <cstring>
#include <functional>

#include "FreshSettings.h"
#include "ProgramFixture.h"
#include "compat/LiveProtocol.h"
#include "live/Handoff.h"
#include "widgets/MainWindow.h"
#include "widgets/ProgramOutputPane.h"
#include "widgets/RunProgramDialog.h"
#include "widgets/SessionsPanel.h"

using namespace rs;
using namespace rs::gui;
using namespace rs::gui::test;

namespace {

int connectUnix(const QString& path) {
  std::string error;
  return live::connectToApp(path.toStdString(), &error);
}

int connectTcp(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
  if (fd >= 0) ::close(fd);
  return -1;
}

// Reads until n bytes arrived or the peer closed (10 s hang guard), the GUI's event loop running meanwhile.
QByteArray receive(int fd, qsizetype n) {
  QByteArray got;
  QDeadlineTimer guard(10000);
  while (got.size() < n && !guard.hasExpired()) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) {
      QTest::qWait(10);
      continue;
    }
    char buf[4096];
    const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
    if (r <= 0) break;
    got.append(buf, static_cast<qsizetype>(r));
  }
  return got;
}

QStringList logText(SessionController& ctl) {
  QVector<LogEntry> lines;
  ctl.aggregator().logLines(0, &lines);
  QStringList out;
  for (const LogEntry& l : lines) out << l.text;
  return out;
}

bool logHas(SessionController& ctl, const QString& part) {
  for (const QString& l : logText(ctl))
    if (l.contains(part)) return true;
  return false;
}

// Rows of `session` whose label contains `name`.
int rowsLabelled(SessionController& ctl, int session, const QString& name, quint64* activations = nullptr) {
  int n = 0;
  const FrameSource& f = ctl.frameSource();
  for (int i = 0; i < f.rowCount(); ++i) {
    const EventRow& e = f.row(i);
    if (e.session != session || !e.label.contains(name)) continue;
    ++n;
    if (activations) *activations += e.activations;
  }
  return n;
}

// Rows of `session` labelled read_cb whose owner has the session's buffer series.
int readRowsOwnedByTheirConnection(SessionController& ctl, int session) {
  int n = 0;
  const FrameSource& f = ctl.frameSource();
  for (int i = 0; i < f.rowCount(); ++i) {
    const EventRow& e = f.row(i);
    if (e.session != session || !e.label.contains("read_cb")) continue;
    const ConnectionSeries* c = e.owner ? f.connection(e.owner) : nullptr;
    if (c && c->session == session) ++n;
  }
  return n;
}

// A hello frame naming `pid` and the process `name` (executable /tmp/NAME).
void appendHello(live::Encoder& e, uint32_t pid, const std::string& name) {
  e.begin(live::MessageType::Hello);
  e.u32(live::kProtocolVersion);
  e.u32(pid);
  e.u64(1000);
  e.str(name);
  e.str("/tmp/" + name);
  e.end();
}

// What a target's collector sends first: hello (naming `pid`) and base 1.
std::string helloAndBase(uint32_t pid) {
  std::string out;
  live::Encoder e(out);
  appendHello(e, pid, "fake");
  e.begin(live::MessageType::BaseCreated);
  e.u64(1);
  e.str("epoll");
  e.end();
  return out;
}

// A relay's connection that handed a stream over, as reactorscope-run makes
// it: *connection for the app, *relayEnd and *programEnd for the test to write
// (the relay's bytes after the stream, the program's stream).
bool handedOff(int* connection, int* relayEnd, int* programEnd) {
  int relay[2];
  int stream[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, relay) != 0) return false;
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, stream) != 0) return false;
  std::string error;
  const bool sent = live::sendHandoff(relay[1], stream[0], &error);
  ::close(stream[0]);  // (the app has its copy now)
  *connection = relay[0];
  *relayEnd = relay[1];
  *programEnd = stream[1];
  return sent;
}

// A records frame of `base` holding `recs`.
void appendRecords(live::Encoder& e, uint64_t base, const std::vector<TraceRecord>& recs) {
  e.begin(live::MessageType::Records);
  e.u64(base);
  e.u32(static_cast<uint32_t>(recs.size()));
  e.u32(0);
  e.raw(recs.data(), recs.size() * sizeof(TraceRecord));
  e.end();
}

}  // namespace

class TestProgramSession : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    test::useFreshSettings(QStringLiteral("tst_program_session"));
  }

  void socketIsPrivate() {
    QTemporaryDir dir;
    const QString path = dir.filePath("sub/app.sock");
    SessionController ctl;
    ProgramSessions programs(&ctl);
    QString error;
    QVERIFY2(programs.listen(path, &error), qPrintable(error));
    struct stat st {};
    QCOMPARE(::stat(QFileInfo(path).path().toLocal8Bit().constData(), &st), 0);
    QCOMPARE(st.st_mode & 0777, 0700u);
    QCOMPARE(::stat(path.toLocal8Bit().constData(), &st), 0);
    QVERIFY(S_ISSOCK(st.st_mode));
    QCOMPARE(st.st_mode & 0777, 0600u);
    // A second app does not take the socket over.
    ProgramSessions second(&ctl);
    QVERIFY(!second.listen(path, &error));
    QVERIFY2(error.contains("another ReactorScope app"), qPrintable(error));
    // A directory open to others is refused.
    const QString open = dir.filePath("open");
    QVERIFY(QDir().mkdir(open));
    QVERIFY(::chmod(open.toLocal8Bit().constData(), 0755) == 0);
    ProgramSessions third(&ctl);
    QVERIFY(!third.listen(open + "/app.sock", &error));
    QVERIFY2(error.contains("open to other users"), qPrintable(error));
  }

  void otherUsersAreRejected() {
    ProgramRig rig;
    QVERIFY(rig.listen());
    auto& [dir, ctl, programs] = rig;
    programs.server().setAllowedUid(::getuid() + 1);  // as if we were someone else
    const int fd = connectUnix(rig.socketPath());
    QVERIFY(fd >= 0);
    QTRY_VERIFY_WITH_TIMEOUT(logHas(ctl, "rejected a connection"), 10000);
    char c;
    QCOMPARE(::read(fd, &c, 1), ssize_t{0});  // closed on it
    ::close(fd);
    QVERIFY(programs.programs().empty());
  }

  void programAppearsLiveWithItsCallbackNames() {
    SKIP_WITHOUT_FIXTURE();
    ProgramRig rig;
    QVERIFY(rig.listen());
    auto& [dir, ctl, programs] = rig;

    QProcess run;
    const uint16_t port = startEchoUnderRun(run, rig.socketPath());
    QVERIFY2(port != 0, qPrintable(run.errorString() + run.readAllStandardError()));

    // A session named after the process (its comm: at most 15 characters).
    QTRY_VERIFY_WITH_TIMEOUT(programRow(ctl) != nullptr, 10000);
    const QString comm = QFileInfo(ECHO_ANY_PORT).fileName().left(15);
    const SessionRow row = *programRow(ctl);
    QVERIFY2(row.title.startsWith(comm + "[") && row.title.contains("base 1"), qPrintable(row.title));
    QCOMPARE(row.status, EngineSession::Status::Running);
    const int session = row.id;
    QCOMPARE(programs.programs().size(), size_t{1});
    QCOMPARE(programs.programs().front()->processName(), comm);

    // The listener's event carries accept_cb; a connection's events read_cb (with event_cb).
    QTRY_VERIFY_WITH_TIMEOUT(rowsLabelled(ctl, session, "accept_cb") > 0, 10000);
    const int client = connectTcp(port);
    QVERIFY(client >= 0);
    const QByteArray hello = "hello, app\n";
    QCOMPARE(::send(client, hello.constData(), static_cast<size_t>(hello.size()), MSG_NOSIGNAL),
             static_cast<ssize_t>(hello.size()));
    QCOMPARE(receive(client, hello.size()), hello);
    quint64 activations = 0;
    QTRY_VERIFY_WITH_TIMEOUT((activations = 0, rowsLabelled(ctl, session, "read_cb", &activations) > 0 && activations > 0),
                             10000);
    QTRY_VERIFY_WITH_TIMEOUT(rowsLabelled(ctl, session, "event_cb") > 0, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(rowsLabelled(ctl, session, "127.0.0.1:") > 0, 10000);  // the peer address
    const SessionTraceStats* stats = ctl.frameSource().sessionStats(session);
    QVERIFY(stats && stats->records > 0 && stats->transitions > 0);
    // The connection's buffers arrive as series of the session.
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(ctl.frameSource().connections().begin(), ctl.frameSource().connections().end(),
                                         [&](const ConnectionSeries& c) { return c.session == session; }),
                             10000);
    // The connection's events lead to its buffers (the events table's connection
    // link): their rows carry its owner, though event_new came before the tag.
    QVERIFY(readRowsOwnedByTheirConnection(ctl, session) > 0);
    // The sessions table's row says what the trace says: one live connection
    // (also in the status bar's count), its records; not an echo server's zeros.
    QTRY_VERIFY_WITH_TIMEOUT(ctl.sessionModel()->session(session)->connections == 1, 10000);
    QVERIFY(ctl.liveConnections() >= 1);
    QTRY_VERIFY_WITH_TIMEOUT(ctl.sessionModel()->session(session)->traceRecords > 0, 10000);
    const int rowIndex = static_cast<int>(std::distance(
        ctl.sessionModel()->rows().begin(),
        std::find_if(ctl.sessionModel()->rows().begin(), ctl.sessionModel()->rows().end(),
                     [&](const SessionRow& r) { return r.id == session; })));
    const QString totals = ctl.sessionModel()->index(rowIndex, SessionListModel::ColTotals).data().toString();
    QVERIFY2(totals.contains(QRegularExpression(R"(^\d+ records, 0 dropped$)")), qPrintable(totals));

    // "quit": the program frees its base and exits 0; the session ends with it.
    const QByteArray quit = "quit\n";
    QVERIFY(::send(client, quit.constData(), static_cast<size_t>(quit.size()), MSG_NOSIGNAL) > 0);
    QTRY_VERIFY_WITH_TIMEOUT(run.state() == QProcess::NotRunning, 20000);
    QCOMPARE(run.exitCode(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(programs.programs().front()->ended(), 10000);
    QCOMPARE(ctl.sessionModel()->session(session)->status, EngineSession::Status::Finished);
    QVERIFY(logHas(ctl, "the program ended"));
    // The relay's exit message: in the log and the row, for a program started outside the app.
    QVERIFY(programs.programs().front()->exit().has_value());
    QVERIFY2(logHas(ctl, "exited: exit code 0"), qPrintable(logText(ctl).join('\n')));
    QVERIFY2(ctl.sessionModel()->session(session)->error.contains("exited: exit code 0"),
             qPrintable(ctl.sessionModel()->session(session)->error));
    QVERIFY(rowsLabelled(ctl, session, "read_cb") > 0);  // what arrived stays
    QTRY_COMPARE_WITH_TIMEOUT(ctl.sessionModel()->session(session)->connections, quint64{0}, 10000);
    ::close(client);
  }

  // The app starting after the program: reactorscope-run finds no app, runs
  // the program anyway and keeps looking; once a listener is up the program
  // appears with the base it created before, its listener's callback name
  // (accept_cb, sent before the app listened) and what happens from then on.
  void appStartingAfterTheProgramAttaches() {
    SKIP_WITHOUT_FIXTURE();
    QTemporaryDir dir;
    const QString path = dir.filePath("later/app.sock");
    QProcess run;
    const uint16_t port = startEchoUnderRun(run, path);  // nothing listens yet
    QByteArray err = run.readAllStandardError();
    QVERIFY2(port != 0, qPrintable(run.errorString() + err));
    QTRY_VERIFY_WITH_TIMEOUT((err += run.readAllStandardError()).contains("no ReactorScope app is listening"), 10000);

    SessionController ctl;
    ProgramSessions programs(&ctl);
    QVERIFY(programs.listen(path));
    QTRY_VERIFY_WITH_TIMEOUT(programRow(ctl) != nullptr, 10000);
    const SessionRow row = *programRow(ctl);
    QVERIFY2(row.title.contains("base 1"), qPrintable(row.title));
    const int session = row.id;
    const int client = connectTcp(port);
    QVERIFY(client >= 0);
    // (An event's row appears with its first record after the attach: the
    // listener's at this accept, labelled by the callback message replayed.)
    QTRY_VERIFY_WITH_TIMEOUT(rowsLabelled(ctl, session, "accept_cb") > 0, 10000);
    const QByteArray hello = "late app\n";
    QVERIFY(::send(client, hello.constData(), static_cast<size_t>(hello.size()), MSG_NOSIGNAL) > 0);
    QCOMPARE(receive(client, hello.size()), hello);
    quint64 activations = 0;
    QTRY_VERIFY_WITH_TIMEOUT((activations = 0, rowsLabelled(ctl, session, "read_cb", &activations) > 0 && activations > 0),
                             10000);
    const QByteArray quit = "quit\n";
    QVERIFY(::send(client, quit.constData(), static_cast<size_t>(quit.size()), MSG_NOSIGNAL) > 0);
    QTRY_VERIFY_WITH_TIMEOUT(run.state() == QProcess::NotRunning, 20000);
    QCOMPARE(run.exitCode(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(programs.programs().front()->ended(), 10000);
    QVERIFY2(ctl.sessionModel()->session(session)->error.contains("exited: exit code 0"),
             qPrintable(ctl.sessionModel()->session(session)->error));
    ::close(client);
  }

  // fork: each worker of a prefork program is a program of its own in the
  // app (its own connection, pid and session), its inherited base labelled
  // with the callbacks set before the fork; all end Finished.
  void forkedWorkersAreProgramsOfTheirOwn() {
    SKIP_WITHOUT_FIXTURE();
    ProgramRig rig;
    QVERIFY(rig.listen());
    auto& [dir, ctl, programs] = rig;
    QProcess run;
    startUnderRun(run, rig.socketPath(), FORK_WORKERS);
    QTRY_VERIFY_WITH_TIMEOUT(run.state() == QProcess::NotRunning, 20000);
    QCOMPARE(run.exitCode(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(programs.programs().size() == 3 &&
                                 std::all_of(programs.programs().begin(), programs.programs().end(),
                                             [](ProgramSession* p) { return p->ended(); }),
                             10000);
    QSet<QString> titles;
    for (const SessionRow& r : ctl.sessionModel()->rows()) {
      if (r.kind != EngineSession::Kind::Program) continue;
      titles << r.title;
      QCOMPARE(r.status, EngineSession::Status::Finished);
      QVERIFY2(r.title.contains("base 1"), qPrintable(r.title));
      QVERIFY(rowsLabelled(ctl, r.id, "parent_tick") == 1);  // labelled in the workers too
    }
    QCOMPARE(titles.size(), 3);  // three pids
  }

  // The program crashing (SIGSEGV): its session ends Failed with the signal,
  // and everything received (its events, their callback names) stays.
  void aCrashEndsTheSessionWithTheSignal() {
    SKIP_WITHOUT_FIXTURE();
    const rlimit noCore{0, 0};
    ::setrlimit(RLIMIT_CORE, &noCore);  // (inherited: no core file from the crash)
    ProgramRig rig;
    QVERIFY(rig.listen());
    auto& [dir, ctl, programs] = rig;
    QProcess run;
    const int session = runEchoSession(rig, run);
    QVERIFY(session != 0);
    QTRY_VERIFY_WITH_TIMEOUT(rowsLabelled(ctl, session, "accept_cb") > 0, 10000);
    const QRegularExpressionMatch pid = QRegularExpression(R"(\[(\d+)\])").match(programRow(ctl)->title);
    QVERIFY(pid.hasMatch());
    QCOMPARE(::kill(static_cast<pid_t>(pid.captured(1).toInt()), SIGSEGV), 0);
    QTRY_VERIFY_WITH_TIMEOUT(run.state() == QProcess::NotRunning, 20000);
    QCOMPARE(run.exitStatus(), QProcess::CrashExit);
    QTRY_VERIFY_WITH_TIMEOUT(programs.programs().front()->ended(), 10000);
    const SessionRow* row = ctl.sessionModel()->session(session);
    QCOMPARE(row->status, EngineSession::Status::Failed);
    QVERIFY2(row->error.contains("exited: signal 11 (SIGSEGV)"), qPrintable(row->error));
    const int rowIndex = ctl.sessionModel()->rowOfId(session);
    QCOMPARE(ctl.sessionModel()->data(ctl.sessionModel()->index(rowIndex, SessionListModel::ColStatus)).toString(),
             QStringLiteral("failed (SIGSEGV)"));
    QVERIFY(rowsLabelled(ctl, session, "accept_cb") > 0);  // what arrived stays
    QVERIFY(ctl.frameSource().sessionStats(session)->records > 0);
  }

  // The app quitting while a traced program runs: the program goes on (it
  // still echoes), reactorscope-run says the app went away and does not die
  // of SIGPIPE; a new app gets the program again (its process notices the
  // stream closed and opens a new one, which reactorscope-run attaches to the
  // next app: the program's name, its live events' callback names, new
  // records); the exit status is still its own.
  void appQuittingLeavesTheProgramRunning() {
    SKIP_WITHOUT_FIXTURE();
    QTemporaryDir dir;
    const QString path = dir.filePath("app.sock");
    SessionController ctl;
    auto programs = std::make_unique<ProgramSessions>(&ctl);
    QVERIFY(programs->listen(path));
    QProcess run;
    const uint16_t port = startEchoUnderRun(run, path);
    QVERIFY(port != 0);
    QTRY_VERIFY_WITH_TIMEOUT(programRow(ctl) != nullptr, 10000);
    programs.reset();  // the app quits: its listener and connections close
    QByteArray err;
    QTRY_VERIFY_WITH_TIMEOUT((err += run.readAllStandardError()).contains("the app went away"), 10000);
    QCOMPARE(run.state(), QProcess::Running);

    SessionController next;
    ProgramSessions again(&next);
    QVERIFY(again.listen(path));
    QTRY_VERIFY_WITH_TIMEOUT(programRow(next) != nullptr, 20000);
    const int session = programRow(next)->id;
    QVERIFY2(programRow(next)->title.contains("base 1"), qPrintable(programRow(next)->title));

    const int client = connectTcp(port);
    QVERIFY(client >= 0);
    QTRY_VERIFY_WITH_TIMEOUT(rowsLabelled(next, session, "accept_cb") > 0, 10000);  // set up before this app
    for (int i = 0; i < 20; ++i) {
      const QByteArray line = "still here\n";
      QVERIFY(::send(client, line.constData(), static_cast<size_t>(line.size()), MSG_NOSIGNAL) > 0);
      QCOMPARE(receive(client, line.size()), line);
    }
    QTRY_VERIFY_WITH_TIMEOUT(rowsLabelled(next, session, "read_cb") > 0, 10000);

    const QByteArray quit = "quit\n";
    QVERIFY(::send(client, quit.constData(), static_cast<size_t>(quit.size()), MSG_NOSIGNAL) > 0);
    QTRY_VERIFY_WITH_TIMEOUT(run.state() == QProcess::NotRunning, 20000);
    QCOMPARE(run.exitStatus(), QProcess::NormalExit);  // not SIGPIPE
    QCOMPARE(run.exitCode(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(again.programs().front()->ended(), 10000);
    QVERIFY2(next.sessionModel()->session(session)->error.contains("exited: exit code 0"),
             qPrintable(next.sessionModel()->session(session)->error));
    ::close(client);
  }

  // The Sessions panel's Stop on a program started in a terminal (not by the
  // app): SIGTERM to the pid its hello named; the relay's exit message says
  // so; the row ends Stopped with the signal.
  void stopReachesAProgramStartedElsewhere() {
    SKIP_WITHOUT_FIXTURE();
    ProgramRig rig;
    QVERIFY(rig.listen());
    auto& [dir, ctl, programs] = rig;
    SessionsPanel panel(&ctl);
    QProcess run;
    const int session = runEchoSession(rig, run);
    QVERIFY(session != 0);
    auto* stop = panel.findChild<QPushButton*>(QStringLiteral("sessionAction%1").arg(session));
    QVERIFY(stop);
    QCOMPARE(stop->text(), QStringLiteral("Stop"));
    stop->click();  // the panel's Stop: SessionController::stopSession -> ProgramSession::stop
    QVERIFY(ctl.sessionModel()->session(session)->status == EngineSession::Status::Stopping);
    QCOMPARE(stop->text(), QStringLiteral("Stopping…"));
    QTRY_VERIFY_WITH_TIMEOUT(run.state() == QProcess::NotRunning, 20000);
    QCOMPARE(run.exitStatus(), QProcess::CrashExit);  // the relay ends as the program did
    QTRY_VERIFY_WITH_TIMEOUT(programs.programs().front()->ended(), 10000);
    const SessionRow* row = ctl.sessionModel()->session(session);
    QCOMPARE(row->status, EngineSession::Status::Stopped);
    QVERIFY2(row->error.contains("exited: signal 15 (SIGTERM)"), qPrintable(row->error));
    QVERIFY(logHas(ctl, ": SIGTERM"));
    QVERIFY(!logHas(ctl, "SIGKILL"));
    QTRY_COMPARE_WITH_TIMEOUT(stop->text(), QStringLiteral("Remove"), 10000);
  }

  // A program that ignores SIGTERM gets SIGKILL after the grace period; a
  // hello naming a pid the app must not signal (1) is refused with a line.
  void stopEscalatesToSigkillAndRefusesForeignPids() {
    ProgramRig rig;
    QVERIFY(rig.listen());
    auto& [dir, ctl, programs] = rig;
    QProcess stubborn;
    stubborn.start("/bin/sh", {"-c", "trap '' TERM; echo ready; exec sleep 60"});
    QVERIFY(stubborn.waitForStarted(10000));
    QTRY_VERIFY_WITH_TIMEOUT(stubborn.canReadLine(), 10000);
    const int fd = connectUnix(rig.socketPath());
    QVERIFY(fd >= 0);
    const std::string stream = helloAndBase(static_cast<uint32_t>(stubborn.processId()));
    QCOMPARE(::send(fd, stream.data(), stream.size(), MSG_NOSIGNAL), static_cast<ssize_t>(stream.size()));
    QTRY_VERIFY_WITH_TIMEOUT(programRow(ctl) != nullptr, 10000);
    const int session = programRow(ctl)->id;
    programs.programs().front()->setStopGraceMs(200);
    ctl.stopSession(session);
    QTRY_VERIFY_WITH_TIMEOUT(stubborn.state() == QProcess::NotRunning, 10000);
    QCOMPARE(stubborn.exitStatus(), QProcess::CrashExit);
    QVERIFY2(logHas(ctl, "still runs after 200 ms: SIGKILL"), qPrintable(logText(ctl).join('\n')));
    ::close(fd);  // its stream ends: the session ends Stopped
    QTRY_VERIFY_WITH_TIMEOUT(programs.programs().front()->ended(), 10000);
    QCOMPARE(ctl.sessionModel()->session(session)->status, EngineSession::Status::Stopped);

    const int init = connectUnix(rig.socketPath());
    QVERIFY(init >= 0);
    const std::string pidOne = helloAndBase(1);
    QCOMPARE(::send(init, pidOne.data(), pidOne.size(), MSG_NOSIGNAL), static_cast<ssize_t>(pidOne.size()));
    QTRY_COMPARE_WITH_TIMEOUT(programs.programs().size(), size_t{2}, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(programs.programs().back()->sessionIds().size() == 1, 10000);
    ctl.stopSession(programs.programs().back()->sessionIds().front());
    QVERIFY2(logHas(ctl, "cannot stop fake[1]: its pid 1 cannot be signalled"), qPrintable(logText(ctl).join('\n')));
    ::close(init);
  }

  // The Run dialog's code path: the launcher starts reactorscope-run aimed at
  // this listener; the session appears with callback names, the program's
  // stdout is in the log, Stop (SIGTERM) ends it and the session with it.
  void runProgramCapturesOutputAndStops() {
    SKIP_WITHOUT_FIXTURE();
    ProgramRig rig;
    QVERIFY(rig.listen());
    auto& [dir, ctl, programs] = rig;
    ProgramLauncher* launcher = programs.launcher();
    QVERIFY(launcher);
    launcher->setRunPath(RUN_PATH);
    QString error;
    QVERIFY(!launcher->start({"", {}, {}, {}}, &error));
    QVERIFY2(error.contains("no program"), qPrintable(error));
    QVERIFY(!launcher->start({ECHO_ANY_PORT, {}, dir.filePath("missing"), {}}, &error));
    QVERIFY2(error.contains("does not exist"), qPrintable(error));
    QVERIFY(!launcher->start({ECHO_ANY_PORT, {}, dir.path(), {"=x"}}, &error));
    QVERIFY2(error.contains("environment: '' is not a variable name"), qPrintable(error));
    QVERIFY2(launcher->start({ECHO_ANY_PORT, {}, dir.path(), {}}, &error), qPrintable(error));
    QVERIFY(launcher->running());
    const int session = waitProgramSession(ctl, 20000);
    QVERIFY(session != 0);
    QTRY_VERIFY_WITH_TIMEOUT(rowsLabelled(ctl, session, "accept_cb") > 0, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(logHas(ctl, "stdout: port "), 10000);
    launcher->stop();
    QTRY_VERIFY_WITH_TIMEOUT(!launcher->running(), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(programs.programs().front()->ended(), 10000);
    QVERIFY2(logHas(ctl, "was ended by signal 15 (SIGTERM)"), qPrintable(logText(ctl).join('\n')));
    QVERIFY2(logHas(ctl, "exited: signal 15 (SIGTERM)"), qPrintable(logText(ctl).join('\n')));
    QVERIFY(ctl.sessionModel()->session(session)->status == EngineSession::Status::Stopped);
  }

  // The dialog's form: what it refuses (and says), how it splits arguments;
  // the main window's Session menu offers it.
  void runDialogChecksItsForm() {
    SKIP_WITHOUT_FIXTURE();
    QTemporaryDir dir;
    RunProgramDialog dialog;
    dialog.setLaunch({"", {}, {}, {}});
    QVERIFY(dialog.errorText().contains("give the program"));
    dialog.programEdit()->setText(ECHO_ANY_PORT);
    dialog.directoryEdit()->setText(dir.filePath("missing"));
    QVERIFY2(dialog.errorText().contains("does not exist"), qPrintable(dialog.errorText()));
    dialog.directoryEdit()->setText(dir.path());
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    QFile plain(dir.filePath("notes.txt"));
    QVERIFY(plain.open(QIODevice::WriteOnly));
    plain.close();
    dialog.programEdit()->setText("./notes.txt");  // relative to the working directory
    QVERIFY2(dialog.errorText().contains("not an executable file"), qPrintable(dialog.errorText()));
    dialog.programEdit()->setText(ECHO_ANY_PORT);
    dialog.argumentsEdit()->setText(R"(8888 "two words" -v)");
    const ProgramLaunch l = dialog.launch();
    QCOMPARE(l.program, QString(ECHO_ANY_PORT));
    QCOMPARE(l.arguments, (QStringList{"8888", "two words", "-v"}));
    QCOMPARE(l.workingDirectory, dir.path());

    MainWindow window;
    QAction* run = window.findChild<QAction*>("actionRunProgram");
    QVERIFY(run);
    QVERIFY(window.findChild<QAction*>("actionStopProgram"));
    QVERIFY(!window.findChild<QAction*>("actionStopProgram")->isEnabled());
    auto* outputDock = window.findChild<QDockWidget*>("programOutputDock");
    QVERIFY(outputDock && outputDock->findChild<ProgramOutputPane*>());
    QVERIFY(window.tabifiedDockWidgets(outputDock).contains(window.findChild<QDockWidget*>("logDock")));
  }

  // Recent: each accepted launch goes first (once), at most kMaxRecent kept;
  // a new dialog starts from the newest; picking one fills every field.
  void runDialogRemembersRecentLaunches() {
    QTemporaryDir dir;
    QSettings().remove("runProgram");
    for (int i = 0; i < RunProgramDialog::kMaxRecent + 2; ++i) {
      RunProgramDialog d;
      d.setLaunch({"/bin/prog", {QString::number(i)}, i % 2 ? dir.path() : QString(), {QString("N=%1").arg(i)}});
      d.saveSettings();
      d.saveSettings();  // the same launch again: still one entry
    }
    RunProgramDialog dialog;
    dialog.loadSettings();
    QCOMPARE(dialog.recent().size(), RunProgramDialog::kMaxRecent);
    QCOMPARE(dialog.recentBox()->count(), RunProgramDialog::kMaxRecent);
    const int newest = RunProgramDialog::kMaxRecent + 1;
    QCOMPARE(dialog.launch(), (ProgramLaunch{"/bin/prog", {QString::number(newest)}, dir.path(), {QString("N=%1").arg(newest)}}));
    dialog.recentBox()->setCurrentIndex(3);
    emit dialog.recentBox()->activated(3);
    const int picked = newest - 3;
    QCOMPARE(dialog.argumentsEdit()->text(), QString::number(picked));
    QCOMPARE(dialog.directoryEdit()->text(), picked % 2 ? dir.path() : QString());
    QCOMPARE(dialog.environmentEdit()->toPlainText(), QString("N=%1").arg(picked));
    QVERIFY(dialog.recentBox()->itemText(3).contains("[N=" + QString::number(picked) + "]"));
  }

  // Environment lines: KEY=VALUE or the form says which line is wrong; the
  // launched program gets them (its /proc/<pid>/environ), and the Program
  // output pane shows its stdout under a heading naming it (and the relay's pid).
  void runDialogEnvironmentReachesTheProgram() {
    SKIP_WITHOUT_FIXTURE();
    RunProgramDialog dialog;
    dialog.programEdit()->setText(ECHO_ANY_PORT);
    dialog.environmentEdit()->setPlainText("RS_GREETING=hello world\nnot a pair");
    QVERIFY2(dialog.errorText().contains("Environment: 'not a pair' is not KEY=VALUE"), qPrintable(dialog.errorText()));
    dialog.environmentEdit()->setPlainText("RS_GREETING=hello world\n1X=y");
    QVERIFY2(dialog.errorText().contains("'1X' is not a variable name"), qPrintable(dialog.errorText()));
    dialog.environmentEdit()->setPlainText("RS_GREETING=hello world\n\n  RS_EMPTY=  \n");
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    QCOMPARE(dialog.launch().environment, (QStringList{"RS_GREETING=hello world", "RS_EMPTY="}));

    ProgramRig rig;
    QVERIFY(rig.listen());
    auto& [dir, ctl, programs] = rig;
    ProgramLauncher* launcher = programs.launcher();
    launcher->setRunPath(RUN_PATH);
    ProgramOutputPane pane;
    pane.follow(&programs);
    QString error;
    QVERIFY2(launcher->start(dialog.launch(), &error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(programRow(ctl) != nullptr, 20000);
    const QRegularExpressionMatch pid = QRegularExpression(R"(\[(\d+)\])").match(programRow(ctl)->title);
    QVERIFY(pid.hasMatch());
    QFile environment(QString("/proc/%1/environ").arg(pid.captured(1)));
    QVERIFY(environment.open(QIODevice::ReadOnly));
    const QList<QByteArray> entries = environment.readAll().split('\0');
    QVERIFY(entries.contains("RS_GREETING=hello world"));
    QVERIFY(entries.contains("RS_EMPTY="));
    QTRY_VERIFY_WITH_TIMEOUT(pane.text().contains(QRegularExpression(R"(^port \d+$)", QRegularExpression::MultilineOption)),
                             10000);
    QVERIFY2(pane.heading().startsWith(QFileInfo(ECHO_ANY_PORT).fileName() + " (reactorscope-run pid "),
             qPrintable(pane.heading()));
    QVERIFY(logHas(ctl, "stdout: port "));  // the shared log keeps its line
    launcher->stop();
    QTRY_VERIFY_WITH_TIMEOUT(!launcher->running(), 20000);
  }

  // Starting never waits for the process: a relay that cannot be executed
  // is accepted by start() and reported afterwards (log, startFailed, the
  // output pane), the launcher ready again.
  void aProgramThatCannotStartIsReportedLater() {
    ProgramRig rig;
    QVERIFY(rig.listen());
    auto& [dir, ctl, programs] = rig;
    ProgramLauncher* launcher = programs.launcher();
    QFile broken(dir.filePath("broken-run"));
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write("#!/nonexistent/interpreter\n");
    broken.close();
    QVERIFY(broken.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    launcher->setRunPath(broken.fileName());
    ProgramOutputPane pane;
    pane.follow(&programs);
    QSignalSpy failed(launcher, &ProgramLauncher::startFailed);
    QSignalSpy finished(launcher, &ProgramLauncher::finished);
    QString error;
    QVERIFY2(launcher->start({"/bin/true", {}, {}, {}}, &error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 10000);
    QCOMPARE(finished.count(), 1);
    QVERIFY(!launcher->running());
    QVERIFY2(logHas(ctl, "cannot start " + broken.fileName()), qPrintable(logText(ctl).join('\n')));
    QVERIFY(pane.text().contains("cannot start"));
    QVERIFY(!launcher->start({"", {}, {}, {}}, &error));  // refused at once, as before
  }

  // Hostile streams into the app's consumer (not only the decoder): a valid
  // stream of every message kind, then 300 copies with random bytes changed
  // or cut short. Each ends its program (ended(), never a crash or a hang)
  // and bounds what it creates (at most kMaxBases sessions).
  void mutatedStreamsNeverCrashTheApp() {
    std::string valid;
    live::Encoder e(valid);
    e.begin(live::MessageType::Hello);
    e.u32(live::kProtocolVersion);
    e.u32(static_cast<uint32_t>(::getpid()));
    e.u64(1000);
    e.str("fuzzed");
    e.str("/nonexistent/fuzzed");
    e.end();
    e.begin(live::MessageType::BaseCreated);
    e.u64(1);
    e.str("epoll");
    e.end();
    e.begin(live::MessageType::Callback);
    e.u64(1);
    e.u64(2);
    e.u8(1);
    e.u8(0);
    e.u16(2);
    e.u32(0);
    e.u64(0x1234);
    e.u64(0x234);
    e.str("/nonexistent/fuzzed");
    e.end();
    std::vector<TraceRecord> recs(3);
    fillRecord(recs[0], 2000, 2, 0, 7, 9, TraceType::Transition, EventKind::Io, EventState::NonPending,
               EventState::Pending, TraceCause::Add, 0);
    fillRecord(recs[1], 3000, 2, 5, 7, 9, TraceType::BufferLevel, EventKind::Io, EventState::Invalid,
               EventState::Invalid, TraceCause::None, 0);
    recs[1].buffer = BufferId::Input;
    fillRecord(recs[2], 4000, 2, 0, 7, 9, TraceType::Transition, EventKind::Io, EventState::Pending,
               EventState::Invalid, TraceCause::Free, 0);
    appendRecords(e, 1, recs);
    e.begin(live::MessageType::Log);
    e.u32(2);
    e.str("[warn] something");
    e.end();
    e.begin(live::MessageType::Dropped);
    e.u64(1);
    e.u64(3);
    e.u64(4);
    e.end();
    e.begin(live::MessageType::BaseFreed);
    e.u64(1);
    e.end();

    SessionController ctl;
    ctl.setAutoTick(false);
    QRandomGenerator rng(20261206);
    for (int i = 0; i < 300; ++i) {
      std::string bytes = valid;
      if (i > 0) {
        const int flips = 1 + static_cast<int>(rng.bounded(8));
        for (int f = 0; f < flips; ++f)
          bytes[rng.bounded(static_cast<quint32>(bytes.size()))] = static_cast<char>(rng.bounded(256));
        if (rng.bounded(4) == 0) bytes.resize(rng.bounded(static_cast<quint32>(bytes.size())));
      }
      int ends[2];
      QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, ends) == 0);
      ProgramSession program(ends[0], &ctl);
      QCOMPARE(::send(ends[1], bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
      ::close(ends[1]);
      QTRY_VERIFY_WITH_TIMEOUT(program.ended(), 10000);
      QVERIFY(program.sessionIds().size() <= ProgramSession::kMaxLiveBases);
      ctl.tick();
    }
    // The unmutated stream made its session: labelled, ended with its base.
    const SessionRow* first = programRow(ctl);
    QVERIFY(first && first->title.startsWith("fuzzed["));
    QCOMPARE(first->status, EngineSession::Status::Finished);
  }

  // A handoff (live/Handoff.h): the connection's first frame passes the
  // process's own stream socket. The relay's exit may reach the app before the
  // stream's last records: it is taken after the stream's end, so every record
  // arrives and the row still says how the program ended.
  void handedOffStreamIsReadThenTheRelaysExit() {
    SessionController ctl;
    ctl.setAutoTick(false);
    int connection = -1, relayEnd = -1, programEnd = -1;
    QVERIFY(handedOff(&connection, &relayEnd, &programEnd));
    ProgramSession program(connection, &ctl);
    const std::string exit = live::encodeExit(false, 3);
    QCOMPARE(::send(relayEnd, exit.data(), exit.size(), MSG_NOSIGNAL), static_cast<ssize_t>(exit.size()));
    ::close(relayEnd);  // the relay is done before the stream is
    std::string bytes = helloAndBase(4343);
    std::vector<TraceRecord> recs(2);
    fillRecord(recs[0], 2000, 2, 0, 7, 9, TraceType::Transition, EventKind::Io, EventState::NonPending,
               EventState::Pending, TraceCause::Add, 0);
    fillRecord(recs[1], 3000, 2, 0, 7, 9, TraceType::Transition, EventKind::Io, EventState::Pending,
               EventState::Active, TraceCause::ReadyRead, 0);
    live::Encoder e(bytes);
    appendRecords(e, 1, recs);
    QTest::qWait(50);  // (the relay's end is seen first)
    QVERIFY(!program.ended());
    QCOMPARE(::send(programEnd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
    ::close(programEnd);
    QTRY_VERIFY_WITH_TIMEOUT(program.ended(), 10000);
    const SessionRow* row = programRow(ctl);
    QVERIFY(row && row->title.startsWith("fake[4343] base 1"));
    QCOMPARE(ctl.frameSource().sessionStats(row->id)->records, quint64{2});
    QVERIFY(program.exit() && program.exit()->code == 3);
    QCOMPARE(row->status, EngineSession::Status::Failed);
    QVERIFY2(row->error.contains("exited: exit code 3"), qPrintable(row->error));
  }

  // Handoffs that break the rules end that connection with a clear error, and
  // no descriptor that came with them stays open: none, two, a pipe instead of
  // a socket, a body, more than the exit after the stream.
  void brokenHandoffsAreRefused() {
    SessionController ctl;
    ctl.setAutoTick(false);
    const auto openFds = [] { return QDir("/proc/self/fd").entryList(QDir::NoDotAndDotDot | QDir::AllEntries).size(); };
    const auto refused = [&](const std::function<void(int relayEnd)>& send, const QString& why) {
      const auto before = openFds();
      bool ended = false;
      {
        int relay[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, relay) != 0) return false;
        ProgramSession program(relay[0], &ctl);
        send(relay[1]);
        ended = QTest::qWaitFor([&] { return program.ended(); }, 10000);
        ::close(relay[1]);
      }
      const bool said = logHas(ctl, why);
      const bool noneKept = openFds() == before;
      if (!ended || !said || !noneKept) qWarning() << "expected" << why << "in" << logText(ctl) << "fds" << before << openFds();
      return ended && said && noneKept;
    };
    // Sends the handoff header with `fds` (none, one or more).
    const auto sendHeader = [](int fd, std::vector<int> fds) {
      std::string header = live::encodeHandoff();
      iovec part{header.data(), header.size()};
      std::vector<char> control(CMSG_SPACE(sizeof(int) * std::max<size_t>(1, fds.size())));
      msghdr msg{};
      msg.msg_iov = &part;
      msg.msg_iovlen = 1;
      if (!fds.empty()) {
        msg.msg_control = control.data();
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
      }
      return ::sendmsg(fd, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(header.size());
    };
    QVERIFY(refused([&](int fd) { QVERIFY(sendHeader(fd, {})); }, "without the stream's descriptor"));
    QVERIFY(refused(
        [&](int fd) {
          int a[2];
          int b[2];
          QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a) == 0);
          QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b) == 0);
          QVERIFY(sendHeader(fd, {a[0], b[0]}));
          for (int end : {a[0], a[1], b[0], b[1]}) ::close(end);
        },
        "more than one descriptor"));
    QVERIFY(refused(
        [&](int fd) {
          int pipeEnds[2];
          QVERIFY(::pipe2(pipeEnds, O_CLOEXEC) == 0);
          QVERIFY(sendHeader(fd, {pipeEnds[0]}));
          ::close(pipeEnds[0]);
          ::close(pipeEnds[1]);
        },
        "not a Unix stream socket"));
    QVERIFY(refused(
        [&](int fd) {
          std::string withBody = live::encodeHandoff();
          withBody[0] = 4;
          withBody += "abcd";
          ::send(fd, withBody.data(), withBody.size(), MSG_NOSIGNAL);
        },
        "a handoff frame with a body"));
    int stream[2];
    QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, stream) == 0);
    QVERIFY(refused(
        [&](int fd) {
          QVERIFY(sendHeader(fd, {stream[0]}));
          const std::string junk(live::kMaxBytesAfterStream + 1, 'x');
          ::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
        },
        "bytes after the handed-off stream"));
    ::close(stream[0]);
    ::close(stream[1]);
  }

  // A handed-off stream that ends inside a frame (a crash mid-write) gets no
  // exit glued onto its cut frame: the session fails with the truncation, and
  // the relay's exit is not taken.
  void handedOffStreamCutShortTakesNoExit() {
    SessionController ctl;
    ctl.setAutoTick(false);
    int connection = -1, relayEnd = -1, programEnd = -1;
    QVERIFY(handedOff(&connection, &relayEnd, &programEnd));
    ProgramSession program(connection, &ctl);
    std::string bytes = helloAndBase(4444);
    std::vector<TraceRecord> recs(1);
    fillRecord(recs[0], 2000, 2, 0, 7, 9, TraceType::Transition, EventKind::Io, EventState::NonPending,
               EventState::Pending, TraceCause::Add, 0);
    live::Encoder e(bytes);
    appendRecords(e, 1, recs);
    bytes.resize(bytes.size() - 16);  // the last 16 bytes (an exit frame's size) never came
    QCOMPARE(::send(programEnd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
    ::close(programEnd);
    const std::string exit = live::encodeExit(true, SIGSEGV);
    QCOMPARE(::send(relayEnd, exit.data(), exit.size(), MSG_NOSIGNAL), static_cast<ssize_t>(exit.size()));
    ::close(relayEnd);
    QTRY_VERIFY_WITH_TIMEOUT(program.ended(), 10000);
    QVERIFY(!program.exit());
    QCOMPARE(programRow(ctl)->status, EngineSession::Status::Failed);
    QVERIFY2(logHas(ctl, "ended inside a frame"), qPrintable(logText(ctl).join('\n')));
  }

  // The app's program sessions going away before its controller (the app
  // quitting, or this test): the aggregator no longer looks labels up in their
  // bases' directories (it did, into freed memory, at every tick: a row still
  // unlabelled is retried, a labelled one rechecked). Fixture-free, so it runs
  // in the sanitizer builds, where that read is an error.
  void programSessionsGoingAwayLeaveNoLabelLookups() {
    QTemporaryDir dir;
    const QString path = dir.filePath("app.sock");
    SessionController ctl;
    auto programs = std::make_unique<ProgramSessions>(&ctl);
    QVERIFY(programs->listen(path));
    std::string bytes = helloAndBase(4646);
    live::Encoder e(bytes);
    TraceRecord created{};
    created.type = TraceType::Transition;
    created.eventId = 5;
    created.kind = EventKind::Io;
    created.fd = 7;
    created.from = EventState::Invalid;
    created.to = EventState::NonPending;
    created.cause = TraceCause::New;
    created.tsNs = monotonicNowNs();
    appendRecords(e, 1, {created});
    const int fd = connectUnix(path);
    QVERIFY(fd >= 0);
    QCOMPARE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
    QTRY_VERIFY_WITH_TIMEOUT(programRow(ctl) && ctl.frameSource().rowOf(programRow(ctl)->id, 5) >= 0, 10000);
    const int session = programRow(ctl)->id;
    QVERIFY(ctl.frameSource().row(ctl.frameSource().rowOf(session, 5)).label.isEmpty());  // (retried at each tick)
    programs.reset();
    for (int i = 0; i < 3; ++i) ctl.tick();
    QVERIFY(ctl.frameSource().rowOf(session, 5) >= 0);  // what arrived stays
    ::close(fd);
  }

  // A process's event bases: one made and freed per task (a test runner, a
  // base per job) is a Sessions row each up to kMaxBases over its life, then
  // the later ones are not shown (said once) and its trace goes on; more than
  // kMaxLiveBases alive at once ends the stream (hostile). It ended at the
  // 65th base over the life.
  void basesAreBoundedAliveAtOnceAndOverTheLife() {
    const auto stream = [](size_t bases, bool freeEach) {
      std::string bytes;
      live::Encoder e(bytes);
      appendHello(e, 4343, "runner");
      for (uint64_t base = 1; base <= bases; ++base) {
        e.begin(live::MessageType::BaseCreated);
        e.u64(base);
        e.str("epoll");
        e.end();
        if (!freeEach) continue;
        e.begin(live::MessageType::BaseFreed);
        e.u64(base);
        e.end();
      }
      return bytes;
    };
    const auto feed = [](const std::string& bytes, int end) {
      for (size_t sent = 0; sent < bytes.size();) {
        const ssize_t n = ::send(end, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n > 0) sent += static_cast<size_t>(n);
        else QCoreApplication::processEvents();  // (the socket is full: let the app read)
      }
    };
    {
      SessionController ctl;
      ctl.setAutoTick(false);
      int ends[2];
      QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, ends) == 0);
      ProgramSession program(ends[0], &ctl);
      feed(stream(ProgramSession::kMaxBases + 6, true), ends[1]);
      QTRY_COMPARE_WITH_TIMEOUT(program.sessionIds().size(), ProgramSession::kMaxBases, 20000);
      QTRY_VERIFY_WITH_TIMEOUT(logHas(ctl, "base 1025 and later ones are not shown"), 10000);
      QVERIFY(!program.ended());
      int warnings = 0;
      for (const QString& line : logText(ctl)) warnings += line.contains("are not shown");
      QCOMPARE(warnings, 1);
      ::close(ends[1]);
      QTRY_VERIFY_WITH_TIMEOUT(program.ended(), 10000);
    }
    {
      SessionController ctl;
      ctl.setAutoTick(false);
      int ends[2];
      QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, ends) == 0);
      ProgramSession program(ends[0], &ctl);
      feed(stream(ProgramSession::kMaxLiveBases + 1, false), ends[1]);
      QTRY_VERIFY_WITH_TIMEOUT(program.ended(), 10000);
      QCOMPARE(program.sessionIds().size(), ProgramSession::kMaxLiveBases);
      QVERIFY2(logHas(ctl, "more than 64 event bases at once in one process"), qPrintable(logText(ctl).join('\n')));
      ::close(ends[1]);
    }
  }

  void malformedStreamEndsItsSessionOnly() {
    ProgramRig rig;
    QVERIFY(rig.listen());
    auto& [dir, ctl, programs] = rig;
    std::string bytes;
    live::Encoder e(bytes);
    appendHello(e, 4242, "hostile%2");  // (a process may name itself anything: the name stays text)
    e.begin(live::MessageType::BaseCreated);
    e.u64(1);
    e.str("epoll");
    e.end();
    bytes += std::string("\x10\x00\x00\x00\x63\x00\x00\x00", 8);  // an unknown type 99
    const int fd = connectUnix(rig.socketPath());
    QVERIFY(fd >= 0);
    QCOMPARE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
    QTRY_VERIFY_WITH_TIMEOUT(programRow(ctl) && programRow(ctl)->status == EngineSession::Status::Failed, 10000);
    QVERIFY2(programRow(ctl)->title == "hostile%2[4242] base 1 (epoll)", qPrintable(programRow(ctl)->title));
    QVERIFY2(logHas(ctl, "hostile%2[4242]: trace stopped"), qPrintable(logText(ctl).join('\n')));
    QVERIFY2(logHas(ctl, "trace stopped") && logHas(ctl, "unknown"), qPrintable(logText(ctl).join('\n')));
    char c;
    QCOMPARE(::read(fd, &c, 1), ssize_t{0});  // the app closed it
    ::close(fd);
    ctl.removeSession(programRow(ctl)->id);  // an ended program session can be removed
    QVERIFY(programRow(ctl) == nullptr);
    // The app still takes the next program.
    const int next = connectUnix(rig.socketPath());
    QVERIFY(next >= 0);
    QTRY_COMPARE_WITH_TIMEOUT(programs.programs().size(), size_t{2}, 10000);
    ::close(next);
  }
};

QTEST_MAIN(TestProgramSession)
#include "tst_program_session.moc"
