// The echo server's memory bounds under hostile peers: a read high watermark,
// a per-connection output cap (back-pressure, nothing dropped) and a per-server
// memory budget, all on by default; and the idle timeout. Every run is bounded
// in bytes and time; the bounds are asserted on the server's own accounting
// (checked against its per-connection buffers), on what the peers managed to
// push, and on the process RSS.
#include <sys/socket.h>
#include <unistd.h>

#include <QtTest>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "NetTestUtil.h"
#include "core/EventBase.h"
#include "workload/EchoServer.h"
#include "workload/LoadClient.h"
#include "workload/Options.h"

using namespace rs;
using rs::testutil::runUntil;

namespace {

constexpr size_t kMiB = size_t{1} << 20;

// AddressSanitizer keeps freed memory in quarantine (256 MB by default), so
// RSS says nothing about the server there; the buffered-bytes bounds still hold.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRssMeaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kRssMeaningful = false;
#else
constexpr bool kRssMeaningful = true;
#endif
#else
constexpr bool kRssMeaningful = true;
#endif

std::unique_ptr<EchoServer> startServer(EventBase& base, const EchoServerConfig& cfg) {
  auto s = std::make_unique<EchoServer>(&base, cfg);
  std::string err;
  if (!s->start(&err)) qWarning("server start failed: %s", err.c_str());
  return s;
}

int rawConnect(uint16_t port) {
  auto addr = InetAddress::resolve("127.0.0.1", port, nullptr);
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (::connect(fd, addr->sockAddr(), addr->length()) != 0) qWarning("connect: %s", std::strerror(errno));
  sockets::setNonblocking(fd, true);
  return fd;
}

// Resident set size of this process (server, peers and client all live here).
size_t rssBytes() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<size_t>(resident) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// A peer that sends as fast as the kernel takes and never reads, up to
// `limit` bytes; driven by the test's loop (write readiness).
class HostileSender {
 public:
  HostileSender(EventBase* base, uint16_t port, uint64_t limit)
      : fd_(rawConnect(port)), limit_(limit),
        ev_(base, fd_, kEvWrite | kEvPersist, [this](int, short) { pump(); }) {
    ev_.add(nullptr);
  }
  ~HostileSender() { close(); }
  void close() {
    if (fd_ < 0) return;
    ev_.del();
    ::close(fd_);
    fd_ = -1;
  }
  uint64_t sent() const { return sent_; }
  // The kernel stopped taking bytes (the server stopped reading) at least once.
  bool blocked() const { return blocked_; }

 private:
  void pump() {
    static const std::string chunk(64 * 1024, 'x');
    while (sent_ < limit_) {
      const ssize_t n = ::send(fd_, chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        blocked_ = true;
        return;
      }
      if (n <= 0) break;  // reset: nothing more to send
      sent_ += static_cast<uint64_t>(n);
    }
    ev_.del();
  }
  int fd_;
  uint64_t limit_;
  uint64_t sent_ = 0;
  bool blocked_ = false;
  Event ev_;
};

// The server's bounds seen from outside, sampled on every loop pass.
struct BoundsSampler {
  const EchoServer* server;
  size_t maxBuffered = 0, maxInput = 0, maxOutput = 0;
  uint64_t maxPaused = 0;
  bool accountingExact = true;  // stats().bufferedBytes == the sum of the connections' buffers
  void sample() {
    const EchoServerStats s = server->stats();
    size_t sum = 0;
    for (const ConnectionStats& c : server->connections()) {
      maxInput = std::max(maxInput, c.inputBuffered);
      maxOutput = std::max(maxOutput, c.outputBuffered);
      sum += c.inputBuffered + c.outputBuffered;
    }
    if (sum != s.bufferedBytes) accountingExact = false;
    maxBuffered = std::max<size_t>(maxBuffered, s.bufferedBytes);
    maxPaused = std::max(maxPaused, s.pausedConnections);
  }
};

// A well-behaved client's config: 4 connections, `messages` of `size` bytes in all,
// bounded by the count (and a 30 s response timeout), not by a duration.
LoadClientConfig readingClientConfig(uint16_t port, size_t size, uint64_t messages) {
  LoadClientConfig good;
  good.port = port;
  good.connections = 4;
  good.messageSize = size;
  good.messageCount = messages;
  good.durationSec = 0;
  good.timeout = 30 * kNsPerSec;
  return good;
}

// A client that reads (4 connections x 1 MiB messages, `messages` in all, every
// byte verified) through the server while `sampler` watches its bounds; the run
// must pass with exact accounting. Callers return on QTest::currentTestFailed().
void runReadingClient(EventBase& base, uint16_t port, uint64_t messages, BoundsSampler& sampler) {
  LoadClient client(&base, readingClientConfig(port, kMiB, messages));
  std::string err;
  QVERIFY2(client.start(&err), err.c_str());
  QVERIFY(runUntil(base, [&] {
    sampler.sample();
    return client.finished();
  }, 60000));
  std::string why;
  QVERIFY2(client.passed(&why), why.c_str());
  QCOMPARE(client.stats().mismatchedBytes, uint64_t{0});
  QVERIFY(sampler.accountingExact);
}

}  // namespace

class TestServerBounds : public QObject {
  Q_OBJECT

 private slots:
  // Safe by default: every bound is on without being asked for, in the
  // engine's config and in the CLI parser alike; 0 turns one off explicitly.
  void defaultsAreOn() {
    const EchoServerConfig c;
    QVERIFY(c.readHighWatermark > 0);
    QVERIFY(c.outputCapBytes > 0);
    QVERIFY(c.memoryBudgetBytes > 0);
    QCOMPARE(c.idleTimeoutMs, 0);  // off by default: long-lived manual sessions stay up
    QVERIFY(c.readChunkBytes() <= c.readHighWatermark);
    QVERIFY(c.outputResumeBytes() + c.readChunkBytes() <= c.outputCapBytes);
    QVERIFY(c.budgetResumeBytes() + c.readChunkBytes() <= c.memoryBudgetBytes);

    std::string error;
    auto cmd = parseServerArgs({}, &error);
    QVERIFY2(cmd, error.c_str());
    QCOMPARE(cmd->config.readHighWatermark, c.readHighWatermark);
    QCOMPARE(cmd->config.outputCapBytes, c.outputCapBytes);
    QCOMPARE(cmd->config.memoryBudgetBytes, c.memoryBudgetBytes);
    QCOMPARE(cmd->config.idleTimeoutMs, 0);
    QCOMPARE(cmd->durationSec, 0.0);

    auto app = parseAppArgs({"--server", "127.0.0.1:0"}, &error);
    QVERIFY2(app && app->server, error.c_str());
    QCOMPARE(app->server->outputCapBytes, c.outputCapBytes);
    QCOMPARE(app->server->memoryBudgetBytes, c.memoryBudgetBytes);

    const std::string help = serverUsage();
    QVERIFY(help.find("--output-cap") != std::string::npos);
    QVERIFY(help.find("--memory-budget") != std::string::npos);
    QVERIFY(help.find("--idle-timeout") != std::string::npos);
    QVERIFY(help.find("(default 64K; 0 = unlimited)") != std::string::npos);
    QVERIFY(help.find("(default 1M; 0 = unlimited)") != std::string::npos);
    QVERIFY(help.find("0 = run until interrupted") != std::string::npos);
  }

  void boundOptionsParse() {
    std::string error;
    auto cmd = parseServerArgs({"--output-cap", "0", "--memory-budget", "1G", "--read-high-watermark", "0",
                                "--idle-timeout", "0.25"},
                               &error);
    QVERIFY2(cmd, error.c_str());
    QCOMPARE(cmd->config.outputCapBytes, size_t{0});  // explicitly unlimited
    QCOMPARE(cmd->config.memoryBudgetBytes, size_t{1} << 30);
    QCOMPARE(cmd->config.readHighWatermark, size_t{0});
    QCOMPARE(cmd->config.idleTimeoutMs, 250);
    const struct {
      std::vector<std::string> args;
      const char* expected;
    } bad[] = {
        {{"--output-cap", "lots"}, "--output-cap: 'lots' is not a size"},
        {{"--memory-budget", "-1"}, "--memory-budget"},
        {{"--idle-timeout", "-1"}, "--idle-timeout"},
        {{"--idle-timeout", "0.0001"}, "out of range (0 or 0.001-86400)"},
        {{"--idle-timeout", "1e9"}, "out of range"},
    };
    for (const auto& b : bad) {
      error.clear();
      QVERIFY(!parseServerArgs(b.args, &error));
      QVERIFY2(error.find(b.expected) != std::string::npos, error.c_str());
    }
  }

  // Peers that send as fast as they can and never read, against the default
  // config, while a well-behaved client echoes through the same server: the
  // hostile ones are stopped at their output cap (their own sends block), the
  // good one still gets every byte back, and nothing grows with what the
  // hostile ones try to push (200 MB each).
  void hostileSendersNeverReading() {
    EventBase base;
    const EchoServerConfig cfg;  // the defaults are what is under test
    auto server = startServer(base, cfg);
    QVERIFY(server->running());
    const size_t rssBefore = rssBytes();
    constexpr uint64_t kLimit = 200ull * kMiB;
    std::vector<std::unique_ptr<HostileSender>> hostile;
    for (int i = 0; i < 4; ++i) hostile.push_back(std::make_unique<HostileSender>(&base, server->port(), kLimit));

    // 200 x 256 KiB: 50 MiB echoed and checked.
    LoadClient client(&base, readingClientConfig(server->port(), 256 * 1024, 200));
    std::string err;
    QVERIFY2(client.start(&err), err.c_str());

    BoundsSampler sampler{server.get()};
    // Until the good client is done and the server stopped reading from all
    // four hostile peers (60 s at most on a crawling machine; never, unbounded).
    QVERIFY(runUntil(base, [&] {
      sampler.sample();
      return client.finished() && server->stats().pausedConnections >= 4;
    }, 60000));
    sampler.sample();
    const EchoServerStats s = server->stats();

    std::string why;
    QVERIFY2(client.passed(&why), why.c_str());
    QCOMPARE(client.stats().mismatchedBytes, uint64_t{0});

    QVERIFY(sampler.accountingExact);
    QVERIFY2(s.peakBufferedBytes <= cfg.memoryBudgetBytes, qPrintable(QString::number(s.peakBufferedBytes)));
    QVERIFY(sampler.maxBuffered <= cfg.memoryBudgetBytes);
    QVERIFY2(sampler.maxOutput <= cfg.outputCapBytes, qPrintable(QString::number(sampler.maxOutput)));
    QVERIFY(sampler.maxInput <= cfg.readHighWatermark);
    // Back-pressure reached the hostile peers: each was blocked by its kernel
    // long before its 200 MB, and the server is not reading from them.
    for (const auto& h : hostile) {
      QVERIFY(h->blocked());
      QVERIFY2(h->sent() < 64 * kMiB, qPrintable(QString::number(h->sent())));
    }
    QVERIFY(s.pausedConnections >= 4);
    const size_t rssGrowth = rssBytes() > rssBefore ? rssBytes() - rssBefore : 0;
    // The budget plus the good client's own buffers and allocator slack.
    if (kRssMeaningful)
      QVERIFY2(rssGrowth < cfg.memoryBudgetBytes + 64 * kMiB, qPrintable(QString::number(rssGrowth)));
  }

  // More hostile peers than the budget holds at their output caps: the budget
  // stops every connection (never exceeded); once they go away their bytes are
  // released and a new, well-behaved client is echoed byte-exact.
  void memoryBudgetStopsEveryone() {
    EventBase base;
    EchoServerConfig cfg;
    cfg.outputCapBytes = 1 * kMiB;
    cfg.memoryBudgetBytes = 3 * kMiB;
    auto server = startServer(base, cfg);
    QVERIFY(server->running());
    std::vector<std::unique_ptr<HostileSender>> hostile;
    for (int i = 0; i < 6; ++i)
      hostile.push_back(std::make_unique<HostileSender>(&base, server->port(), 200ull * kMiB));
    BoundsSampler sampler{server.get()};
    QVERIFY(runUntil(base, [&] {
      sampler.sample();
      bool allBlocked = true;
      for (const auto& h : hostile) allBlocked = allBlocked && h->blocked();
      return allBlocked && server->stats().pausedConnections == 6;
    }, 20000));
    EchoServerStats s = server->stats();
    QVERIFY(s.budgetPauses >= 1);
    QCOMPARE(s.memoryBudgetBytes, uint64_t{cfg.memoryBudgetBytes});
    QVERIFY(sampler.accountingExact);
    QVERIFY2(s.peakBufferedBytes <= cfg.memoryBudgetBytes, qPrintable(QString::number(s.peakBufferedBytes)));
    QVERIFY(sampler.maxOutput <= cfg.outputCapBytes);
    // Stopped near the budget: the peers pushed well beyond it, the server took
    // at least what leaves no room for one more read.
    QVERIFY(s.peakBufferedBytes + cfg.readChunkBytes() > cfg.memoryBudgetBytes);

    for (auto& h : hostile) h->close();  // unread data: RST, the server closes and frees
    QVERIFY(runUntil(base, [&] { return server->stats().active == 0; }, 20000));
    s = server->stats();
    QCOMPARE(s.bufferedBytes, uint64_t{0});
    QCOMPARE(s.pausedConnections, uint64_t{0});

    // Back-pressure with a client that does read: 4 x 1 MiB messages in flight
    // through a budget of 3 MiB, paused and resumed, every byte intact.
    runReadingClient(base, server->port(), 40, sampler);
    if (QTest::currentTestFailed()) return;
    QVERIFY(server->stats().peakBufferedBytes <= cfg.memoryBudgetBytes);
  }

  // A small output cap with a client that reads: reading pauses and resumes
  // many times per message, and the echo stays byte-exact.
  void outputCapBackPressureKeepsEveryByte() {
    EventBase base;
    EchoServerConfig cfg;
    cfg.outputCapBytes = 128 * 1024;
    auto server = startServer(base, cfg);
    LoadClient client(&base, readingClientConfig(server->port(), kMiB, 40));
    std::string err;
    QVERIFY2(client.start(&err), err.c_str());
    BoundsSampler sampler{server.get()};
    QVERIFY(runUntil(base, [&] {
      sampler.sample();
      return client.finished();
    }, 60000));
    std::string why;
    QVERIFY2(client.passed(&why), why.c_str());
    QCOMPARE(client.stats().mismatchedBytes, uint64_t{0});
    QVERIFY(sampler.maxOutput <= cfg.outputCapBytes);
    QVERIFY(sampler.accountingExact);
  }

  // Delayed echoes wait in the server too: they count toward the cap and the
  // budget, and releasing them resumes reading.
  void delayedEchoesCountTowardTheCap() {
    EventBase base;
    EchoServerConfig cfg;
    cfg.outputCapBytes = 256 * 1024;
    cfg.responseDelayMs = 20;
    auto server = startServer(base, cfg);
    HostileSender hostile(&base, server->port(), 200ull * kMiB);
    BoundsSampler sampler{server.get()};
    QVERIFY(runUntil(base, [&] {
      sampler.sample();
      return hostile.blocked() && server->stats().pausedConnections == 1;
    }, 20000));
    hostile.close();
    QVERIFY(runUntil(base, [&] { return server->stats().active == 0; }, 20000));

    runReadingClient(base, server->port(), 16, sampler);
    if (QTest::currentTestFailed()) return;
    QVERIFY2(sampler.maxOutput <= cfg.outputCapBytes, qPrintable(QString::number(sampler.maxOutput)));
    QCOMPARE(server->stats().bufferedBytes, uint64_t{0});
  }

  // The reproduction, shortened: the load client's slow-reader fault
  // (4 connections x 1 MiB messages) against the default server. Unbounded,
  // the server took everything the client pushed (GB in seconds); bounded,
  // it holds at most the caps and the process stays small.
  void slowReaderClientAgainstDefaults() {
    EventBase base;
    const EchoServerConfig cfg;
    auto server = startServer(base, cfg);
    const size_t rssBefore = rssBytes();
    LoadClientConfig lc;
    lc.port = server->port();
    lc.connections = 4;
    lc.messageSize = kMiB;
    lc.fault = LoadClientConfig::Fault::SlowReader;
    lc.slowReaderBytesPerSec = 64 * 1024;
    lc.durationSec = 2;
    LoadClient client(&base, lc);
    std::string err;
    QVERIFY2(client.start(&err), err.c_str());
    BoundsSampler sampler{server.get()};
    size_t maxRss = 0;
    Event rssTimer(&base, -1, kEvPersist, [&](int, short) { maxRss = std::max(maxRss, rssBytes()); });
    rssTimer.addTimeoutNs(10 * kNsPerMs);
    QVERIFY(runUntil(base, [&] {
      sampler.sample();
      return client.finished();
    }, 60000));
    rssTimer.del();
    sampler.sample();
    const EchoServerStats s = server->stats();
    QVERIFY(sampler.accountingExact);
    QVERIFY2(s.peakBufferedBytes <= 4 * cfg.outputCapBytes, qPrintable(QString::number(s.peakBufferedBytes)));
    QVERIFY(sampler.maxOutput <= cfg.outputCapBytes);
    QVERIFY(sampler.maxPaused >= 1);  // back-pressure engaged
    // What the server took is bounded by the caps and the kernel buffers, not
    // by how long the client pushed.
    QVERIFY2(s.bytesIn < 256 * kMiB, qPrintable(QString::number(s.bytesIn)));
    const size_t growth = maxRss > rssBefore ? maxRss - rssBefore : 0;
    if (kRssMeaningful) QVERIFY2(growth < 128 * kMiB, qPrintable(QString("RSS grew by %1 B").arg(growth)));
  }

  // Source mode fills outputs itself: the budget bounds that too.
  void sourceModeWithinBudget() {
    EventBase base;
    EchoServerConfig cfg;
    cfg.mode = EchoServerConfig::Mode::Source;
    cfg.memoryBudgetBytes = 512 * 1024;
    auto server = startServer(base, cfg);
    std::vector<int> peers;
    for (int i = 0; i < 8; ++i) peers.push_back(rawConnect(server->port()));  // never read
    BoundsSampler sampler{server.get()};
    QVERIFY(runUntil(base, [&] {
      sampler.sample();
      return server->stats().active == 8 && server->stats().budgetPauses >= 1;
    }, 20000));
    // The others go away: their bytes are released, the pause ends and the
    // one left is refilled (within the budget) as it reads.
    for (size_t i = 1; i < peers.size(); ++i) ::close(peers[i]);
    uint64_t got = 0;
    QVERIFY(runUntil(base, [&] {
      sampler.sample();
      got += testutil::drainFd(peers[0]);
      return got > 32 * kMiB;
    }, 20000));
    QCOMPARE(server->stats().active, uint64_t{1});
    QVERIFY(sampler.accountingExact);
    QVERIFY2(server->stats().peakBufferedBytes <= cfg.memoryBudgetBytes,
             qPrintable(QString::number(server->stats().peakBufferedBytes)));
    ::close(peers[0]);
  }

  // A connection with no traffic either way for the idle timeout is closed,
  // with a note that says why; traffic keeps a connection open past it.
  void idleTimeoutClosesSilentConnections() {
    EventBase base;
    EchoServerConfig cfg;
    cfg.idleTimeoutMs = 1000;
    auto server = startServer(base, cfg);
    std::vector<ConnectionNote> notes;
    server->setConnectionNoteSink([&](ConnectionNote&& n) { notes.push_back(std::move(n)); });
    const Nanos opened = monotonicNowNs();  // before the server's accept: floors stay floors
    const int silent = rawConnect(server->port());
    const int chatty = rawConnect(server->port());
    QVERIFY(runUntil(base, [&] { return server->stats().active == 2; }));
    // The chatty peer sends a byte every 20 ms (and reads its echo) for 1.5 s.
    int pings = 0;
    Nanos lastPing = 0;
    Event ping(&base, -1, kEvPersist, [&](int, short) {
      if (monotonicNowNs() - opened < 1500 * kNsPerMs && ::send(chatty, "p", 1, MSG_NOSIGNAL) == 1) {
        ++pings;
        lastPing = monotonicNowNs();
      }
      testutil::drainFd(chatty);
    });
    ping.addTimeoutNs(20 * kNsPerMs);
    auto closedNote = [&](uint64_t bytesIn) -> const ConnectionNote* {
      for (const ConnectionNote& n : notes)
        if (n.kind == ConnectionNote::Kind::Closed && n.bytesIn == bytesIn) return &n;
      return nullptr;
    };
    QVERIFY(runUntil(base, [&] { return closedNote(0) != nullptr; }, 20000));
    const Nanos silentClosedAfter = monotonicNowNs() - opened;
    QVERIFY(silentClosedAfter >= 990 * kNsPerMs);  // a floor: never early
    const ConnectionNote* n = closedNote(0);
    QCOMPARE(n->reason, ConnectionNote::CloseReason::IdleTimeout);
    QCOMPARE(std::string(toString(n->reason)), std::string("idle timeout"));
    QCOMPARE(n->error, std::string("no traffic for 1 s"));
    // The silent peer sees the close.
    char byte;
    QVERIFY(runUntil(base, [&] { return ::recv(silent, &byte, 1, MSG_DONTWAIT) == 0; }));

    // The chatty one outlives the timeout while it talks, then goes idle too.
    QVERIFY(runUntil(base, [&] { return server->stats().active == 0; }, 20000));
    QVERIFY(monotonicNowNs() - lastPing >= 990 * kNsPerMs);
    QVERIFY(pings > 0);
    const ConnectionNote* c = closedNote(static_cast<uint64_t>(pings));
    QVERIFY(c);
    QCOMPARE(c->reason, ConnectionNote::CloseReason::IdleTimeout);
    QCOMPARE(server->stats().idleClosed, uint64_t{2});
    ping.del();
    ::close(silent);
    ::close(chatty);
  }
};

QTEST_GUILESS_MAIN(TestServerBounds)
#include "tst_server_bounds.moc"
