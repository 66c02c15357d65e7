// rs::Listener (evconnlistener) with real loopback sockets: batch accepts,
// flags, enable/disable, port in use, freeing inside the callback, and surviving
// a full fd table (EMFILE) without a busy loop.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <QtTest>
#include <cerrno>
#include <vector>

#include "NetTestUtil.h"
#include "core/EventBase.h"
#include "net/BufferEvent.h"
#include "net/Listener.h"
#include "net/Socket.h"

using namespace rs;
using rs::testutil::runFor;
using rs::testutil::runUntil;

namespace {

struct Accepted {
  std::vector<int> fds;
  int errors = 0;
  int lastErrno = 0;
  bool freeOnAccept = false;
};

void onAccept(Listener* l, int fd, sockaddr* peer, int socklen, void* ctx) {
  auto* a = static_cast<Accepted*>(ctx);
  QVERIFY(peer != nullptr);
  QVERIFY(socklen > 0);
  a->fds.push_back(fd);
  if (a->freeOnAccept) l->free();
}

void onError(Listener*, void* ctx) {
  auto* a = static_cast<Accepted*>(ctx);
  ++a->errors;
  a->lastErrno = errno;
}

int connectTo(const InetAddress& addr) {
  const int fd = sockets::createNonblocking(addr.family());
  ::connect(fd, addr.sockAddr(), addr.length());
  return fd;
}

bool isNonblocking(int fd) { return (::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }

ListenerPtr bindLoopback(EventBase& base, Accepted& acc, unsigned flags, const char* host = "127.0.0.1",
                         std::string* error = nullptr, uint16_t port = 0) {
  auto addr = InetAddress::resolve(host, port, nullptr);
  return ListenerPtr(Listener::createBind(&base, &onAccept, &acc, flags, -1, addr->sockAddr(),
                                          static_cast<int>(addr->length()), error));
}

}  // namespace

class TestListener : public QObject {
  Q_OBJECT

 private slots:
  void acceptsBatch_data() {
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("clients");
    QTest::newRow("ipv4 one") << "127.0.0.1" << 1;
    QTest::newRow("ipv4 batch of 50") << "127.0.0.1" << 50;
    QTest::newRow("ipv6 batch of 20") << "::1" << 20;
    QTest::newRow("localhost") << "localhost" << 5;
  }
  void acceptsBatch() {
    QFETCH(QString, host);
    QFETCH(int, clients);
    EventBase base;
    Accepted acc;
    auto l = bindLoopback(base, acc, Listener::kCloseOnFree | Listener::kReuseable,
                          host.toStdString().c_str());
    if (!l && host == "::1") QSKIP("no IPv6 loopback on this machine");
    QVERIFY(l);
    const InetAddress addr = l->localAddress();
    QVERIFY(addr.port() != 0);
    std::vector<Socket> cs;
    for (int i = 0; i < clients; ++i) cs.emplace_back(connectTo(addr));
    QVERIFY(runUntil(base, [&] { return acc.fds.size() == static_cast<size_t>(clients); }));
    QCOMPARE(l->acceptedCount(), static_cast<uint64_t>(clients));
    for (int fd : acc.fds) {
      QVERIFY(isNonblocking(fd));
      QVERIFY(::fcntl(fd, F_GETFD) & FD_CLOEXEC);
      ::close(fd);
    }
  }

  void leaveSocketsBlocking_data() {
    QTest::addColumn<bool>("leaveBlocking");
    QTest::newRow("default: nonblocking") << false;
    QTest::newRow("LEAVE_SOCKETS_BLOCKING") << true;
  }
  void leaveSocketsBlocking() {
    QFETCH(bool, leaveBlocking);
    EventBase base;
    Accepted acc;
    auto l = bindLoopback(base, acc, Listener::kCloseOnFree | (leaveBlocking ? Listener::kLeaveSocketsBlocking : 0u));
    QVERIFY(l);
    Socket c(connectTo(l->localAddress()));
    QVERIFY(runUntil(base, [&] { return acc.fds.size() == 1; }));
    QCOMPARE(isNonblocking(acc.fds[0]), !leaveBlocking);
    ::close(acc.fds[0]);
  }

  void closeOnFree_data() {
    QTest::addColumn<bool>("closeOnFree");
    QTest::newRow("CLOSE_ON_FREE") << true;
    QTest::newRow("no CLOSE_ON_FREE") << false;
  }
  void closeOnFree() {
    QFETCH(bool, closeOnFree);
    EventBase base;
    Accepted acc;
    Listener* l = bindLoopback(base, acc, closeOnFree ? Listener::kCloseOnFree : 0u).release();
    QVERIFY(l);
    const int fd = l->fd();
    l->free();
    const bool open = ::fcntl(fd, F_GETFD) >= 0;
    QCOMPARE(open, !closeOnFree);
    if (open) ::close(fd);
  }

  void newFromFd_data() {
    QTest::addColumn<int>("backlog");
    QTest::newRow("backlog 0: already listening") << 0;
    QTest::newRow("backlog -1: default") << -1;
    QTest::newRow("backlog 16") << 16;
  }
  void newFromFd() {
    QFETCH(int, backlog);
    EventBase base;
    Accepted acc;
    auto addr = InetAddress::resolve("127.0.0.1", 0, nullptr);
    Socket s(sockets::createNonblocking(AF_INET));
    QCOMPARE(::bind(s.fd(), addr->sockAddr(), addr->length()), 0);
    if (backlog == 0) QCOMPARE(::listen(s.fd(), 8), 0);
    ListenerPtr l(Listener::create(&base, &onAccept, &acc, Listener::kCloseOnFree, backlog, s.release()));
    QVERIFY(l);
    Socket c(connectTo(l->localAddress()));
    QVERIFY(runUntil(base, [&] { return acc.fds.size() == 1; }));
    ::close(acc.fds[0]);
  }

  void disableEnable() {
    EventBase base;
    Accepted acc;
    auto l = bindLoopback(base, acc, Listener::kCloseOnFree | Listener::kDisabled);
    QVERIFY(l);
    QVERIFY(!l->enabled());
    Socket c(connectTo(l->localAddress()));
    runFor(base, 50);
    QCOMPARE(acc.fds.size(), size_t{0});  // queued in the kernel backlog
    QCOMPARE(l->enable(), 0);
    QVERIFY(runUntil(base, [&] { return acc.fds.size() == 1; }));
    QCOMPARE(l->disable(), 0);
    Socket c2(connectTo(l->localAddress()));
    runFor(base, 50);
    QCOMPARE(acc.fds.size(), size_t{1});
    l->enable();
    QVERIFY(runUntil(base, [&] { return acc.fds.size() == 2; }));
    for (int fd : acc.fds) ::close(fd);
  }

  void nullCallbackKeepsIdle() {
    EventBase base;
    Accepted acc;
    auto addr = InetAddress::resolve("127.0.0.1", 0, nullptr);
    ListenerPtr l(Listener::createBind(&base, nullptr, nullptr, Listener::kCloseOnFree, -1,
                                       addr->sockAddr(), static_cast<int>(addr->length())));
    QVERIFY(l);
    Socket c(connectTo(l->localAddress()));
    runFor(base, 30);
    QCOMPARE(l->acceptedCount(), uint64_t{0});
    l->setCallback(&onAccept, &acc);  // enabled listener starts accepting now
    QVERIFY(runUntil(base, [&] { return acc.fds.size() == 1; }));
    ::close(acc.fds[0]);
  }

  void portInUse() {
    EventBase base;
    Accepted acc;
    auto first = bindLoopback(base, acc, Listener::kCloseOnFree);
    QVERIFY(first);
    const uint16_t port = first->localAddress().port();
    std::string error;
    auto second = bindLoopback(base, acc, Listener::kCloseOnFree, "127.0.0.1", &error, port);
    QVERIFY(!second);
    QCOMPARE(errno, EADDRINUSE);
    const std::string expected = "bind 127.0.0.1:" + std::to_string(port) + ": Address already in use";
    QCOMPARE(QString::fromStdString(error), QString::fromStdString(expected));
  }

  void freeInsideAcceptCallback() {
    EventBase base;
    Accepted acc;
    acc.freeOnAccept = true;
    Listener* l = bindLoopback(base, acc, Listener::kCloseOnFree).release();
    const InetAddress addr = l->localAddress();
    std::vector<Socket> cs;
    for (int i = 0; i < 5; ++i) cs.emplace_back(connectTo(addr));
    runFor(base, 50);
    QCOMPARE(acc.fds.size(), size_t{1});  // freed after the first: no more callbacks
    ::close(acc.fds[0]);
  }

  // The fd table is full: the listener pauses (no busy loop: a handful of
  // retries with backoff, not thousands), existing connections keep working,
  // and accepting resumes by itself once fds are free again.
  void survivesEmfile() {
    rlimit old{};
    QCOMPARE(::getrlimit(RLIMIT_NOFILE, &old), 0);
    rlimit low = old;
    low.rlim_cur = 128;
    QCOMPARE(::setrlimit(RLIMIT_NOFILE, &low), 0);
    struct Restore {
      rlimit r;
      ~Restore() { ::setrlimit(RLIMIT_NOFILE, &r); }
    } restore{old};

    EventBase base;
    Accepted acc;
    auto l = bindLoopback(base, acc, Listener::kCloseOnFree | Listener::kReuseable);
    QVERIFY(l);
    l->setErrorCallback(&onError);
    const InetAddress addr = l->localAddress();

    // One established connection that must keep echoing through the outage.
    Socket first(connectTo(addr));
    QVERIFY(runUntil(base, [&] { return acc.fds.size() == 1; }));
    BufferEvent* echo = BufferEvent::create(&base, acc.fds[0], BufferEvent::kOptCloseOnFree);
    echo->setCallbacks(
        [](BufferEvent* b, void*) {
          char buf[256];
          const size_t n = b->read(buf, sizeof buf);
          b->write(buf, n);
        },
        nullptr, nullptr, nullptr);
    echo->enable(kEvRead | kEvWrite);
    // The backoff timer is made at the first pause: none yet.
    const size_t eventsBeforePause = base.liveEventCount();

    // Pending clients, then exhaust the table.
    std::vector<Socket> pending;
    for (int i = 0; i < 3; ++i) pending.emplace_back(connectTo(addr));
    std::vector<int> fillers;
    for (;;) {
      const int fd = ::dup(0);
      if (fd < 0) break;
      fillers.push_back(fd);
    }
    QCOMPARE(errno, EMFILE);

    runFor(base, 300);
    QVERIFY(l->paused() || l->pauseCount() > 0);
    QCOMPARE(base.liveEventCount(), eventsBeforePause + 1);  // the backoff timer
    QCOMPARE(acc.lastErrno, EMFILE);
    QVERIFY2(acc.errors >= 1 && acc.errors <= 12,
             qPrintable(QString("error callbacks during 300 ms: %1").arg(acc.errors)));
    QCOMPARE(acc.fds.size(), size_t{1});

    // The existing connection still works while accepting is paused.
    QCOMPARE(::send(first.fd(), "ping", 4, MSG_NOSIGNAL), ssize_t{4});
    char back[8] = {0};
    QVERIFY(runUntil(base, [&] { return ::recv(first.fd(), back, sizeof back, MSG_DONTWAIT) == 4; }));
    QCOMPARE(QByteArray(back, 4), QByteArray("ping"));

    for (int fd : fillers) ::close(fd);
    QVERIFY(runUntil(base, [&] { return acc.fds.size() == 4; }, 5000));
    QVERIFY(!l->paused());
    echo->free();
    for (size_t i = 1; i < acc.fds.size(); ++i) ::close(acc.fds[i]);
  }
};

QTEST_MAIN(TestListener)
#include "tst_listener.moc"
