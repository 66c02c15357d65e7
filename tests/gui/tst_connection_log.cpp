// The Log's accepted/closed lines for an echo server run through the
// SessionController: connections that live well under a millisecond (what a
// 10 Hz sample of the connection list never saw) each get exactly one accepted
// and one closed line with the real time, peer, connection id, fd, reason and
// bytes; floods are summarized with exact counts; refusals and stops say so;
// notes lost over the queue's cap are reported, never silent.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QRegularExpression>
#include <QtTest>

#include <map>
#include <optional>
#include <set>

#include "model/SessionController.h"
#include "net/InetAddress.h"
#include "net/Socket.h"

using namespace rs;
using namespace rs::gui;

namespace {

// A blocking loopback client of the server under test, driven from the test.
class Client {
 public:
  explicit Client(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    timeval tv{10, 0};  // a bound for a broken server, not a timing assertion
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    auto addr = InetAddress::resolve("127.0.0.1", port, nullptr);
    connected_ = ::connect(fd_, addr->sockAddr(), addr->length()) == 0;
    if (connected_) peer_ = QString::fromStdString(sockets::localAddress(fd_).toString());
  }
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  // The client's address: what the server calls its peer.
  const QString& peer() const { return peer_; }
  // Sends `text` and waits for its echo.
  bool roundTrip(const QByteArray& text) {
    if (::send(fd_, text.constData(), static_cast<size_t>(text.size()), MSG_NOSIGNAL) != text.size()) return false;
    QByteArray got;
    char buf[256];
    while (got.size() < text.size()) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return false;
      got.append(buf, static_cast<qsizetype>(n));
    }
    return got == text;
  }
  void reset() {
    sockets::setLingerZero(fd_);  // close() sends RST instead of FIN
    close();
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  bool connected_ = false;
  QString peer_;
};

struct Line {
  QDateTime time;
  LogLevel level;
  QString text;
};

// Collects the log lines of the controller's frame source, each frame.
class LogCollector {
 public:
  explicit LogCollector(SessionController* ctl) {
    QObject::connect(ctl, &SessionController::ticked, ctl, [this, ctl] {
      QVector<LogEntry> batch;
      seq_ = ctl->frameSource().logLines(seq_, &batch);
      for (const LogEntry& e : batch) lines_.push_back({e.time, e.level, e.text});
    });
  }
  const std::vector<Line>& lines() const { return lines_; }
  std::vector<Line> matching(const QString& needle) const {
    std::vector<Line> out;
    for (const Line& l : lines_)
      if (l.text.contains(needle)) out.push_back(l);
    return out;
  }
  // Lines for individual connections plus the "… and N more" counts.
  qint64 total(const QString& kind) const {
    static const QRegularExpression more(QStringLiteral("… and (\\d+) more (accepted|closed)"));
    qint64 n = 0;
    for (const Line& l : lines_) {
      const QRegularExpressionMatch m = more.match(l.text);
      if (m.hasMatch()) {
        if (m.captured(2) == kind) n += m.captured(1).toLongLong();
      } else if (l.text.contains(QStringLiteral(" %1 127.0.0.1:").arg(kind))) {
        ++n;
      }
    }
    return n;
  }

 private:
  std::vector<Line> lines_;
  quint64 seq_ = 0;
};

int startRunningServer(SessionController& ctl, const EchoServerConfig& sc, uint16_t* port) {
  const int id = ctl.startServer(sc);
  EngineSession* s = ctl.session(id);
  if (!QTest::qWaitFor([&] { return s->shared().status == EngineSession::Status::Running; }, 20000)) return 0;
  *port = s->shared().port;
  return id;
}

}  // namespace

class TestConnectionLog : public QObject {
  Q_OBJECT

 private slots:
  void shortLivedConnectionsGetExactLines();
  void floodIsSummarizedWithExactCounts();
  void oneTickFoldsExactlyBeyondEight();
  void refusalsAndServerStop();
  void lostNotesAreReported();
};

// Six connections, each opened, echoed once and closed (FIN) or reset (RST)
// within a fraction of a millisecond: one accepted and one closed line each.
void TestConnectionLog::shortLivedConnectionsGetExactLines() {
  SessionController ctl;
  LogCollector log(&ctl);
  uint16_t port = 0;
  const int id = startRunningServer(ctl, EchoServerConfig{}, &port);
  QVERIFY(id != 0);

  const QDateTime before = QDateTime::currentDateTime().addMSecs(-1);  // lines have ms resolution
  std::map<QString, bool> resetByPeer;  // peer -> reset
  for (int i = 0; i < 6; ++i) {
    Client c(port);
    QVERIFY(c.connected());
    QVERIFY(c.roundTrip("hello"));
    const bool reset = i % 2 == 1;
    resetByPeer[c.peer()] = reset;
    if (reset) c.reset();
    else c.close();
  }
  QTRY_COMPARE_WITH_TIMEOUT(log.matching(QStringLiteral(" closed 127.0.0.1:")).size(), size_t{6}, 20000);
  const QDateTime after = QDateTime::currentDateTime().addMSecs(1);
  QCOMPARE(log.matching(QStringLiteral(" accepted 127.0.0.1:")).size(), size_t{6});
  QVERIFY(log.matching(QStringLiteral("more accepted")).empty());

  static const QRegularExpression acceptedRe(
      QStringLiteral("^#(\\d+) accepted (127\\.0\\.0\\.1:\\d+) \\(echo conn (\\d+), owner (\\d+), fd (\\d+)\\)$"));
  std::set<QString> connectionIds;
  std::set<int> numbers;
  for (const Line& l : log.matching(QStringLiteral(" accepted 127.0.0.1:"))) {
    const QRegularExpressionMatch m = acceptedRe.match(l.text);
    QVERIFY2(m.hasMatch(), qPrintable(l.text));
    QCOMPARE(m.captured(1).toInt(), id);
    const QString peer = m.captured(2);
    QVERIFY2(resetByPeer.count(peer), qPrintable(l.text));
    QVERIFY2(connectionIds.insert(m.captured(4)).second, "one connection id per connection");
    numbers.insert(m.captured(3).toInt());  // the server's own count, 1..6
    QCOMPARE(l.level, LogLevel::Info);
    QVERIFY(l.time >= before && l.time <= after);
    // Its close: same connection and fd, the reason, the bytes, not earlier.
    const QString closed =
        QStringLiteral("#%1 closed %2 (echo conn %3, owner %4, fd %5): %6, 5 B in, 5 B out")
            .arg(id)
            .arg(peer, m.captured(3), m.captured(4), m.captured(5),
                 resetByPeer[peer] ? QStringLiteral("reset by peer") : QStringLiteral("peer closed"));
    const std::vector<Line> closes = log.matching(closed);
    QCOMPARE(closes.size(), size_t{1});
    QCOMPARE(closes.front().text, closed);
    QVERIFY(closes.front().time >= l.time && closes.front().time <= after);
  }
  QCOMPARE(connectionIds.size(), size_t{6});
  QCOMPARE(numbers, (std::set<int>{1, 2, 3, 4, 5, 6}));
}

// 300 connections opened and closed as fast as the test can: at most a few
// lines per tick, the rest counted in "… and N more" lines, every count exact.
void TestConnectionLog::floodIsSummarizedWithExactCounts() {
  constexpr int kConnections = 300;
  SessionController ctl;
  LogCollector log(&ctl);
  uint16_t port = 0;
  QVERIFY(startRunningServer(ctl, EchoServerConfig{}, &port) != 0);
  for (int i = 0; i < kConnections; ++i) {
    Client c(port);
    QVERIFY(c.connected());
  }
  QTRY_COMPARE_WITH_TIMEOUT(log.total(QStringLiteral("closed")), qint64{kConnections}, 30000);
  QCOMPARE(log.total(QStringLiteral("accepted")), qint64{kConnections});
  // Everything closed with the peer's FIN, the summaries included.
  static const QRegularExpression moreClosed(QStringLiteral("… and (\\d+) more closed: (\\d+) peer closed$"));
  for (const Line& l : log.matching(QStringLiteral("more closed"))) {
    const QRegularExpressionMatch m = moreClosed.match(l.text);
    QVERIFY2(m.hasMatch(), qPrintable(l.text));
    QCOMPARE(m.captured(1), m.captured(2));
  }
  for (const Line& l : log.matching(QStringLiteral(" closed 127.0.0.1:")))
    QVERIFY2(l.text.endsWith(QStringLiteral("peer closed, 0 B in, 0 B out")), qPrintable(l.text));
  // Later ticks add nothing.
  const size_t lines = log.lines().size();
  for (int i = 0; i < 3; ++i) ctl.tick();
  QCOMPARE(log.lines().size(), lines);
}

// 20 connections accepted and closed before one tick (ticks are manual here):
// 8 lines of each kind, then exactly "… and 12 more" of each.
void TestConnectionLog::oneTickFoldsExactlyBeyondEight() {
  constexpr int kConnections = 20;
  SessionController ctl;
  ctl.setAutoTick(false);
  LogCollector log(&ctl);
  uint16_t port = 0;
  const int id = startRunningServer(ctl, EchoServerConfig{}, &port);
  QVERIFY(id != 0);
  ctl.tick();  // the session's start lines, before any connection
  const size_t linesBefore = log.lines().size();
  for (int i = 0; i < kConnections; ++i) {
    Client c(port);
    QVERIFY(c.connected());
    QVERIFY(c.roundTrip("x"));  // accepted and served; closed on leaving scope
  }
  // Every close happened (its note is queued) once the server reports none active.
  EngineSession* s = ctl.session(id);
  QVERIFY(QTest::qWaitFor(
      [&] {
        const EngineSession::Shared sh = s->shared();
        if (sh.server.closed == kConnections && sh.server.active == 0) return true;
        s->requestStats();
        return false;
      },
      20000));
  QCOMPARE(log.lines().size(), linesBefore);  // nothing logged without a tick
  ctl.tick();
  QCOMPARE(log.matching(QStringLiteral(" accepted 127.0.0.1:")).size(), size_t{8});
  QCOMPARE(log.matching(QStringLiteral(" closed 127.0.0.1:")).size(), size_t{8});
  const std::vector<Line> moreAccepted = log.matching(QStringLiteral("more accepted"));
  QCOMPARE(moreAccepted.size(), size_t{1});
  QCOMPARE(moreAccepted.front().text, QStringLiteral("#%1 … and 12 more accepted").arg(id));
  const std::vector<Line> moreClosed = log.matching(QStringLiteral("more closed"));
  QCOMPARE(moreClosed.size(), size_t{1});
  QCOMPARE(moreClosed.front().text, QStringLiteral("#%1 … and 12 more closed: 12 peer closed").arg(id));
  QCOMPARE(log.total(QStringLiteral("accepted")), qint64{kConnections});
  QCOMPARE(log.total(QStringLiteral("closed")), qint64{kConnections});
  ctl.stopAll();
  QVERIFY(QTest::qWaitFor(
      [&] {
        ctl.tick();
        return !ctl.anyRunning();
      },
      30000));
}

// Over maxConnections: accepted, then closed as refused (a warning, and the
// session row's problem); stopping the session closes the rest as "server stop".
void TestConnectionLog::refusalsAndServerStop() {
  SessionController ctl;
  LogCollector log(&ctl);
  EchoServerConfig sc;
  sc.maxConnections = 1;
  uint16_t port = 0;
  const int id = startRunningServer(ctl, sc, &port);
  QVERIFY(id != 0);
  Client held(port);
  QVERIFY(held.roundTrip("x"));
  std::vector<QString> refusedPeers;
  for (int i = 0; i < 2; ++i) {
    Client c(port);
    QVERIFY(c.connected());
    refusedPeers.push_back(c.peer());
  }
  QTRY_COMPARE_WITH_TIMEOUT(log.matching(QStringLiteral("(max connections)")).size(), size_t{2}, 20000);
  for (const QString& peer : refusedPeers) {
    const std::vector<Line> refused = log.matching(QStringLiteral("closed %1 (fd ").arg(peer));
    QCOMPARE(refused.size(), size_t{1});
    QVERIFY2(refused.front().text.endsWith(QStringLiteral("): refused, 1 connection already open (max connections)")),
             qPrintable(refused.front().text));
    QCOMPARE(refused.front().level, LogLevel::Warning);
    QCOMPARE(log.matching(QStringLiteral("accepted %1 (fd ").arg(peer)).size(), size_t{1});
  }
  QTRY_VERIFY_WITH_TIMEOUT(ctl.sessionModel()->session(id)->error.contains(QStringLiteral("max connections")), 20000);

  ctl.stopSession(id);
  QTRY_VERIFY_WITH_TIMEOUT(!ctl.anyRunning(), 20000);
  const std::vector<Line> stopped = log.matching(QStringLiteral("closed %1 (echo conn ").arg(held.peer()));
  QCOMPARE(stopped.size(), size_t{1});
  QVERIFY2(stopped.front().text.endsWith(QStringLiteral(": server stop, 1 B in, 1 B out")), qPrintable(stopped.front().text));
  QCOMPARE(log.total(QStringLiteral("accepted")), qint64{3});
  QCOMPARE(log.total(QStringLiteral("closed")), qint64{3});
}

// A queue of 4 notes and 10 connections closed between two ticks: 4 lines
// and one warning that 16 notes were lost.
void TestConnectionLog::lostNotesAreReported() {
  SessionController ctl;
  ctl.setAutoTick(false);
  ctl.setConnectionNoteCapacity(4);
  LogCollector log(&ctl);
  uint16_t port = 0;
  const int id = startRunningServer(ctl, EchoServerConfig{}, &port);
  QVERIFY(id != 0);
  for (int i = 0; i < 10; ++i) {
    Client c(port);
    QVERIFY(c.connected());
  }
  EngineSession* s = ctl.session(id);
  QTRY_VERIFY_WITH_TIMEOUT((s->requestStats(), s->shared().server.closed == 10), 20000);
  ctl.tick();
  QCOMPARE(log.total(QStringLiteral("accepted")) + log.total(QStringLiteral("closed")), qint64{4});
  const std::vector<Line> lost = log.matching(QStringLiteral("accept/close notes lost"));
  QCOMPARE(lost.size(), size_t{1});
  QCOMPARE(lost.front().level, LogLevel::Warning);
  QVERIFY2(lost.front().text.startsWith(QStringLiteral("#%1 16 accept/close notes lost: more than 4 were waiting").arg(id)),
           qPrintable(lost.front().text));
  ctl.tick();
  QCOMPARE(log.matching(QStringLiteral("accept/close notes lost")).size(), size_t{1});
}

QTEST_MAIN(TestConnectionLog)
#include "tst_connection_log.moc"
