// reactorscope-cli as a user runs it (QProcess): exit codes 0/1/2, one clear
// line for bad input, port in use, refused, a real server/client run, --json.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "core/EventBase.h"
#include "workload/Options.h"

#include "CliProcess.h"

namespace {

QString cliPath() {
  const QByteArray env = qgetenv("REACTORSCOPE_CLI");
  if (!env.isEmpty()) return QString::fromLocal8Bit(env);
#ifdef REACTORSCOPE_CLI_PATH
  return QStringLiteral(REACTORSCOPE_CLI_PATH);
#else
  return QCoreApplication::applicationDirPath() + "/../../src/cli/reactorscope-cli";
#endif
}

// A running client's stdout up to its first per-second line (or ~10 s of it).
QString readUntilFirstSecond(QProcess& c) {
  QString out;
  for (int i = 0; i < 100 && !out.contains("msgs/s"); ++i) {
    c.waitForReadyRead(100);
    out += QString::fromUtf8(c.readAllStandardOutput());
  }
  return out;
}

using Result = rs::test::CliResult;
Result run(const QStringList& args, int timeoutMs = 30000) { return rs::test::runCli(cliPath(), args, timeoutMs); }

// A server process; the port is read from its first line.
struct ServerProcess : rs::test::CliServer {
  explicit ServerProcess(const QStringList& extra = {}) : CliServer(cliPath(), extra) {}
};

// A loopback port nothing listens on right now (bound to 0, then released).
int freeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

// A blocking loopback connection to `port`, retried for up to ~10 s while the
// server starts; -1 if none.
int connectWithRetry(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  for (int i = 0; i < 100; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
    ::close(fd);
    QTest::qWait(100);
  }
  return -1;
}

// Reads what is in a nonblocking fd now.
QString readAvailable(int fd) {
  QString out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out += QString::fromUtf8(buf, static_cast<int>(n));
  return out;
}

}  // namespace

class TestCli : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QVERIFY2(QFileInfo::exists(cliPath()), qPrintable("reactorscope-cli not built at " + cliPath()));
  }

  void usageErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("no arguments") << QStringList{} << "usage:";
    QTest::newRow("unknown command") << QStringList{"serve"} << "unknown command 'serve'";
    QTest::newRow("help for nothing") << QStringList{"help", "bogus"} << "no help for 'bogus'";
    QTest::newRow("unknown option") << QStringList{"server", "--prot", "1"} << "unknown option '--prot'";
    QTest::newRow("port out of range") << QStringList{"server", "--port", "70000"} << "out of range";
    QTest::newRow("port not a number") << QStringList{"server", "--port", "http"} << "not a number";
    QTest::newRow("bad mode") << QStringList{"server", "--mode", "chat"} << "is not one of echo, discard, source";
    QTest::newRow("bind public") << QStringList{"server", "--bind", "8.8.8.8"} << "only loopback";
    QTest::newRow("missing target") << QStringList{"client"} << "missing target";
    QTest::newRow("malformed target") << QStringList{"client", "localhost"} << "malformed address";
    QTest::newRow("target port 0") << QStringList{"client", "127.0.0.1:0"} << "out of range";
    QTest::newRow("target not loopback") << QStringList{"client", "10.0.0.1:80"} << "only loopback";
    QTest::newRow("target v4-mapped private") << QStringList{"client", "[::ffff:10.0.0.1]:80"} << "only loopback";
    QTest::newRow("bind v4-mapped private") << QStringList{"server", "--bind", "::ffff:10.0.0.1"} << "only loopback";
    QTest::newRow("target a name") << QStringList{"client", "example.com:80"} << "no DNS lookups";
    QTest::newRow("bad size") << QStringList{"client", "127.0.0.1:9", "--size", "0"} << "--size";
    QTest::newRow("bad payload") << QStringList{"client", "127.0.0.1:9", "--payload", "hex:xyz"} << "hex";
    QTest::newRow("bad fault") << QStringList{"client", "127.0.0.1:9", "--fault", "meteor"} << "--fault";
    QTest::newRow("value missing") << QStringList{"client", "127.0.0.1:9", "--connections"} << "needs a value";
    QTest::newRow("connections x size too big")
        << QStringList{"client", "127.0.0.1:9", "--connections", "100000", "--size", "64M"} << "more than 2 GiB";
    // Options the chosen fault would silently ignore.
    QTest::newRow("slow-reader-rate without the fault")
        << QStringList{"client", "127.0.0.1:9", "--slow-reader-rate", "4K"} << "only applies with --fault slow-reader";
    QTest::newRow("rate with slow-reader") << QStringList{"client", "127.0.0.1:9", "--fault", "slow-reader", "--rate",
                                                          "100"} << "does not apply with fault slow-reader";
    // Values whose derived nanosecond counts would overflow (UB) are refused.
    QTest::newRow("duration huge") << QStringList{"client", "127.0.0.1:9", "--duration", "1e300"} << "--duration";
    QTest::newRow("server duration huge") << QStringList{"server", "--duration", "1e300"} << "--duration";
    QTest::newRow("timeout huge") << QStringList{"client", "127.0.0.1:9", "--timeout", "1e300"} << "--timeout";
    QTest::newRow("timeout 0") << QStringList{"client", "127.0.0.1:9", "--timeout", "0"} << "(0.001-86400)";
    QTest::newRow("rate tiny") << QStringList{"client", "127.0.0.1:9", "--rate", "1e-300"} << "--rate";
    QTest::newRow("connect rate tiny") << QStringList{"client", "127.0.0.1:9", "--connect-rate", "1e-300"}
                                       << "--connect-rate";
  }
  void usageErrors() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const Result r = run(args);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    if (!args.isEmpty()) QCOMPARE(r.err.count('\n'), 1);  // one clear line
    QVERIFY(r.out.isEmpty());
  }

  void help_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    QTest::newRow("--help") << QStringList{"--help"} << "reactorscope-cli client HOST:PORT";
    QTest::newRow("server --help") << QStringList{"server", "--help"} << "--read-high-watermark";
    QTest::newRow("client --help") << QStringList{"client", "--help"} << "--fault";
    QTest::newRow("help client") << QStringList{"help", "client"} << "Exit status";
    QTest::newRow("info --help") << QStringList{"info", "--help"} << "reactorscope-cli info FILE";
    QTest::newRow("export --help") << QStringList{"export", "FILE", "--help"} << "--format perfetto|chrome-json";
  }
  void help() {
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    const Result r = run(args);
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains(expected));
  }

  void refusedIsOneLineAndExit1() {
    // A port nobody listens on: bind a server, note its port, stop it.
    int port = 0;
    {
      ServerProcess s;
      QVERIFY(s.port > 0);
      port = s.port;
    }
    const Result r = run({"client", QString("127.0.0.1:%1").arg(port), "--count", "5"});
    QCOMPARE(r.code, 1);
    QCOMPARE(r.err.trimmed(), QString("reactorscope-cli: connect 127.0.0.1:%1: Connection refused").arg(port));
    QVERIFY(r.out.contains("FAIL"));
  }

  void portInUse() {
    ServerProcess s;
    QVERIFY(s.port > 0);
    const Result r = run({"server", "--port", QString::number(s.port), "--duration", "1"});
    QCOMPARE(r.code, 1);
    QCOMPARE(r.err.trimmed(), QString("reactorscope-cli: bind 127.0.0.1:%1: Address already in use").arg(s.port));
  }

  void clientRuns_data() {
    QTest::addColumn<QStringList>("extra");
    QTest::newRow("closed loop, count") << QStringList{"--connections", "8", "--count", "2000"};
    QTest::newRow("open loop, duration") << QStringList{"--connections", "4", "--rate", "500", "--duration", "1.2"};
    QTest::newRow("1 MiB text payload") << QStringList{"--size", "1MiB", "--payload", "text:abc", "--count", "20"};
    QTest::newRow("half-close") << QStringList{"--fault", "half-close", "--count", "100", "--connections", "4"};
  }
  void clientRuns() {
    QFETCH(QStringList, extra);
    ServerProcess s;
    QVERIFY(s.port > 0);
    const Result r = run(QStringList{"client", s.target()} + extra);
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    QVERIFY(r.out.contains(QRegularExpression(R"(\[\s*0\.0-\s*[0-9.]+s\]\s+\d+ msgs/s)")));  // per-second line
    QVERIFY(r.out.contains("summary:"));
    QVERIFY(r.out.contains("mismatched bytes 0"));
    QVERIFY(r.out.trimmed().endsWith("PASS"));
  }

  // Ctrl-C (SIGINT) or SIGTERM in the middle of a run: the client stops
  // sending, waits for what is in flight, prints its summary and passes.
  void clientInterruptedDrainsAndPasses_data() {
    QTest::addColumn<bool>("term");
    QTest::newRow("SIGINT") << false;
    QTest::newRow("SIGTERM") << true;
  }
  void clientInterruptedDrainsAndPasses() {
    QFETCH(bool, term);
    ServerProcess s;
    QVERIFY(s.port > 0);
    QProcess c;
    c.start(cliPath(), {"client", s.target(), "--connections", "4", "--size", "100K", "--duration", "60"});
    QVERIFY(c.waitForStarted(5000));
    // Wait for the first per-second line: messages are in flight by then.
    QString out = readUntilFirstSecond(c);
    QVERIFY2(out.contains("msgs/s"), qPrintable(out));
    ::kill(static_cast<pid_t>(c.processId()), term ? SIGTERM : SIGINT);
    QVERIFY(c.waitForFinished(20000));
    out += QString::fromUtf8(c.readAllStandardOutput());
    const QString err = QString::fromUtf8(c.readAllStandardError());
    QCOMPARE(c.exitStatus(), QProcess::NormalExit);
    QVERIFY2(c.exitCode() == 0, qPrintable(out + err));
    QVERIFY(out.contains("summary:"));
    QVERIFY(out.trimmed().endsWith("PASS"));
    QVERIFY(err.contains("interrupted"));
  }

  // SIGTERM to a server whose echoes are delayed: it stops accepting, sends
  // back what it already received, prints its report and exits 0.
  void serverInterruptedSendsBackWhatItReceived() {
    ServerProcess s({"--delay", "300"});
    QVERIFY(s.port > 0);
    QProcess c;
    c.start(cliPath(), {"client", s.target(), "--connections", "4", "--size", "10K", "--duration", "30"});
    QVERIFY(c.waitForStarted(5000));
    QString out = readUntilFirstSecond(c);
    QVERIFY2(out.contains("msgs/s"), qPrintable(out));
    s.p.terminate();  // SIGTERM
    QVERIFY(s.p.waitForFinished(20000));
    QCOMPARE(s.p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(s.p.exitCode(), 0);
    const QString sout = QString::fromUtf8(s.p.readAllStandardOutput());
    auto m = QRegularExpression(R"(summary: .* in (\d+) B, out (\d+) B)").match(sout);
    QVERIFY2(m.hasMatch(), qPrintable(sout));
    QVERIFY(m.captured(1).toLongLong() > 0);
    QCOMPARE(m.captured(2), m.captured(1));  // nothing received was dropped
    QVERIFY(c.waitForFinished(20000));
  }

  // A port held by a bound socket that never listens: nothing can listen there,
  // so the connect is refused and the exit code is exactly 1 (a failed run, not
  // a usage error). Without IPv6 loopback the bind fails and port 1 is used:
  // nothing can listen on an address the machine does not have either.
  void ipv6TargetIsBracketed() {
    int port = 1;
    const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    socklen_t len = sizeof a;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
      port = ntohs(a.sin6_port);
    const QString target = QString("[::1]:%1").arg(port);
    const Result r = run({"client", target, "--count", "1", "--json"});
    if (fd >= 0) ::close(fd);
    QCOMPARE(r.code, 1);
    const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(o["target"].toString(), target);
    QCOMPARE(o["passed"].toBool(true), false);
    QVERIFY2(r.err.contains(target), qPrintable(r.err));
  }

  // A student's first try with the other server modes: the client told the
  // server's mode sends only (discard) or reads and verifies only (source).
  void clientAgainstDiscardAndSource_data() {
    QTest::addColumn<QString>("mode");
    QTest::addColumn<QString>("expected");
    QTest::newRow("discard") << "discard" << "sent";
    QTest::newRow("source") << "source" << "received";
  }
  void clientAgainstDiscardAndSource() {
    QFETCH(QString, mode);
    QFETCH(QString, expected);
    ServerProcess s({"--mode", mode});
    QVERIFY(s.port > 0);
    const Result r = run({"client", s.target(), "--mode", mode, "--duration", "0.5", "--connections", "2"});
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    QVERIFY2(r.out.contains(QRegularExpression("summary: .*" + expected + " [1-9]\\d* B")), qPrintable(r.out));
    QVERIFY(r.out.trimmed().endsWith("PASS"));
  }

  void jsonReport() {
    ServerProcess s;
    QVERIFY(s.port > 0);
    const Result r = run({"client", s.target(), "--count", "300", "--connections", "3", "--json"});
    QCOMPARE(r.code, 0);
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(r.out.toUtf8(), &err);
    QVERIFY2(err.error == QJsonParseError::NoError, qPrintable(err.errorString() + ": " + r.out));
    const QJsonObject o = doc.object();
    QCOMPARE(o["messages_sent"].toInt(), 300);
    QCOMPARE(o["messages_received"].toInt(), 300);
    QCOMPARE(o["mismatched_bytes"].toInt(), 0);
    QCOMPARE(o["passed"].toBool(), true);
    QVERIFY(o["latency_ns"].toObject()["p99"].toDouble() > 0);
    QVERIFY(!o["intervals"].toArray().isEmpty());
  }

  void closedPortFaultPasses() {
    const Result r = run({"client", "127.0.0.1:1", "--fault", "closed-port", "--connections", "2"});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains("refused 2"));
  }

  // A server whose output nobody reads (scripts/soak piped it and read only its
  // first line: 64 KiB of per-second lines later, ~11 minutes, every write
  // blocked the loop) keeps serving: it echoes and closes a connection whose
  // peer has gone; the lines it could not print are counted in the end.
  // Here the pipe is one page, full before the server starts.
  void serverKeepsServingWhileItsOutputIsNotRead() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString fifo = dir.path() + "/out";
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    const int readEnd = ::open(QFile::encodeName(fifo).constData(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    QVERIFY(readEnd >= 0);
    const std::unique_ptr<const int, void (*)(const int*)> closeReadEnd(&readEnd, [](const int* f) { ::close(*f); });
    const int fillEnd = ::open(QFile::encodeName(fifo).constData(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    QVERIFY(fillEnd >= 0);
    QVERIFY(::fcntl(fillEnd, F_SETPIPE_SZ, 4096) >= 4096);
    char junk[512];
    std::memset(junk, 'x', sizeof junk);
    while (::write(fillEnd, junk, sizeof junk) > 0) {
    }
    ::close(fillEnd);
    const int port = freeLoopbackPort();
    QVERIFY(port > 0);
    QProcess s;
    s.setStandardOutputFile(fifo);
    s.setStandardErrorFile(fifo);
    s.start(cliPath(), {"server", "--port", QString::number(port)});
    QVERIFY(s.waitForStarted(5000));

    const int fd = connectWithRetry(port);
    QVERIFY(fd >= 0);
    QCOMPARE(::send(fd, "ping", 4, MSG_NOSIGNAL), ssize_t{4});
    pollfd p{fd, POLLIN, 0};
    QVERIFY2(::poll(&p, 1, 15000) == 1, "no echo: the server's loop is blocked on its output");
    char echo[8] = {};
    QCOMPARE(::recv(fd, echo, sizeof echo, 0), ssize_t{4});
    QCOMPARE(QByteArray(echo, 4), QByteArray("ping"));
    ::close(fd);  // the peer goes: the server must close its side

    // Reading again, the next per-second line shows the connection closed.
    QString out;
    const QRegularExpression closed(R"(conns\s+0\s+accepted\s+1\b)");
    for (int i = 0; i < 150 && !closed.match(out).hasMatch(); ++i) {
      QTest::qWait(100);
      out += readAvailable(readEnd);
    }
    QVERIFY2(closed.match(out).hasMatch(), qPrintable(out.right(2000)));
    s.terminate();
    for (int i = 0; i < 200 && s.state() != QProcess::NotRunning; ++i) {
      s.waitForFinished(100);
      out += readAvailable(readEnd);
    }
    out += readAvailable(readEnd);
    QCOMPARE(s.exitStatus(), QProcess::NormalExit);
    QCOMPARE(s.exitCode(), 0);
    QVERIFY2(QRegularExpression(R"(\d+ status lines? not printed: the output was not being read)").match(out).hasMatch(),
             qPrintable(out.right(2000)));
  }

  void serverJsonAfterDuration() {
    const Result r = run({"server", "--port", "0", "--duration", "0.3", "--json"});
    QCOMPARE(r.code, 0);
    const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(o["role"].toString(), QString("server"));
    QVERIFY(o["port"].toInt() > 0);
  }

  // The same parser serves the desktop app's command line.
  void appCommandLine() {
    std::string error;
    auto cmd = rs::parseAppArgs({"--server", "127.0.0.1:9000", "--client", "127.0.0.1:9000", "--connections", "20"},
                                &error);
    QVERIFY2(cmd.has_value(), error.c_str());
    QVERIFY(cmd->server && cmd->client);
    QCOMPARE(cmd->server->port, uint16_t{9000});
    QCOMPARE(cmd->client->connections, 20);
    QVERIFY(!rs::parseAppArgs({"--client", "192.168.1.1:80"}, &error));
    QVERIFY(QString::fromStdString(error).contains("only loopback"));
    auto withQtArgs = rs::parseAppArgs({"-platform", "offscreen", "--server", "[::1]:0"}, &error, true);
    QVERIFY2(withQtArgs.has_value(), error.c_str());
    QCOMPARE(QString::fromStdString(withQtArgs->server->bindAddress), QString("::1"));
  }
};

QTEST_MAIN(TestCli)
#include "tst_cli.moc"
