// PeerAddresses (src/live/PeerAddress.h): the remote address of a process's TCP
// sockets from /proc, for a burst of new connections with one read of the
// tables; empty for what is not a connected TCP socket. Loopback only: this
// process connects to a listener of its own.
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "live/PeerAddress.h"

using rs::live::PeerAddresses;

namespace {

int loopbackListener(uint16_t* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 64) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    return -1;
  *port = ntohs(a.sin_port);
  return fd;
}

// A connected client socket; its own port in *localPort.
int connectTo(uint16_t port, uint16_t* localPort) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *localPort = ntohs(a.sin_port);
  return fd;
}

}  // namespace

class TestPeerAddresses : public QObject {
  Q_OBJECT
 private slots:
  void aBurstOfConnectionsReadsTheTablesOnce() {
    uint16_t port = 0;
    const int listener = loopbackListener(&port);
    QVERIFY(listener >= 0);
    std::vector<int> clients, accepted;
    std::vector<uint16_t> clientPorts;
    for (int i = 0; i < 20; ++i) {
      uint16_t local = 0;
      const int c = connectTo(port, &local);
      QVERIFY(c >= 0);
      clients.push_back(c);
      clientPorts.push_back(local);
      const int s = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      QVERIFY(s >= 0);
      accepted.push_back(s);
    }
    PeerAddresses peers;
    peers.setPid(::getpid());
    peers.setRereadNs(int64_t{3600} * 1'000'000'000);  // (the count below, whatever the machine's speed)
    for (size_t i = 0; i < accepted.size(); ++i) {
      QCOMPARE(QString::fromStdString(peers.of(accepted[i])), QStringLiteral("127.0.0.1:%1").arg(clientPorts[i]));
      QCOMPARE(QString::fromStdString(peers.of(clients[i])), QStringLiteral("127.0.0.1:%1").arg(port));
    }
    QCOMPARE(peers.reads(), uint64_t{1});

    // A connection made right after is found at once (the tables are read again).
    uint16_t local = 0;
    const int late = connectTo(port, &local);
    QVERIFY(late >= 0);
    const int lateAccepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    QCOMPARE(QString::fromStdString(peers.of(lateAccepted)), QStringLiteral("127.0.0.1:%1").arg(local));
    QCOMPARE(peers.reads(), uint64_t{2});

    // Not connected TCP (the listener: listed, no peer), not a socket, no such
    // fd: empty. A socket the tables do not list is looked for once, then not
    // again for kRereadNs.
    QVERIFY(peers.of(listener).empty());
    int pipeFds[2];
    QVERIFY(::pipe(pipeFds) == 0);
    QVERIFY(peers.of(pipeFds[0]).empty());
    QVERIFY(peers.of(100000).empty());
    QCOMPARE(peers.reads(), uint64_t{2});
    const int unixSocket = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    QVERIFY(peers.of(unixSocket).empty());
    QCOMPARE(peers.reads(), uint64_t{3});
    QVERIFY(peers.of(unixSocket).empty());
    QCOMPARE(peers.reads(), uint64_t{3});
    ::close(unixSocket);
    ::close(pipeFds[0]);
    ::close(pipeFds[1]);

    for (int fd : clients) ::close(fd);
    for (int fd : accepted) ::close(fd);
    ::close(late);
    ::close(lateAccepted);
    ::close(listener);
  }

  void noProcessNoAnswer() {
    PeerAddresses peers;
    QVERIFY(peers.of(0).empty());  // no pid set
    QCOMPARE(peers.reads(), uint64_t{0});
  }
};

QTEST_GUILESS_MAIN(TestPeerAddresses)
#include "tst_peer_addresses.moc"
