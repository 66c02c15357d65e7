// EchoServer and LoadClient against each other over loopback: integrity with
// 200 connections and 64 B - 1 MiB messages, open loop, server modes, limits,
// response delay, fault modes (slow reader vs a read high watermark, half-close,
// RST, closed port), the clear one-line errors, and the server's connection
// notes (one accept and one close per connection, however short-lived).
#include <sys/socket.h>
#include <unistd.h>

#include <QtTest>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <set>

#include "NetTestUtil.h"
#include "core/EventBase.h"
#include "workload/ConnectionNoteQueue.h"
#include "workload/EchoServer.h"
#include "workload/LoadClient.h"
#include "workload/Payload.h"

using namespace rs;
using rs::testutil::runFor;
using rs::testutil::runUntil;

namespace {

std::unique_ptr<EchoServer> startServer(EventBase& base, EchoServerConfig cfg = {}) {
  auto s = std::make_unique<EchoServer>(&base, cfg);
  std::string err;
  if (!s->start(&err)) qWarning("server start failed: %s", err.c_str());
  return s;
}

// Runs the client to completion (bounded) and returns whether it finished.
bool runClient(EventBase& base, LoadClient& client, int ms = 60000) {
  std::string err;
  if (!client.start(&err)) {
    qWarning("client start failed: %s", err.c_str());
    return false;
  }
  return runUntil(base, [&] { return client.finished(); }, ms);
}

int rawConnect(uint16_t port) {
  auto addr = InetAddress::resolve("127.0.0.1", port, nullptr);
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ::connect(fd, addr->sockAddr(), addr->length());
  sockets::setNonblocking(fd, true);
  return fd;
}

int64_t wallNowNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

using Note = ConnectionNote;
using Reason = ConnectionNote::CloseReason;

// The notes a server reported, with counting helpers.
struct NoteLog {
  std::vector<Note> notes;
  size_t count(Note::Kind kind) const {
    return static_cast<size_t>(std::count_if(notes.begin(), notes.end(), [&](const Note& n) { return n.kind == kind; }));
  }
  std::vector<Note> closedWith(Reason reason) const {
    std::vector<Note> out;
    for (const Note& n : notes)
      if (n.kind == Note::Kind::Closed && n.reason == reason) out.push_back(n);
    return out;
  }
};

}  // namespace

class TestEchoWorkload : public QObject {
  Q_OBJECT

 private slots:
  void echoIntegrity_data() {
    QTest::addColumn<int>("connections");
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("payload");
    const int random = static_cast<int>(LoadClientConfig::PayloadKind::Random);
    const int text = static_cast<int>(LoadClientConfig::PayloadKind::Text);
    QTest::newRow("200 x 64 B random") << 200 << 64 << 20000 << random;
    QTest::newRow("200 x 4 KiB random") << 200 << 4096 << 4000 << random;
    QTest::newRow("200 x 64 KiB random") << 200 << 65536 << 1000 << random;
    QTest::newRow("200 x 1 MiB random") << 200 << (1 << 20) << 200 << random;
    QTest::newRow("200 x 1000 B text") << 200 << 1000 << 2000 << text;
  }
  void echoIntegrity() {
    QFETCH(int, connections);
    QFETCH(int, size);
    QFETCH(int, count);
    QFETCH(int, payload);
    EventBase base;
    auto server = startServer(base);
    QVERIFY(server->running());
    LoadClientConfig cfg;
    cfg.port = server->port();
    cfg.connections = connections;
    cfg.messageSize = static_cast<size_t>(size);
    cfg.messageCount = static_cast<uint64_t>(count);
    cfg.durationSec = 0;
    cfg.payload = static_cast<LoadClientConfig::PayloadKind>(payload);
    cfg.payloadSpec = "The quick brown fox jumps over the lazy dog. ";
    cfg.timeout = 30 * kNsPerSec;
    LoadClient client(&base, cfg);
    QVERIFY(runClient(base, client, 120000));
    const LoadClientStats st = client.stats();
    std::string why;
    QVERIFY2(client.passed(&why), why.c_str());
    QCOMPARE(st.mismatchedBytes, uint64_t{0});
    QCOMPARE(st.messagesSent, uint64_t(count));
    QCOMPARE(st.messagesReceived, uint64_t(count));
    QCOMPARE(st.bytesReceived, uint64_t(count) * uint64_t(size));
    QCOMPARE(client.histogram().count(), uint64_t(count));
    QVERIFY(!client.intervals().empty());
    runUntil(base, [&] { return server->stats().active == 0; });
    const EchoServerStats ss = server->stats();
    QCOMPARE(ss.accepted, uint64_t(connections));
    QCOMPARE(ss.bytesIn, uint64_t(count) * uint64_t(size));
    QCOMPARE(ss.bytesOut, ss.bytesIn);
  }

  void openLoopRate() {
    EventBase base;
    auto server = startServer(base);
    LoadClientConfig cfg;
    cfg.port = server->port();
    cfg.connections = 10;
    cfg.loopMode = LoadClientConfig::LoopMode::Open;
    cfg.rate = 2000;
    cfg.durationSec = 1.5;
    LoadClient client(&base, cfg);
    std::vector<IntervalStats> seen;
    client.setIntervalCallback([&](const IntervalStats& s) { seen.push_back(s); });
    QVERIFY(runClient(base, client));
    std::string why;
    QVERIFY2(client.passed(&why), why.c_str());
    const auto st = client.stats();
    // A schedule, not a race: ~rate x duration messages (loose bounds, no timing asserts).
    QVERIFY2(st.messagesSent > 2000 && st.messagesSent <= 3100, qPrintable(QString::number(st.messagesSent)));
    QVERIFY(seen.size() >= 1);
    QCOMPARE(seen.size(), client.intervals().size());
    QVERIFY(seen[0].messages > 0);
  }

  // Open loop: the pacer wakes at the intended send times, not on a fixed
  // 1 ms tick (whose phase added up to a millisecond of the client's own lag
  // to every latency sample: p50 880 us at 200 msgs/s against an 18 us echo).
  // Counted, not timed: about one pacer run per message, not one per ms.
  void openLoopPacerFollowsTheSchedule() {
    EventBase::Options opt;
    opt.tracing = true;
    EventBase base(opt);
    auto server = startServer(base);
    LoadClientConfig cfg;
    cfg.port = server->port();
    cfg.connections = 1;
    cfg.loopMode = LoadClientConfig::LoopMode::Open;
    cfg.rate = 100;
    cfg.durationSec = 1;
    LoadClient client(&base, cfg);
    std::string err;
    QVERIFY2(client.start(&err), err.c_str());
    std::vector<TraceRecord> recs(1 << 16);
    uint64_t pacerId = 0;
    uint64_t pacerRuns = 0;
    QVERIFY(runUntil(base, [&] {
      const size_t n = base.tracer().drain(recs.data(), recs.size());
      for (size_t i = 0; i < n; ++i) {
        const TraceRecord& r = recs[i];
        if (r.type != TraceType::CallbackBegin) continue;
        if (pacerId == 0) {
          auto info = base.tracer().info(r.eventId);
          if (info && info->label == "load client pacer") pacerId = r.eventId;
        }
        if (r.eventId == pacerId) ++pacerRuns;
      }
      return client.finished();
    }, 30000));
    std::string why;
    QVERIFY2(client.passed(&why), why.c_str());
    const uint64_t sent = client.stats().messagesSent;
    QVERIFY(sent > 0);
    QVERIFY(pacerId != 0);
    // On a loaded machine some runs send nothing (115 runs for 100 messages
    // once under ctest -j2; why was not pinned down); a 1 ms tick would be
    // ~1000 runs here, so twice the messages still tells the two apart.
    QVERIFY2(pacerRuns >= 1 && pacerRuns <= 2 * sent + 10,
             qPrintable(QString("pacer ran %1 times for %2 messages").arg(pacerRuns).arg(sent)));
  }

  void serverModes_data() {
    QTest::addColumn<int>("mode");
    QTest::newRow("discard") << static_cast<int>(EchoServerConfig::Mode::Discard);
    QTest::newRow("source") << static_cast<int>(EchoServerConfig::Mode::Source);
  }
  void serverModes() {
    QFETCH(int, mode);
    EventBase base;
    EchoServerConfig sc;
    sc.mode = static_cast<EchoServerConfig::Mode>(mode);
    auto server = startServer(base, sc);
    Socket c(rawConnect(server->port()));
    std::string sent(100000, 'd');
    size_t off = 0;
    std::string got;
    QVERIFY(runUntil(base, [&] {
      if (off < sent.size()) {
        const ssize_t n = ::send(c.fd(), sent.data() + off, sent.size() - off, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) off += static_cast<size_t>(n);
      }
      char buf[65536];
      const ssize_t n = ::recv(c.fd(), buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) got.append(buf, static_cast<size_t>(n));
      return server->stats().bytesIn == sent.size() && (sc.mode == EchoServerConfig::Mode::Discard || got.size() > 200000);
    }));
    if (sc.mode == EchoServerConfig::Mode::Discard) {
      runFor(base, 20);
      QCOMPARE(::recv(c.fd(), nullptr, 0, MSG_DONTWAIT), ssize_t{-1});  // nothing came back
    } else {
      // chargen: printable lines of 72 characters.
      QCOMPARE(got.substr(0, 4), std::string(" !\"#"));
      QCOMPARE(got.substr(72, 2), std::string("\r\n"));
    }
  }

  // The client in the server's mode: against discard it only sends (every
  // byte reaches the server), against source it only reads and verifies the
  // chargen stream; a mode mismatch fails with a clear reason (passed()'s
  // text, which quotes the first connection error when there is one).
  void clientInServerMode_data() {
    QTest::addColumn<int>("serverMode");
    QTest::addColumn<int>("clientMode");
    QTest::addColumn<bool>("passes");
    QTest::addColumn<QString>("failure");  // empty exactly when the run passes
    const int echo = static_cast<int>(EchoServerConfig::Mode::Echo);
    const int discard = static_cast<int>(EchoServerConfig::Mode::Discard);
    const int source = static_cast<int>(EchoServerConfig::Mode::Source);
    QTest::newRow("discard") << discard << discard << true << QString();
    QTest::newRow("source") << source << source << true << QString();
    QTest::newRow("discard client, echo server") << echo << discard << false << "a discard server sends nothing";
    // The source client sends nothing, so an echo server sends nothing back.
    QTest::newRow("source client, echo server") << echo << source << false
                                                << "nothing was received from the source server";
  }
  void clientInServerMode() {
    QFETCH(int, serverMode);
    QFETCH(int, clientMode);
    QFETCH(bool, passes);
    QFETCH(QString, failure);
    EventBase base;
    EchoServerConfig sc;
    sc.mode = static_cast<EchoServerConfig::Mode>(serverMode);
    auto server = startServer(base, sc);
    LoadClientConfig cfg;
    cfg.port = server->port();
    cfg.connections = 3;
    cfg.messageSize = 4096;
    cfg.durationSec = 0.5;
    cfg.serverMode = static_cast<EchoServerConfig::Mode>(clientMode);
    LoadClient client(&base, cfg);
    QVERIFY(runClient(base, client));
    std::string why;
    QCOMPARE(client.passed(&why), passes);
    QCOMPARE(failure.isEmpty(), passes);
    if (!passes) {
      QVERIFY2(QString::fromStdString(why).contains(failure), why.c_str());
      return;
    }
    QVERIFY2(why.empty(), why.c_str());
    QVERIFY2(client.firstError().empty(), client.firstError().c_str());
    const LoadClientStats st = client.stats();
    QCOMPARE(st.mismatchedBytes, uint64_t{0});
    if (clientMode == static_cast<int>(EchoServerConfig::Mode::Discard)) {
      QVERIFY(st.bytesQueued > 0);
      QCOMPARE(st.bytesReceived, uint64_t{0});
      // Every byte the client queued reached the server before it closed.
      QVERIFY(runUntil(base, [&] { return server->stats().active == 0; }));
      QCOMPARE(server->stats().bytesIn, st.bytesWritten);
    } else {
      QVERIFY(st.bytesReceived > 0);
      QCOMPARE(st.messagesSent, uint64_t{0});
    }
  }

  // A connection that completes after the duration ended must still end the
  // run: slow-reader, open-loop, discard and source clients used to keep it
  // open forever (a --duration 2 run with 500 slow readers never stopped).
  // A 1 us duration makes every connect but the first complete too late.
  void lateConnectionsStillFinish_data() {
    QTest::addColumn<int>("variant");
    QTest::newRow("slow reader") << 0;
    QTest::newRow("open loop") << 1;
    QTest::newRow("discard") << 2;
    QTest::newRow("source") << 3;
    QTest::newRow("closed loop") << 4;
  }
  void lateConnectionsStillFinish() {
    QFETCH(int, variant);
    EventBase base;
    EchoServerConfig sc;
    if (variant == 2) sc.mode = EchoServerConfig::Mode::Discard;
    if (variant == 3) sc.mode = EchoServerConfig::Mode::Source;
    auto server = startServer(base, sc);
    LoadClientConfig cfg;
    cfg.port = server->port();
    cfg.connections = 8;
    cfg.durationSec = 1e-6;
    if (variant == 0) cfg.fault = LoadClientConfig::Fault::SlowReader;
    if (variant == 1) {
      cfg.loopMode = LoadClientConfig::LoopMode::Open;
      cfg.rate = 1000;
    }
    if (variant == 2) cfg.serverMode = EchoServerConfig::Mode::Discard;
    if (variant == 3) cfg.serverMode = EchoServerConfig::Mode::Source;
    LoadClient client(&base, cfg);
    QVERIFY(runClient(base, client, 10000));
  }

  void clientModeConfigErrors() {
    EventBase base;
    LoadClientConfig cfg;
    cfg.port = 9;
    cfg.serverMode = EchoServerConfig::Mode::Source;
    cfg.messageCount = 10;
    cfg.durationSec = 0;
    std::string err;
    QVERIFY(!LoadClient(&base, cfg).start(&err));
    QVERIFY2(QString::fromStdString(err).contains("give a duration"), err.c_str());
    cfg = LoadClientConfig();
    cfg.port = 9;
    cfg.serverMode = EchoServerConfig::Mode::Discard;
    cfg.fault = LoadClientConfig::Fault::SlowReader;
    QVERIFY(!LoadClient(&base, cfg).start(&err));
    QVERIFY2(QString::fromStdString(err).contains("needs an echo server"), err.c_str());
  }

  void maxConnectionsRejectsTheExcess() {
    EventBase base;
    EchoServerConfig sc;
    sc.maxConnections = 2;
    auto server = startServer(base, sc);
    std::vector<Socket> cs;
    for (int i = 0; i < 5; ++i) cs.emplace_back(rawConnect(server->port()));
    QVERIFY(runUntil(base, [&] { return server->stats().accepted == 5; }));
    QCOMPARE(server->stats().rejected, uint64_t{3});
    QCOMPARE(server->stats().active, uint64_t{2});
    QCOMPARE(server->connections().size(), size_t{2});
  }

  // Connections that open and close (FIN) or abort (RST) before the server
  // even accepts them: each still gets exactly one Accepted and one Closed
  // note with its peer address, id, fd, reason and real time.
  void connectionNotesAreExact_data() {
    QTest::addColumn<bool>("reset");
    QTest::newRow("close") << false;
    QTest::newRow("reset (SO_LINGER 0)") << true;
  }
  void connectionNotesAreExact() {
    QFETCH(bool, reset);
    constexpr size_t kConnections = 50;
    EventBase base;
    auto server = startServer(base);
    QVERIFY(server->running());
    NoteLog log;
    server->setConnectionNoteSink([&](Note&& n) { log.notes.push_back(std::move(n)); });
    const int64_t before = wallNowNs();
    std::multiset<std::string> peers;
    for (size_t i = 0; i < kConnections; ++i) {
      const int fd = rawConnect(server->port());
      QVERIFY(fd >= 0);
      peers.insert(sockets::localAddress(fd).toString());
      if (reset) QCOMPARE(sockets::setLingerZero(fd), 0);
      ::close(fd);
    }
    QVERIFY(runUntil(base, [&] { return log.notes.size() >= 2 * kConnections; }));
    for (int i = 0; i < 5; ++i) base.loop(kLoopNonblock);  // nothing more comes
    const int64_t after = wallNowNs();
    QCOMPARE(log.notes.size(), 2 * kConnections);
    QCOMPARE(log.count(Note::Kind::Accepted), kConnections);
    QCOMPARE(log.count(Note::Kind::Closed), kConnections);
    const Reason expected = reset ? Reason::Reset : Reason::PeerClosed;
    QCOMPARE(log.closedWith(expected).size(), kConnections);

    std::map<uint32_t, Note> accepted;
    std::multiset<std::string> acceptedPeers, closedPeers;
    for (const Note& n : log.notes) {
      QVERIFY(n.wallTimeNs >= before && n.wallTimeNs <= after);
      QVERIFY(n.fd >= 0);
      QVERIFY(n.id != 0);
      if (n.kind == Note::Kind::Accepted) {
        QCOMPARE(n.reason, Reason::None);
        QVERIFY2(accepted.emplace(n.id, n).second, "one Accepted note per connection id");
        acceptedPeers.insert(n.peer);
        continue;
      }
      auto it = accepted.find(n.id);
      QVERIFY2(it != accepted.end(), "Closed comes after its Accepted");
      QCOMPARE(n.peer, it->second.peer);
      QCOMPARE(n.fd, it->second.fd);
      QVERIFY(n.wallTimeNs >= it->second.wallTimeNs);
      QCOMPARE(n.bytesIn, uint64_t{0});
      QCOMPARE(n.bytesOut, uint64_t{0});
      closedPeers.insert(n.peer);
      accepted.erase(it);
    }
    QVERIFY(accepted.empty());
    QVERIFY(acceptedPeers == peers);
    QVERIFY(closedPeers == peers);
    const EchoServerStats st = server->stats();
    QCOMPARE(st.accepted, uint64_t{kConnections});
    QCOMPARE(st.closed, uint64_t{kConnections});
    QCOMPARE(st.active, uint64_t{0});
  }

  // Bytes in/out of a closed connection, and the peer's reset after an echo.
  void connectionNotesCountBytes_data() { connectionNotesAreExact_data(); }
  void connectionNotesCountBytes() {
    QFETCH(bool, reset);
    EventBase base;
    auto server = startServer(base);
    NoteLog log;
    server->setConnectionNoteSink([&](Note&& n) { log.notes.push_back(std::move(n)); });
    Socket c(rawConnect(server->port()));
    const std::string peer = sockets::localAddress(c.fd()).toString();
    QCOMPARE(::send(c.fd(), "hello", 5, MSG_NOSIGNAL), ssize_t{5});
    size_t echoed = 0;
    QVERIFY(runUntil(base, [&] {
      echoed += testutil::drainFd(c.fd());
      return echoed == 5;
    }));
    if (reset) QCOMPARE(sockets::setLingerZero(c.fd()), 0);
    c.reset(-1);
    QVERIFY(runUntil(base, [&] { return log.count(Note::Kind::Closed) == 1; }));
    QCOMPARE(log.notes.size(), size_t{2});
    const Note& closed = log.notes.back();
    QCOMPARE(closed.reason, reset ? Reason::Reset : Reason::PeerClosed);
    QCOMPARE(closed.peer, peer);
    QCOMPARE(closed.bytesIn, uint64_t{5});
    QCOMPARE(closed.bytesOut, uint64_t{5});
  }

  // Refusals over maxConnections are an Accepted plus a Closed note (id 0,
  // the limit as the text); stop() and drain() close the rest as ServerStop.
  void connectionNotesForRefusalsAndStop_data() {
    QTest::addColumn<bool>("drain");
    QTest::newRow("stop") << false;
    QTest::newRow("drain") << true;
  }
  void connectionNotesForRefusalsAndStop() {
    QFETCH(bool, drain);
    EventBase base;
    EchoServerConfig sc;
    sc.maxConnections = 2;
    auto server = startServer(base, sc);
    NoteLog log;
    std::vector<std::string> lines;
    server->setLogSink([&](LogLevel, const std::string& line) { lines.push_back(line); });
    server->setConnectionNoteSink([&](Note&& n) { log.notes.push_back(std::move(n)); });
    std::vector<Socket> cs;
    for (int i = 0; i < 5; ++i) cs.emplace_back(rawConnect(server->port()));
    QVERIFY(runUntil(base, [&] { return log.notes.size() == 8; }));
    QCOMPARE(log.count(Note::Kind::Accepted), size_t{5});
    const std::vector<Note> refused = log.closedWith(Reason::MaxConnections);
    QCOMPARE(refused.size(), size_t{3});
    for (const Note& n : refused) {
      QCOMPARE(n.id, uint32_t{0});
      QVERIFY(n.fd >= 0);
      QCOMPARE(n.error, std::string("2 connections already open"));
    }
    QVERIFY2(lines.empty(), "with a note sink, refusals are notes, not log lines");
    if (drain) {
      server->drain();
      QVERIFY(runUntil(base, [&] { return server->stats().active == 0; }));
    } else {
      server->stop();
    }
    QCOMPARE(log.count(Note::Kind::Closed), size_t{5});
    const std::vector<Note> stopped = log.closedWith(Reason::ServerStop);
    QCOMPARE(stopped.size(), size_t{2});
    for (const Note& n : stopped) QVERIFY(n.id != 0);
  }

  void connectionNoteQueueCountsDrops() {
    ConnectionNoteQueue q(3);
    for (uint32_t i = 1; i <= 5; ++i) {
      Note n;
      n.id = i;
      q.push(std::move(n));
    }
    std::vector<Note> out;
    QCOMPARE(q.takeAll(&out), uint64_t{2});
    QCOMPARE(out.size(), size_t{3});
    QCOMPARE(out.front().id, uint32_t{1});
    QCOMPARE(out.back().id, uint32_t{3});
    QCOMPARE(q.takeAll(&out), uint64_t{0});
    QVERIFY(out.empty());
    Note n;
    n.id = 6;
    q.push(std::move(n));
    QCOMPARE(q.takeAll(&out), uint64_t{0});
    QCOMPARE(out.size(), size_t{1});
    QCOMPARE(out.front().id, uint32_t{6});
  }

  void responseDelay() {
    EventBase base;
    EchoServerConfig sc;
    sc.responseDelayMs = 60;
    auto server = startServer(base, sc);
    LoadClientConfig cfg;
    cfg.port = server->port();
    cfg.messageCount = 4;
    cfg.durationSec = 0;
    LoadClient client(&base, cfg);
    QVERIFY(runClient(base, client));
    std::string why;
    QVERIFY2(client.passed(&why), why.c_str());
    QVERIFY(client.histogram().min() >= 59 * kNsPerMs);  // a floor, not a speed
  }

  // A slow reader against a server with a read high watermark: backpressure
  // reaches the server, whose buffers stay bounded instead of growing with
  // everything the client pushes.
  void slowReaderBoundedByWatermark() {
    EventBase base;
    EchoServerConfig sc;
    sc.readHighWatermark = 64 * 1024;
    sc.outputCapBytes = 64 * 1024;  // the watermark alone no longer caps the output
    auto server = startServer(base, sc);
    LoadClientConfig cfg;
    cfg.port = server->port();
    cfg.connections = 4;
    cfg.messageSize = 4096;
    cfg.fault = LoadClientConfig::Fault::SlowReader;
    cfg.slowReaderBytesPerSec = 64 * 1024;
    cfg.durationSec = 2;
    LoadClient client(&base, cfg);
    std::string err;
    QVERIFY(client.start(&err));
    size_t maxPerConn = 0;
    QVERIFY(runUntil(base, [&] {
      for (const auto& c : server->connections())
        maxPerConn = std::max(maxPerConn, c.inputBuffered + c.outputBuffered);
      return client.finished();
    }, 30000));
    const size_t bound = 3 * sc.readHighWatermark;
    QVERIFY2(maxPerConn <= bound, qPrintable(QString("server buffered %1 B on one connection").arg(maxPerConn)));
    QVERIFY(maxPerConn > 0);
    std::string why;
    QVERIFY2(client.passed(&why), why.c_str());
    // Backpressure held the client back: far less was sent than 2 s of loopback.
    QVERIFY(client.stats().bytesQueued < 64u << 20);
  }

  void faults_data() {
    QTest::addColumn<int>("fault");
    QTest::newRow("half-close") << static_cast<int>(LoadClientConfig::Fault::HalfClose);
    QTest::newRow("rst") << static_cast<int>(LoadClientConfig::Fault::AbortRst);
  }
  void faults() {
    QFETCH(int, fault);
    EventBase base;
    auto server = startServer(base);
    LoadClientConfig cfg;
    cfg.port = server->port();
    cfg.connections = 8;
    cfg.messageCount = 400;
    cfg.durationSec = 0;
    cfg.messageSize = 512;
    cfg.fault = static_cast<LoadClientConfig::Fault>(fault);
    cfg.rstIntervalSec = 0;  // rst: every connection reset at its end, none during the run
    LoadClient client(&base, cfg);
    NoteLog log;
    server->setConnectionNoteSink([&](Note&& n) { log.notes.push_back(std::move(n)); });
    QVERIFY(runClient(base, client));
    std::string why;
    QVERIFY2(client.passed(&why), why.c_str());
    QVERIFY(runUntil(base, [&] { return server->stats().active == 0; }));
    QCOMPARE(server->stats().closed, uint64_t{8});
    QVERIFY(server->running());
    QCOMPARE(log.count(Note::Kind::Accepted), size_t{8});
    QCOMPARE(log.count(Note::Kind::Closed), size_t{8});
    // A half-close is the peer's FIN; an abort is its RST.
    const Reason expected =
        cfg.fault == LoadClientConfig::Fault::HalfClose ? Reason::PeerClosed : Reason::Reset;
    QCOMPARE(log.closedWith(expected).size(), size_t{8});
  }

  // The rst fault happens while the run goes on: one connection reset every
  // interval, the server sees each RST before the client is done, a new
  // connection takes its place, and the run passes.
  void rstFaultResetsDuringTheRun() {
    EventBase base;
    auto server = startServer(base);
    LoadClientConfig cfg;
    cfg.port = server->port();
    cfg.connections = 4;
    cfg.durationSec = 1;
    cfg.fault = LoadClientConfig::Fault::AbortRst;
    cfg.rstIntervalSec = 0.1;
    LoadClient client(&base, cfg);
    NoteLog log;
    server->setConnectionNoteSink([&](Note&& n) { log.notes.push_back(std::move(n)); });
    std::vector<std::string> clientLog;
    client.setLogSink([&](LogLevel, const std::string& text) { clientLog.push_back(text); });
    std::string err;
    QVERIFY2(client.start(&err), err.c_str());
    QVERIFY(runUntil(base, [&] { return !log.closedWith(Reason::Reset).empty() || client.finished(); }, 30000));
    QVERIFY2(!client.finished(), "the first reset reached the server only after the run");
    QVERIFY(runUntil(base, [&] { return client.finished(); }, 60000));
    std::string why;
    QVERIFY2(client.passed(&why), why.c_str());
    const LoadClientStats& s = client.stats();
    QVERIFY(s.resets >= 1);
    QCOMPARE(s.connectionsOpened, 4 + s.resets);  // each reset connection replaced
    QCOMPARE(std::count_if(clientLog.begin(), clientLog.end(),
                           [](const std::string& l) { return l.find("reset (RST) during the run") != std::string::npos; }),
             static_cast<long>(s.resets));
    QVERIFY(runUntil(base, [&] { return server->stats().active == 0; }));
    // Every connection the server saw ended with a reset: mid-run ones and the rest at the end.
    QCOMPARE(log.count(Note::Kind::Accepted), static_cast<size_t>(s.connectionsOpened));
    QCOMPARE(log.closedWith(Reason::Reset).size(), static_cast<size_t>(s.connectionsOpened));
  }

  void closedPortFault() {
    EventBase base;
    LoadClientConfig cfg;
    cfg.port = 1;  // ignored: the client picks a port nobody listens on
    cfg.connections = 3;
    cfg.fault = LoadClientConfig::Fault::ClosedPort;
    LoadClient client(&base, cfg);
    QVERIFY(runClient(base, client));
    std::string why;
    QVERIFY2(client.passed(&why), why.c_str());
    QCOMPARE(client.stats().errRefused, uint64_t{3});
    QVERIFY(QString::fromStdString(client.firstError()).contains("Connection refused"));
  }

  void refusedIsAnError() {
    EventBase base;
    uint16_t port = 0;
    {
      auto s = startServer(base);
      port = s->port();
    }  // closed again
    LoadClientConfig cfg;
    cfg.port = port;
    cfg.connections = 2;
    cfg.messageCount = 10;
    cfg.durationSec = 0;
    LoadClient client(&base, cfg);
    QVERIFY(runClient(base, client));
    std::string why;
    QVERIFY(!client.passed(&why));
    QCOMPARE(client.stats().errRefused, uint64_t{2});
    QCOMPARE(QString::fromStdString(client.firstError()),
             QString("connect 127.0.0.1:%1: Connection refused").arg(port));
  }

  void badConfigIsOneClearLine_data() {
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<int>("size");
    QTest::addColumn<QString>("expected");
    QTest::newRow("public address") << "192.0.2.7" << 9000 << 64 << "only loopback";
    QTest::newRow("a name") << "example.com" << 9000 << 64 << "no DNS lookups";
    QTest::newRow("port 0") << "127.0.0.1" << 0 << 64 << "port 0";
    QTest::newRow("size 0") << "127.0.0.1" << 9000 << 0 << "message size";
  }
  void badConfigIsOneClearLine() {
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(int, size);
    QFETCH(QString, expected);
    EventBase base;
    LoadClientConfig cfg;
    cfg.host = host.toStdString();
    cfg.port = static_cast<uint16_t>(port);
    cfg.messageSize = static_cast<size_t>(size);
    LoadClient client(&base, cfg);
    std::string err;
    QVERIFY(!client.start(&err));
    QVERIFY2(QString::fromStdString(err).contains(expected), err.c_str());
    QVERIFY(err.find('\n') == std::string::npos);
  }

  // Values whose nanosecond counts would overflow are refused by start().
  void outOfRangeTimesAreRefused_data() {
    QTest::addColumn<double>("duration");
    QTest::addColumn<double>("timeoutSec");
    QTest::addColumn<double>("rate");
    QTest::addColumn<double>("connectRate");
    QTest::addColumn<QString>("expected");
    QTest::newRow("duration 1e300") << 1e300 << 5.0 << 0.0 << 0.0 << "duration";
    QTest::newRow("duration NaN") << std::nan("") << 5.0 << 0.0 << 0.0 << "duration";
    QTest::newRow("rate 1e-300") << 1.0 << 5.0 << 1e-300 << 0.0 << "rate";
    QTest::newRow("connect rate 1e-300") << 1.0 << 5.0 << 0.0 << 1e-300 << "connect rate";
    QTest::newRow("timeout two days") << 1.0 << 172800.0 << 0.0 << 0.0 << "timeout";
  }
  void outOfRangeTimesAreRefused() {
    QFETCH(double, duration);
    QFETCH(double, timeoutSec);
    QFETCH(double, rate);
    QFETCH(double, connectRate);
    QFETCH(QString, expected);
    EventBase base;
    LoadClientConfig cfg;
    cfg.port = 9;
    cfg.durationSec = duration;
    cfg.timeout = static_cast<Nanos>(timeoutSec * 1e9);
    cfg.rate = rate;
    if (rate > 0) cfg.loopMode = LoadClientConfig::LoopMode::Open;
    cfg.connectRate = connectRate;
    LoadClient client(&base, cfg);
    std::string err;
    QVERIFY(!client.start(&err));
    QVERIFY2(QString::fromStdString(err).contains(expected), err.c_str());
  }

  // drain() (what Ctrl-C does): no new message, every one in flight is still
  // answered and verified, and the run passes; stop() instead abandons them.
  void drainWaitsForMessagesInFlight() {
    EventBase base;
    EchoServerConfig scfg;
    scfg.responseDelayMs = 100;  // messages stay in flight for a while
    auto server = startServer(base, scfg);
    LoadClientConfig cfg;
    cfg.port = server->port();
    cfg.connections = 8;
    cfg.durationSec = 60;
    LoadClient client(&base, cfg);
    std::string err;
    QVERIFY2(client.start(&err), err.c_str());
    QVERIFY(runUntil(base, [&] { return client.stats().messagesSent >= 8; }, 10000));
    client.drain();
    const uint64_t sentAtDrain = client.stats().messagesSent;
    QVERIFY(!client.finished());  // the delayed echoes are still on their way
    QVERIFY(runUntil(base, [&] { return client.finished(); }, 20000));
    const LoadClientStats s = client.stats();
    QCOMPARE(s.messagesSent, sentAtDrain);
    QCOMPARE(s.messagesReceived, s.messagesSent);
    std::string why;
    QVERIFY2(client.passed(&why), why.c_str());
  }

  // EchoServer::drain() (the CLI's Ctrl-C): the listener closes at once, but
  // what a connection received -- here still waiting out the response delay --
  // is sent back before the connection closes.
  void serverDrainSendsBackWhatItReceived() {
    EventBase base;
    EchoServerConfig sc;
    sc.responseDelayMs = 200;
    auto server = startServer(base, sc);
    const uint16_t port = server->port();
    Socket c(rawConnect(port));
    const std::string sent(10000, 'e');
    QCOMPARE(::send(c.fd(), sent.data(), sent.size(), MSG_NOSIGNAL), static_cast<ssize_t>(sent.size()));
    QVERIFY(runUntil(base, [&] { return server->stats().bytesIn == sent.size(); }));
    server->drain();
    QVERIFY(!server->running());
    QCOMPARE(server->stats().active, uint64_t{1});  // still owes the echo
    std::string got;
    bool eof = false;
    QVERIFY(runUntil(base, [&] {
      char buf[65536];
      const ssize_t n = ::recv(c.fd(), buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) got.append(buf, static_cast<size_t>(n));
      if (n == 0) eof = true;
      return eof;
    }, 10000));
    QCOMPARE(got, sent);
    QCOMPARE(server->stats().active, uint64_t{0});
    QCOMPARE(server->stats().bytesOut, uint64_t{sent.size()});
    // No longer listening.
    auto addr = InetAddress::resolve("127.0.0.1", port, nullptr);
    Socket probe(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    QCOMPARE(::connect(probe.fd(), addr->sockAddr(), addr->length()), -1);
    QCOMPARE(errno, ECONNREFUSED);
  }

  void serverPortInUse() {
    EventBase base;
    auto first = startServer(base);
    EchoServerConfig sc;
    sc.port = first->port();
    EchoServer second(&base, sc);
    std::string err;
    QVERIFY(!second.start(&err));
    QCOMPARE(QString::fromStdString(err),
             QString("bind 127.0.0.1:%1: Address already in use").arg(first->port()));
    QVERIFY(!second.running());
  }

  void serverBindsLoopbackOnly() {
    EventBase base;
    EchoServerConfig sc;
    sc.bindAddress = "0.0.0.0";
    EchoServer s(&base, sc);
    std::string err;
    QVERIFY(!s.start(&err));
    QVERIFY(QString::fromStdString(err).contains("loopback"));
  }

  void payloadSpecs_data() {
    QTest::addColumn<QString>("spec");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QByteArray>("first4");
    QTest::newRow("text") << "text:hi" << true << QByteArray("hihi");
    QTest::newRow("hex spaced") << "hex:de ad be ef" << true << QByteArray("\xde\xad\xbe\xef");
    QTest::newRow("hex 0x") << "hex:0x01,0x02" << true << QByteArray("\x01\x02\x01\x02");
    QTest::newRow("random") << "random" << true << QByteArray();
    QTest::newRow("odd hex") << "hex:abc" << false << QByteArray();
    QTest::newRow("bad hex") << "hex:zz" << false << QByteArray();
    QTest::newRow("empty text") << "text:" << false << QByteArray();
    QTest::newRow("unknown") << "bytes:1" << false << QByteArray();
  }
  void payloadSpecs() {
    QFETCH(QString, spec);
    QFETCH(bool, ok);
    QFETCH(QByteArray, first4);
    LoadClientConfig::PayloadKind kind;
    std::string body, err;
    const bool parsed = Payload::parseSpec(spec.toStdString(), &kind, &body, &err);
    QCOMPARE(parsed, ok);
    if (!ok) {
      QVERIFY(!err.empty());
      return;
    }
    auto p = Payload::create(kind, body, 7, 16, &err);
    QVERIFY(p.has_value());
    if (!first4.isEmpty()) QCOMPARE(QByteArray(p->message(0, 0), 4), first4);
    // Deterministic per (connection, sequence); random ones differ between messages.
    auto q = Payload::create(kind, body, 7, 16, &err);
    QCOMPARE(QByteArray(p->message(3, 9), 16), QByteArray(q->message(3, 9), 16));
    if (kind == LoadClientConfig::PayloadKind::Random)
      QVERIFY(QByteArray(p->message(0, 0), 16) != QByteArray(p->message(0, 1), 16));
  }
};

QTEST_MAIN(TestEchoWorkload)
#include "tst_echo_workload.moc"
