// The tutorial's section 4.5 event-only echo server, compiled unchanged against
// our headers (and, as a reference, against libevent), serves real clients over
// 127.0.0.1:8080: echo, a client leaving (event_del + plain free()), the other
// client still served.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QProcess>
#include <QtTest>
#include <cerrno>
#include <cstring>

#include "RequiredCase.h"

#include "LoopbackClient.h"

namespace {

constexpr uint16_t kPort = 8080;  // hardcoded in the tutorial's main()

sockaddr_in loopback() {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(kPort);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// Empty when 127.0.0.1:8080 can be bound, else why not.
QString portBusyReason() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return QString("socket: %1").arg(std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = loopback();
  QString reason;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    reason = QString("cannot bind 127.0.0.1:%1: %2").arg(kPort).arg(std::strerror(errno));
  ::close(fd);
  return reason;
}

// A client of the tutorial's server (its port is fixed).
struct Client : rs::test::LoopbackClient {
  Client() : LoopbackClient(kPort) {}
};

}  // namespace

class TestTutorialServer : public QObject {
  Q_OBJECT

 private slots:
  void echoes_data() {
    QTest::addColumn<QStringList>("server");
    QTest::newRow("reactorscope") << QStringList{SERVER_REACTORSCOPE};
    QTest::newRow("libevent") << QStringList{SERVER_LIBEVENT};
#ifdef REACTORSCOPE_RUN_PATH
    // The binary built against Debian's libevent, unmodified, on ours.
    QTest::newRow("libevent-built, under reactorscope-run") << QStringList{REACTORSCOPE_RUN_PATH, "--no-app", SERVER_LIBEVENT};
#endif
  }

  void echoes() {
    QFETCH(QStringList, server);
    const QString busy = portBusyReason();
    if (!busy.isEmpty()) RS_SKIP_OR_FAIL_IN_CI("the tutorial's server hardcodes port 8080, " + busy);

    QProcess proc;
    proc.setProgram(server.first());
    proc.setArguments(server.mid(1));
    proc.start();
    QVERIFY2(proc.waitForStarted(10000), qPrintable(proc.errorString()));
    // wrap.h's Listen() prints "listening" once the socket listens.
    QByteArray out;
    QDeadlineTimer guard(10000);
    while (!out.contains("listening") && proc.state() == QProcess::Running && !guard.hasExpired()) {
      proc.waitForReadyRead(100);
      out += proc.readAllStandardOutput();
    }
    if (proc.state() != QProcess::Running) {
      const QByteArray err = proc.readAllStandardError();
      if (err.contains("in use")) RS_SKIP_OR_FAIL_IN_CI("port 8080 taken meanwhile: " + QString::fromLocal8Bit(err));
      QFAIL(qPrintable("server exited: " + QString::fromLocal8Bit(err)));
    }
    QVERIFY(out.contains("listening"));

    Client first, second;
    QVERIFY(first.connect());
    QVERIFY(second.connect());
    const QByteArray hello = "hello from the first client\n";
    QVERIFY(first.send(hello));
    QCOMPARE(first.receive(hello.size()), hello);
    const QByteArray other = "and from the second\n";
    QVERIFY(second.send(other));
    QCOMPARE(second.receive(other.size()), other);

    // The first client leaves: the server closes, event_del()s and free()s its event.
    first.close();
    const QByteArray again = "still there?\n";
    QVERIFY(second.send(again));
    QCOMPARE(second.receive(again.size()), again);
    QCOMPARE(proc.state(), QProcess::Running);

    // A newcomer is served too (the freed slot is reused).
    Client third;
    QVERIFY(third.connect());
    QVERIFY(third.send(hello));
    QCOMPARE(third.receive(hello.size()), hello);

    proc.kill();
    proc.waitForFinished(10000);
  }
};

QTEST_MAIN(TestTutorialServer)
#include "tst_tutorial_server.moc"
