// rs::BufferEvent over real loopback TCP sockets: data path, watermarks,
// timeouts, EOF, reset, connect (refused / loopback only / names), deferred
// callbacks, freeing inside callbacks, traced buffer levels, syscall pattern.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QtTest>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "NetTestUtil.h"
#include "core/EventBase.h"
#include "net/BufferEvent.h"
#include "net/InetAddress.h"
#include "net/Socket.h"

using namespace rs;
using rs::testutil::drainFd;
using rs::testutil::runFor;
using rs::testutil::runUntil;
using rs::testutil::TcpPair;

namespace {

struct Record {
  int reads = 0;
  int writes = 0;
  std::vector<short> events;
  std::vector<int> eventErrno;
  std::string data;
  bool drain = true;        // read callback drains the input into `data`
  bool freeOnEvent = false;
  bool freeOnRead = false;
  size_t maxInputSeen = 0;
  std::vector<size_t> inputAtRead;
};

void readCb(BufferEvent* b, void* ctx) {
  auto* r = static_cast<Record*>(ctx);
  ++r->reads;
  r->inputAtRead.push_back(b->input().length());
  r->maxInputSeen = std::max(r->maxInputSeen, b->input().length());
  if (r->drain) {
    std::string chunk(b->input().length(), '\0');
    const size_t n = b->read(chunk.data(), chunk.size());
    r->data.append(chunk.data(), n);
  }
  if (r->freeOnRead) b->free();
}

void writeCb(BufferEvent*, void* ctx) { ++static_cast<Record*>(ctx)->writes; }

void eventCb(BufferEvent* b, short what, void* ctx) {
  auto* r = static_cast<Record*>(ctx);
  r->events.push_back(what);
  r->eventErrno.push_back(errno);
  if (r->freeOnEvent) b->free();
}

BufferEventPtr makeBev(EventBase& base, int fd, Record& rec, int options = BufferEvent::kOptCloseOnFree) {
  BufferEventPtr b(BufferEvent::create(&base, fd, options));
  b->setCallbacks(&readCb, &writeCb, &eventCb, &rec);
  return b;
}

void sendAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n > 0) off += static_cast<size_t>(n);
  }
}

InetAddress closedPort() {
  // Bind (without listening) to get a port nobody listens on, then release it.
  Socket s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  auto a = InetAddress::resolve("127.0.0.1", 0, nullptr);
  ::bind(s.fd(), a->sockAddr(), a->length());
  return sockets::localAddress(s.fd());
}

}  // namespace

class TestBufferEvent : public QObject {
  Q_OBJECT

 private slots:
  void readsAndWrites_data() {
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("options");
    QTest::newRow("64 B") << 64 << 0;
    QTest::newRow("100 KiB") << 100 * 1024 << 0;
    QTest::newRow("3 MiB") << 3 * 1024 * 1024 << 0;
    QTest::newRow("64 KiB deferred") << 64 * 1024 << BufferEvent::kOptDeferCallbacks;
  }
  void readsAndWrites() {
    QFETCH(int, size);
    QFETCH(int, options);
    EventBase base;
    TcpPair p;
    QVERIFY(p.ok());
    Record ra, rb;
    auto a = makeBev(base, p.a.release(), ra, BufferEvent::kOptCloseOnFree | options);
    auto b = makeBev(base, p.b.release(), rb, BufferEvent::kOptCloseOnFree | options);
    a->enable(kEvRead | kEvWrite);
    b->enable(kEvRead | kEvWrite);
    std::string msg(static_cast<size_t>(size), '\0');
    for (size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<char>('a' + i % 26);
    QCOMPARE(a->write(msg.data(), msg.size()), 0);
    QVERIFY(runUntil(base, [&] { return rb.data.size() == msg.size(); }));
    QVERIFY(rb.data == msg);
    QVERIFY(ra.writes >= 1);  // output drained to the low watermark (0)
    QCOMPARE(a->output().length(), size_t{0});
    QCOMPARE(QString::fromStdString(a->output().validate()), QString());
    QCOMPARE(QString::fromStdString(b->input().validate()), QString());
  }

  // createPair: an in-memory pair (no socket). Bytes written to one side reach
  // the other once it reads; its high watermark caps what moves until it
  // drains; freeing one half unlinks the other (no event), and flush then fails.
  void pairMovesBytesInMemory() {
    EventBase base;
    BufferEvent* halves[2] = {nullptr, nullptr};
    QVERIFY(BufferEvent::createPair(&base, 0, halves));
    BufferEventPtr a(halves[0]);
    BufferEventPtr b(halves[1]);
    QCOMPARE(a->partner(), b.get());
    QCOMPARE(b->partner(), a.get());
    QCOMPARE(a->fd(), -1);
    Record ra, rb;
    a->setCallbacks(&readCb, &writeCb, &eventCb, &ra);
    b->setCallbacks(&readCb, &writeCb, &eventCb, &rb);

    QCOMPARE(a->write("hello", 5), 0);
    QCOMPARE(a->output().length(), size_t{5});  // b does not read yet
    b->enable(kEvRead);
    QCOMPARE(b->input().length(), size_t{5});   // moved on enable, callbacks deferred
    QCOMPARE(rb.reads, 0);
    QVERIFY(runUntil(base, [&] { return rb.data == "hello" && ra.writes == 1; }));

    rb.drain = false;
    b->setWatermark(kEvRead, 0, 4);
    QCOMPARE(a->write("0123456789", 10), 0);
    QCOMPARE(b->input().length(), size_t{4});
    QCOMPARE(a->output().length(), size_t{6});
    char buf[3];
    QCOMPARE(b->read(buf, sizeof buf), size_t{3});  // drained below high: 3 more move
    QCOMPARE(b->input().length(), size_t{4});
    QCOMPARE(a->output().length(), size_t{3});
    QCOMPARE(a->flush(kEvWrite, 1), 0);  // BEV_FLUSH: past the watermark
    QCOMPARE(b->input().length(), size_t{7});
    QCOMPARE(a->output().length(), size_t{0});

    b.reset();
    QCOMPARE(a->partner(), nullptr);
    QCOMPARE(a->write("x", 1), 0);
    QCOMPARE(a->output().length(), size_t{1});
    QCOMPARE(a->flush(kEvWrite, 1), -1);
    runFor(base, 20);
    QVERIFY(ra.events.empty());  // no EOF when the partner goes away, as in libevent
  }

  // libevent: enabling EV_WRITE with nothing queued runs the write callback once.
  void enableWriteWithEmptyOutputRunsWriteCb() {
    EventBase base;
    TcpPair p;
    Record r;
    auto a = makeBev(base, p.a.release(), r);
    a->enable(kEvWrite);
    QVERIFY(runUntil(base, [&] { return r.writes >= 1; }));
    runFor(base, 20);
    QCOMPARE(r.writes, 1);  // once, not on every writable wakeup
  }

  // The write callback runs when the output drains to the low watermark or
  // below -- at exactly the watermark too (libevent: length <= wm_write.low).
  // With 100-byte writes, 300 queued bytes and a watermark of 100, the output
  // is seen at 200 (no callback), 100 (callback) and 0 (callback).
  void writeLowWatermarkBoundary() {
    EventBase base;
    TcpPair p;
    QVERIFY(p.ok());
    struct Seen {
      std::vector<size_t> outputAtWriteCb;
    } seen;
    BufferEventPtr a(BufferEvent::create(&base, p.a.release(), BufferEvent::kOptCloseOnFree));
    a->setCallbacks(
        nullptr,
        [](BufferEvent* b, void* ctx) { static_cast<Seen*>(ctx)->outputAtWriteCb.push_back(b->output().length()); },
        nullptr, &seen);
    a->setMaxSingleWrite(100);
    a->setWatermark(kEvWrite, 100, 0);
    const std::string msg(300, 'w');
    QCOMPARE(a->write(msg.data(), msg.size()), 0);
    a->enable(kEvWrite);
    QVERIFY(runUntil(base, [&] { return a->output().length() == 0 && !seen.outputAtWriteCb.empty() &&
                                        seen.outputAtWriteCb.back() == 0; }));
    runFor(base, 20);
    QCOMPARE(seen.outputAtWriteCb, (std::vector<size_t>{100, 0}));
    size_t got = 0;
    for (int i = 0; i < 100 && got < msg.size(); ++i) {
      got += rs::testutil::drainFd(p.b.fd());
      if (got < msg.size()) runFor(base, 5);
    }
    QCOMPARE(got, msg.size());
  }

  void readLowWatermarkGatesReadCb() {
    EventBase base;
    TcpPair p;
    Record r;
    auto b = makeBev(base, p.b.release(), r);
    b->setWatermark(kEvRead, 10, 0);
    b->enable(kEvRead);
    sendAll(p.a.fd(), "12345");
    runFor(base, 50);
    QCOMPARE(r.reads, 0);
    QCOMPARE(b->input().length(), size_t{5});
    sendAll(p.a.fd(), "67890");
    QVERIFY(runUntil(base, [&] { return r.reads == 1; }));
    QCOMPARE(QString::fromStdString(r.data), QString("1234567890"));
  }

  void readHighWatermarkStopsReading_data() {
    QTest::addColumn<int>("high");
    QTest::addColumn<int>("total");
    QTest::newRow("high 100, 10 KB") << 100 << 10000;
    QTest::newRow("high 4 KiB, 1 MiB") << 4096 << (1 << 20);
  }
  void readHighWatermarkStopsReading() {
    QFETCH(int, high);
    QFETCH(int, total);
    EventBase base;
    TcpPair p;
    Record r;
    r.drain = false;
    auto b = makeBev(base, p.b.release(), r);
    b->setWatermark(kEvRead, 0, static_cast<size_t>(high));
    b->enable(kEvRead);
    std::string payload(static_cast<size_t>(total), 'x');
    size_t sent = 0;
    auto pump = [&] {
      while (sent < payload.size()) {
        const ssize_t n = ::send(p.a.fd(), payload.data() + sent, payload.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
      }
    };
    pump();
    // Wait for the input to reach the watermark (a slow machine may take more
    // than one wakeup), then give it time to overshoot if it were going to.
    QVERIFY(runUntil(base, [&] { return b->input().length() >= static_cast<size_t>(high); }));
    runFor(base, 50);
    // Reading stopped at the watermark: the rest waits in the kernel.
    QCOMPARE(b->input().length(), static_cast<size_t>(high));
    QVERIFY(r.maxInputSeen <= static_cast<size_t>(high));
    // Draining below the watermark resumes reading, still never above it.
    size_t received = 0;
    QVERIFY(runUntil(base, [&] {
      pump();
      received += b->input().length();
      b->input().drain(b->input().length());
      return received == payload.size();
    }, 10000));
    QVERIFY(r.maxInputSeen <= static_cast<size_t>(high));
  }

  void writeLowWatermark() {
    EventBase base;
    TcpPair p;
    Record r;
    auto a = makeBev(base, p.a.release(), r);
    const size_t low = 64 * 1024;
    a->setWatermark(kEvWrite, low, 0);
    a->enable(kEvWrite);
    runFor(base, 10);
    r.writes = 0;
    std::string big(8u << 20, 'w');
    a->write(big.data(), big.size());
    runFor(base, 50);
    QVERIFY(a->output().length() > low);  // peer does not read: kernel queue full
    QCOMPARE(r.writes, 0);
    QVERIFY(a->writeEvent().state() == EventState::Pending);  // armed only now
    size_t got = 0;
    QVERIFY(runUntil(base, [&] {
      got += drainFd(p.b.fd());
      return r.writes > 0;
    }));
    QVERIFY(a->output().length() <= low);
  }

  void timeouts_data() {
    QTest::addColumn<bool>("reading");
    QTest::newRow("read timeout") << true;
    QTest::newRow("write timeout") << false;
  }
  void timeouts() {
    QFETCH(bool, reading);
    EventBase base;
    TcpPair p;
    Record r;
    auto a = makeBev(base, p.a.release(), r);
    a->enable(kEvRead | kEvWrite);
    timeval tv{0, 50'000};
    // Before arming: the 16 MiB write below may itself take a while on a loaded
    // machine, and the timeout runs from when the write event is armed.
    const Nanos t0 = monotonicNowNs();
    if (reading) {
      a->setTimeouts(&tv, nullptr);
    } else {
      a->setTimeouts(nullptr, &tv);
      std::string big(16u << 20, 'w');  // more than the kernel queues hold
      a->write(big.data(), big.size());
    }
    QVERIFY(runUntil(base, [&] { return !r.events.empty(); }));
    const short expected = reading ? (BufferEvent::kReading | BufferEvent::kTimeout)
                                   : (BufferEvent::kWriting | BufferEvent::kTimeout);
    QCOMPARE(r.events[0], expected);
    QVERIFY(monotonicNowNs() - t0 >= 45 * kNsPerMs);
    QCOMPARE(a->enabled() & (reading ? kEvRead : kEvWrite), 0);  // direction disabled
    runFor(base, 120);
    QCOMPARE(r.events.size(), size_t{1});  // not repeated
  }

  void eofReported() {
    EventBase base;
    TcpPair p;
    Record r;
    auto b = makeBev(base, p.b.release(), r);
    b->enable(kEvRead);
    sendAll(p.a.fd(), "bye");
    p.a.reset();
    QVERIFY(runUntil(base, [&] { return !r.events.empty(); }));
    QCOMPARE(r.data, std::string("bye"));
    QCOMPARE(r.events[0], short(BufferEvent::kReading | BufferEvent::kEof));
    QCOMPARE(b->enabled() & kEvRead, 0);
  }

  void resetReported() {
    EventBase base;
    TcpPair p;
    Record r;
    auto b = makeBev(base, p.b.release(), r);
    b->enable(kEvRead);
    sockets::setLingerZero(p.a.fd());
    p.a.reset();  // RST
    QVERIFY(runUntil(base, [&] { return !r.events.empty(); }));
    QCOMPARE(r.events[0], short(BufferEvent::kReading | BufferEvent::kError));
    QCOMPARE(r.eventErrno[0], ECONNRESET);
    QCOMPARE(b->socketError(), ECONNRESET);
  }

  void writeToResetPeerIsAnErrorNotSigpipe() {
    EventBase base;
    TcpPair p;
    Record r;
    auto a = makeBev(base, p.a.release(), r);
    a->enable(kEvWrite);
    sockets::setLingerZero(p.b.fd());
    p.b.reset();
    runFor(base, 20);
    std::string chunk(4096, 'z');
    QVERIFY(runUntil(base, [&] {
      if (r.events.empty()) a->write(chunk.data(), chunk.size());
      return !r.events.empty();
    }));
    QCOMPARE(r.events[0] & (BufferEvent::kWriting | BufferEvent::kError),
             BufferEvent::kWriting | BufferEvent::kError);
    QVERIFY(r.eventErrno[0] == ECONNRESET || r.eventErrno[0] == EPIPE);
  }

  void connectSucceeds_data() {
    QTest::addColumn<int>("options");
    QTest::newRow("immediate callbacks") << 0;
    QTest::newRow("deferred callbacks") << BufferEvent::kOptDeferCallbacks;
  }
  void connectSucceeds() {
    QFETCH(int, options);
    EventBase base;
    testutil::LoopbackListener l;
    Record r;
    auto c = makeBev(base, -1, r, BufferEvent::kOptCloseOnFree | options);
    QCOMPARE(c->connect(l.addr), 0);
    c->enable(kEvRead | kEvWrite);
    c->write("hello", 5);  // queued until connected
    QVERIFY(runUntil(base, [&] { return !r.events.empty(); }));
    QCOMPARE(r.events[0], BufferEvent::kConnected);
    Socket peer(::accept4(l.sock.fd(), nullptr, nullptr, SOCK_CLOEXEC));
    char buf[8] = {0};
    QCOMPARE(::recv(peer.fd(), buf, 5, MSG_WAITALL), ssize_t{5});
    QCOMPARE(QByteArray(buf, 5), QByteArray("hello"));
    sendAll(peer.fd(), "world");
    QVERIFY(runUntil(base, [&] { return r.data == "world"; }));
  }

  void connectRefused() {
    EventBase base;
    Record r;
    auto c = makeBev(base, -1, r);
    const InetAddress target = closedPort();
    QCOMPARE(c->connect(target), 0);
    c->enable(kEvRead | kEvWrite);
    QVERIFY(runUntil(base, [&] { return !r.events.empty(); }));
    QVERIFY(r.events[0] & BufferEvent::kError);
    QCOMPARE(r.eventErrno[0], ECONNREFUSED);
    QCOMPARE(c->socketError(), ECONNREFUSED);
  }

  void connectOnlyToLoopback_data() {
    QTest::addColumn<QString>("host");
    QTest::addColumn<bool>("accepted");
    QTest::addColumn<QString>("errorPart");
    QTest::newRow("127.0.0.1") << "127.0.0.1" << true << "";
    QTest::newRow("127.1.2.3") << "127.1.2.3" << true << "";
    QTest::newRow("localhost") << "localhost" << true << "";
    QTest::newRow("public v4") << "192.0.2.1" << false << "only loopback";
    QTest::newRow("public v6") << "2001:db8::1" << false << "only loopback";
    // An IPv4-mapped IPv6 address is loopback only when the IPv4 one is (the
    // check refuses it before any socket exists: no traffic leaves).
    QTest::newRow("v4-mapped private") << "::ffff:10.0.0.1" << false << "only loopback";
    QTest::newRow("a name") << "example.com" << false << "no DNS lookups";
    QTest::newRow("empty") << "" << false << "empty address";
  }
  void connectOnlyToLoopback() {
    QFETCH(QString, host);
    QFETCH(bool, accepted);
    QFETCH(QString, errorPart);
    EventBase base;
    Record r;
    auto c = makeBev(base, -1, r);
    // Never a blocking lookup: names other than localhost are refused with
    // "no DNS lookups" (checked below) instead of being resolved. (No wall-clock
    // upper bound here: a loaded machine can stall any call for 100 ms.)
    const int rc = c->connectHostname(host.toStdString(), 9);
    QCOMPARE(rc == 0, accepted);
    if (!accepted) {
      QVERIFY2(QString::fromStdString(c->lastErrorText()).contains(errorPart),
               c->lastErrorText().c_str());
      QCOMPARE(c->fd(), -1);
    }
  }

  // The one loopback rule (InetAddress::isLoopback, used by every bind and
  // connect check): 127.0.0.0/8, ::1, and IPv4-mapped 127.0.0.0/8 only.
  void loopbackRule_data() {
    QTest::addColumn<QString>("host");
    QTest::addColumn<bool>("loopback");
    QTest::newRow("127.0.0.1") << "127.0.0.1" << true;
    QTest::newRow("127.255.255.254") << "127.255.255.254" << true;
    QTest::newRow("126.255.255.255") << "126.255.255.255" << false;
    QTest::newRow("128.0.0.1") << "128.0.0.1" << false;
    QTest::newRow("10.0.0.1") << "10.0.0.1" << false;
    QTest::newRow("0.0.0.0") << "0.0.0.0" << false;
    QTest::newRow("::1") << "::1" << true;
    QTest::newRow("::2") << "::2" << false;
    QTest::newRow("::") << "::" << false;
    QTest::newRow("::ffff:127.0.0.1") << "::ffff:127.0.0.1" << true;
    QTest::newRow("::ffff:127.1.2.3") << "::ffff:127.1.2.3" << true;
    QTest::newRow("::ffff:10.0.0.1") << "::ffff:10.0.0.1" << false;
    QTest::newRow("::ffff:128.0.0.1") << "::ffff:128.0.0.1" << false;
    QTest::newRow("::ffff:0.0.0.0") << "::ffff:0.0.0.0" << false;
  }
  void loopbackRule() {
    QFETCH(QString, host);
    QFETCH(bool, loopback);
    std::string err;
    const auto addr = InetAddress::resolve(host.toStdString(), 9, &err);
    QVERIFY2(addr.has_value(), err.c_str());
    QCOMPARE(addr->isLoopback(), loopback);
    std::string why;
    QCOMPARE(sockets::checkLoopback(*addr, "connect", &why), loopback);
    if (!loopback) QVERIFY2(QString::fromStdString(why).contains("only loopback"), why.c_str());
  }

  void freeInsideCallbacks_data() {
    QTest::addColumn<bool>("inRead");
    QTest::addColumn<int>("options");
    QTest::newRow("read cb") << true << 0;
    QTest::newRow("event cb") << false << 0;
    QTest::newRow("read cb, deferred") << true << BufferEvent::kOptDeferCallbacks;
    QTest::newRow("event cb, deferred") << false << BufferEvent::kOptDeferCallbacks;
  }
  void freeInsideCallbacks() {
    QFETCH(bool, inRead);
    QFETCH(int, options);
    EventBase base;
    TcpPair p;
    Record r;
    r.freeOnRead = inRead;
    r.freeOnEvent = !inRead;
    const int fd = p.b.release();
    BufferEvent* b = BufferEvent::create(&base, fd, BufferEvent::kOptCloseOnFree | options);
    b->setCallbacks(&readCb, &writeCb, &eventCb, &r);
    b->enable(kEvRead);
    sendAll(p.a.fd(), "data");
    if (!inRead) p.a.reset();
    QVERIFY(runUntil(base, [&] { return inRead ? r.reads == 1 : !r.events.empty(); }));
    runFor(base, 20);
    QCOMPARE(::fcntl(fd, F_GETFD), -1);  // CLOSE_ON_FREE closed it
  }

  // The read callback runs from the bufferevent's deferred-callback event after
  // the read event's own callback has returned (libevent's deferred queue).
  void deferredCallbacksRunAfterTheReadEvent() {
    EventBase::Options opt;
    opt.tracing = true;
    EventBase base(opt);
    TcpPair p;
    Record r;
    auto b = makeBev(base, p.b.release(), r, BufferEvent::kOptCloseOnFree | BufferEvent::kOptDeferCallbacks);
    b->enable(kEvRead);
    sendAll(p.a.fd(), "x");
    QVERIFY(runUntil(base, [&] { return r.reads == 1; }));
    std::vector<TraceRecord> recs(1 << 14);
    recs.resize(base.tracer().drain(recs.data(), recs.size()));
    long readEnd = -1, deferredBegin = -1;
    for (size_t i = 0; i < recs.size(); ++i) {
      const auto& rec = recs[i];
      if (rec.owner != b->ownerTag()) continue;
      if (rec.type == TraceType::CallbackEnd && rec.eventId == b->readEvent().id() && readEnd < 0)
        readEnd = static_cast<long>(i);
      if (rec.type == TraceType::CallbackBegin && rec.eventId != b->readEvent().id() &&
          rec.eventId != b->writeEvent().id() && deferredBegin < 0)
        deferredBegin = static_cast<long>(i);
    }
    QVERIFY(readEnd >= 0);
    QVERIFY(deferredBegin > readEnd);
  }

  // One sendmsg per message and one readv per arrival: EV_WRITE never armed.
  void pingPongSyscallPattern() {
    EventBase base;
    TcpPair p;
    Record ra, rb;
    auto a = makeBev(base, p.a.release(), ra);
    auto b = makeBev(base, p.b.release(), rb);
    a->enable(kEvRead | kEvWrite);
    b->enable(kEvRead | kEvWrite);
    runFor(base, 5);
    const int rounds = 200;
    const std::string msg(64, 'p');
    int done = 0;
    a->write(msg.data(), msg.size());
    QVERIFY(runUntil(base, [&] {
      if (rb.data.size() >= msg.size()) {  // b echoes
        b->write(rb.data.data(), msg.size());
        rb.data.erase(0, msg.size());
      }
      if (ra.data.size() >= msg.size()) {
        ra.data.erase(0, msg.size());
        if (++done < rounds) a->write(msg.data(), msg.size());
      }
      return done == rounds;
    }));
    QCOMPARE(a->writeCalls(), uint64_t(rounds));
    QCOMPARE(b->writeCalls(), uint64_t(rounds));
    QVERIFY(a->readCalls() <= uint64_t(rounds) + 2);
    QVERIFY(a->writeEvent().state() != EventState::Pending);
  }

  void traceRecordsLevelsAndLabels() {
    EventBase::Options opt;
    opt.tracing = true;
    EventBase base(opt);
    TcpPair p;
    Record ra, rb;
    auto a = makeBev(base, p.a.release(), ra);
    auto b = makeBev(base, p.b.release(), rb);
    b->setKernelSampleInterval(5 * kNsPerMs);
    b->setWatermark(kEvRead, 0, 1 << 20);
    a->enable(kEvWrite);
    b->enable(kEvRead);
    std::string msg(1000, 'q');
    a->write(msg.data(), msg.size());
    QVERIFY(runUntil(base, [&] { return rb.data.size() == msg.size(); }));
    // Kernel queues are sampled on a 5 ms timer: collect records until every
    // kind has shown up (bounded), rather than sleeping a fixed time.
    bool inputUp = false, outputUp = false, kernelRecv = false, kernelSend = false, highWater = false;
    std::vector<TraceRecord> recs(1 << 16);
    runUntil(base, [&] {
      const size_t n = base.tracer().drain(recs.data(), recs.size());
      for (size_t i = 0; i < n; ++i) {
        const TraceRecord& rec = recs[i];
        if (rec.type != TraceType::BufferLevel) continue;
        if (rec.owner == b->ownerTag() && rec.buffer == BufferId::Input && rec.value == 1000) inputUp = true;
        if (rec.owner == a->ownerTag() && rec.buffer == BufferId::Output && rec.value == 1000) outputUp = true;
        if (rec.owner == b->ownerTag() && rec.buffer == BufferId::KernelRecv) kernelRecv = true;
        if (rec.owner == b->ownerTag() && rec.buffer == BufferId::KernelSend) kernelSend = true;
        if (rec.owner == b->ownerTag() && rec.buffer == BufferId::ReadHighWater && rec.value == (1 << 20))
          highWater = true;
      }
      return inputUp && outputUp && kernelRecv && kernelSend && highWater;
    });
    QVERIFY(inputUp);
    QVERIFY(outputUp);
    QVERIFY(kernelRecv);
    QVERIFY(kernelSend);
    QVERIFY(highWater);
    auto info = base.tracer().info(b->readEvent().id());
    QVERIFY(info.has_value());
    QCOMPARE(QString::fromStdString(info->label), QString("conn %1 read").arg(b->ownerTag()));
    QCOMPARE(info->owner, b->ownerTag());
  }
};

QTEST_MAIN(TestBufferEvent)
#include "tst_bufferevent.moc"
