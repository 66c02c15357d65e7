// The tutorial's section 5.2 bufferevent server and client, compiled unchanged
// against our headers and against Debian's libevent, run in all four pairings
// (ours/libevent server x ours/libevent client) over port 8888, which both
// programs hardcode. Each run: the client connects and gets the greeting, a
// line typed on its stdin is echoed back, SIGINT stops the server (after its
// two-second loopexit) and the client sees the connection close. Every
// pairing must print what the libevent/libevent pairing prints, modulo the
// client's port.
//
// Two properties of the tutorial's code shape the checks:
// - The client passes its still-uninitialized ev_cmd to bufferevent_setcb; GCC
//   compiles it as NULL, so on EOF the client calls event_free(NULL). libevent's
//   event_free dereferences it (SIGSEGV after "connection closed" is printed);
//   ours ignores NULL and the client reaches its exit(0). Output is compared,
//   and our client must exit 0; the libevent client may exit 0 or crash.
// - Whether the greeting or the connect completion is seen first depends on
//   whether the server's greeting arrived before the client's first poll (a
//   race in libevent too), so "the client has connected to server" is checked
//   for presence and order against the later lines, not against the greeting.
// Both programs print to a pipe, so they run under `stdbuf -oL` to keep their
// lines when the libevent client crashes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QtTest>
#include <cerrno>
#include <cstring>

#include "RequiredCase.h"

namespace {

constexpr uint16_t kPort = 8888;  // hardcoded in both of the tutorial's programs
const QByteArray kConnectedLine = "the client has connected to server";

// Empty when 0.0.0.0:8888 can be bound the way the server binds it, else why not.
QString portBusyReason() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return QString("socket: %1").arg(std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(kPort);
  QString reason;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    reason = QString("cannot bind 0.0.0.0:%1: %2").arg(kPort).arg(std::strerror(errno));
  ::close(fd);
  return reason;
}

// True once some socket listens on port 8888 (read from /proc, so that probing
// does not itself connect to the server and make it print a line).
bool listeningOnPort() {
  const QString hexPort = QString(":%1 ").arg(kPort, 4, 16, QChar('0')).toUpper();
  for (const char* path : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) continue;
    for (const QByteArray& line : f.readAll().split('\n')) {
      const QList<QByteArray> cols = line.simplified().split(' ');
      if (cols.size() > 3 && QString(cols[1] + ' ').endsWith(hexPort) && cols[3] == "0A") return true;
    }
  }
  return false;
}

struct Program {
  QProcess proc;
  QByteArray out;

  // command: the program's path, or reactorscope-run and the path.
  void start(const QStringList& command) {
    proc.setProcessChannelMode(QProcess::MergedChannels);
    // AddressSanitizer builds (no effect otherwise): stdbuf works by
    // LD_PRELOADing libstdbuf.so, which ASan refuses before main() ("ASan
    // runtime does not come first"), so let it run; and the tutorial's server
    // exits with its client's bufferevent never freed -- in the libevent build
    // too -- which LeakSanitizer would turn into exit code 1; and the libevent
    // client's event_free(NULL) crash (see the top) must stay a plain SIGSEGV,
    // not an ASan report mixed into the output that is compared.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QString asan = env.value(QStringLiteral("ASAN_OPTIONS"));
    env.insert(QStringLiteral("ASAN_OPTIONS"), (asan.isEmpty() ? QString() : asan + ':') +
                                                   QStringLiteral("verify_asan_link_order=0:detect_leaks=0:handle_segv=0"));
    proc.setProcessEnvironment(env);
    proc.start(QStringLiteral("stdbuf"), QStringList{QStringLiteral("-oL")} + command);
  }
  // Reads until `needle` was printed (true), the process ended, or the guard
  // expired (a hang guard, not a timing assertion).
  bool waitFor(const QByteArray& needle, int guardMs = 10000) {
    QDeadlineTimer guard(guardMs);
    while (!out.contains(needle) && !guard.hasExpired()) {
      if (proc.state() == QProcess::NotRunning) {
        out += proc.readAll();
        break;
      }
      proc.waitForReadyRead(50);
      out += proc.readAll();
    }
    return out.contains(needle);
  }
  void finish(int guardMs = 10000) {
    if (proc.state() != QProcess::NotRunning) proc.waitForFinished(guardMs);
    out += proc.readAll();
  }
  ~Program() {
    if (proc.state() != QProcess::NotRunning) {
      proc.kill();
      proc.waitForFinished(5000);
    }
  }
};

// The server's lines with the client's port replaced.
QByteArray normalizeServer(QByteArray out) {
  QString s = QString::fromLatin1(out);
  s.replace(QRegularExpression("client \\d+, connect"), "client PORT, connect");
  return s.toLatin1();
}

// The client's lines without the connect-completion line (see the top comment).
QByteArray normalizeClient(const QByteArray& out) {
  QByteArray s = out;
  s.replace(kConnectedLine + '\n', "");
  return s;
}

struct Outcome {
  QByteArray server, client;
  QProcess::ExitStatus clientExit = QProcess::NormalExit;
  int clientCode = 0;
};

}  // namespace

class TestTutorialBufferevent : public QObject {
  Q_OBJECT

 private:
  // Set when port 8888 was taken by someone else between the check and the run.
  QString portLost;

  // One full session for a pairing; false on any failure or hang.
  bool runPairing(const QStringList& serverPath, const QStringList& clientPath, Outcome* outcome) {
    Program server;
    server.start(serverPath);
    if (!server.proc.waitForStarted(10000)) {
      qWarning() << "server did not start:" << server.proc.errorString();
      return false;
    }
    QDeadlineTimer guard(10000);
    while (!listeningOnPort() && server.proc.state() == QProcess::Running && !guard.hasExpired())
      QTest::qWait(20);
    if (server.proc.state() == QProcess::NotRunning || !listeningOnPort()) {
      server.finish(1000);
      if (server.out.contains("Could not create evconnlistener")) {
        portLost = "port 8888 was taken meanwhile (the server could not bind it)";
        return false;
      }
      qWarning() << "server is not listening on 8888:" << server.out;
      return false;
    }

    Program client;
    client.start(clientPath);
    if (!client.proc.waitForStarted(10000)) {
      qWarning() << "client did not start:" << client.proc.errorString();
      return false;
    }
    // The greeting ("Hello, World!\n" plus its NUL) and the write callback.
    const bool greeted = client.waitFor("recv: Hello, World!\n\n") && client.waitFor(kConnectedLine) &&
                         server.waitFor("send succ\n");
    if (!greeted) {
      qWarning() << "no greeting; client:" << client.out << "server:" << server.out;
      return false;
    }
    // One line on stdin; the client sends its whole 1500-byte buffer and the
    // server echoes its whole 1500-byte buffer. stdin stays open: at EOF the
    // client would send zero-filled buffers in a loop.
    client.proc.write("hello there\n");
    client.proc.waitForBytesWritten(5000);
    const bool echoed = server.waitFor("recv: hello there\n\nsend succ\n") && client.waitFor("recv: hello there\n\n");
    if (!echoed) {
      qWarning() << "no echo; client:" << client.out << "server:" << server.out;
      return false;
    }
    ::kill(static_cast<pid_t>(server.proc.processId()), SIGINT);
    server.finish(15000);  // the server's loopexit waits two seconds
    client.finish(10000);  // EOF when the server process exits
    if (server.proc.state() != QProcess::NotRunning || client.proc.state() != QProcess::NotRunning) {
      qWarning() << "did not end; client:" << client.out << "server:" << server.out;
      return false;
    }
    if (server.proc.exitStatus() != QProcess::NormalExit || server.proc.exitCode() != 0) {
      qWarning() << "server failed:" << server.proc.exitCode() << server.out;
      return false;
    }
    outcome->server = server.out;
    outcome->client = client.out;
    outcome->clientExit = client.proc.exitStatus();
    outcome->clientCode = client.proc.exitCode();
    return true;
  }

 private slots:
  void initTestCase() {
    if (QStandardPaths::findExecutable("stdbuf").isEmpty())
      RS_SKIP_OR_FAIL_IN_CI(QStringLiteral("stdbuf (coreutils) is needed to keep the programs' piped output line-buffered"));
  }

  void pairings_data() {
    QTest::addColumn<QStringList>("server");
    QTest::addColumn<QStringList>("client");
    QTest::addColumn<bool>("ourClient");
    QTest::newRow("ours <-> ours") << QStringList{SERVER_REACTORSCOPE} << QStringList{CLIENT_REACTORSCOPE} << true;
    QTest::newRow("ours server <-> libevent client")
        << QStringList{SERVER_REACTORSCOPE} << QStringList{CLIENT_LIBEVENT} << false;
    QTest::newRow("libevent server <-> ours client")
        << QStringList{SERVER_LIBEVENT} << QStringList{CLIENT_REACTORSCOPE} << true;
    QTest::newRow("libevent <-> libevent") << QStringList{SERVER_LIBEVENT} << QStringList{CLIENT_LIBEVENT} << false;
#ifdef REACTORSCOPE_RUN_PATH
    // The binaries built against Debian's libevent, unmodified, on ours: they
    // behave as our builds do (the client ends without the crash).
    QTest::newRow("libevent-built, both under reactorscope-run")
        << QStringList{REACTORSCOPE_RUN_PATH, "--no-app", SERVER_LIBEVENT}
        << QStringList{REACTORSCOPE_RUN_PATH, "--no-app", CLIENT_LIBEVENT}
        << true;
#endif
  }

  void pairings() {
    QFETCH(QStringList, server);
    QFETCH(QStringList, client);
    QFETCH(bool, ourClient);
    const QString busy = portBusyReason();
    if (!busy.isEmpty()) RS_SKIP_OR_FAIL_IN_CI("the tutorial's programs hardcode port 8888, " + busy);

    // The reference: both of libevent's builds, run now on this machine.
    Outcome reference;
    portLost.clear();
    const bool referenceRan = runPairing({SERVER_LIBEVENT}, {CLIENT_LIBEVENT}, &reference);
    if (!portLost.isEmpty()) RS_SKIP_OR_FAIL_IN_CI(portLost);
    QVERIFY2(referenceRan, "libevent <-> libevent reference run");
    Outcome got;
    const bool ran = runPairing(server, client, &got);
    if (!portLost.isEmpty()) RS_SKIP_OR_FAIL_IN_CI(portLost);
    QVERIFY2(ran, "pairing run");

    const QByteArray expectedServer =
        "client PORT, connect successfully\n"
        "send succ\n"
        "recv: hello there\n\n"
        "send succ\n"
        "Caught an interrupt signal; exiting cleanly in two seconds.\n"
        "done\n";
    const QByteArray expectedClient =
        "recv: Hello, World!\n\n"
        "recv: hello there\n\n"
        "connection closed\n";
    QCOMPARE(normalizeServer(reference.server), expectedServer);
    QCOMPARE(normalizeClient(reference.client), expectedClient);
    QCOMPARE(normalizeServer(got.server), normalizeServer(reference.server));
    QCOMPARE(normalizeClient(got.client), normalizeClient(reference.client));
    // The connect completion is reported once, before the echo.
    for (const QByteArray& out : {reference.client, got.client}) {
      QCOMPARE(out.count(kConnectedLine), qsizetype{1});
      QVERIFY(out.indexOf(kConnectedLine) < out.indexOf("recv: hello there"));
    }
    if (ourClient) {
      QCOMPARE(got.clientExit, QProcess::NormalExit);  // event_free(NULL) is a no-op here
      QCOMPARE(got.clientCode, 0);
    } else if (got.clientExit == QProcess::CrashExit) {
      qInfo("libevent's client crashed in event_free(NULL) after \"connection closed\", as expected");
    }
  }
};

QTEST_MAIN(TestTutorialBufferevent)
#include "tst_tutorial_bufferevent.moc"
