// The console: loopback-only target validation, hex parsing, and real round trips
// through an echo server (a QTcpServer inside the test, and the engine's own
// rs::EchoServer on an EventBase in a worker thread), driven like a person would:
// typing into the fields and clicking the buttons.
// Set RS_GUI_SNAPSHOT_DIR to also save what the console looks like as PNG files.
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "core/EventBase.h"
#include "widgets/ConsoleWidget.h"
#include "workload/EchoServer.h"

using rs::gui::ConsoleWidget;

namespace {

// Echoes every byte back, counting what it got; optionally closes every connection
// as soon as it is accepted, or resets it (RST) when its first bytes arrive.
class QtEchoServer : public QObject {
 public:
  enum class OnAccept { Echo, Close, Reset };
  explicit QtEchoServer(OnAccept mode = OnAccept::Echo) : mode_(mode) {
    connect(&server_, &QTcpServer::newConnection, this, [this] {
      while (QTcpSocket* s = server_.nextPendingConnection()) {
        ++accepted_;
        if (mode_ == OnAccept::Close) {
          s->disconnectFromHost();
          continue;
        }
        connect(s, &QTcpSocket::readyRead, s, [this, s] {
          const QByteArray bytes = s->readAll();
          received_ += bytes;
          if (mode_ == OnAccept::Reset) {
            // SO_LINGER 0: close() sends RST instead of FIN.
            linger l{1, 0};
            ::setsockopt(static_cast<int>(s->socketDescriptor()), SOL_SOCKET, SO_LINGER, &l, sizeof l);
            s->abort();
            return;
          }
          s->write(bytes);
        });
        connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
      }
    });
  }
  bool listen(const QHostAddress& address = QHostAddress::LocalHost) { return server_.listen(address, 0); }
  quint16 port() const { return server_.serverPort(); }
  const QByteArray& received() const { return received_; }
  int accepted() const { return accepted_; }

 private:
  OnAccept mode_;
  QTcpServer server_;
  QByteArray received_;
  int accepted_ = 0;
};

// rs::EchoServer on its own EventBase, looping in a worker thread as the app runs
// it. Everything touching the base or the server after start() goes through
// runInLoop.
class EngineEchoServer {
 public:
  ~EngineEchoServer() { stop(); }

  bool start(QString* error, rs::EchoServerConfig::Mode mode = rs::EchoServerConfig::Mode::Echo) {
    base_ = std::make_unique<rs::EventBase>();
    rs::EchoServerConfig config;
    config.mode = mode;
    server_ = std::make_unique<rs::EchoServer>(base_.get(), config);
    std::string why;
    if (!server_->start(&why)) {
      *error = QString::fromStdString(why);
      return false;
    }
    port_ = server_->port();
    thread_ = std::thread([this] {
      base_->bindToCurrentThread();
      base_->loop(rs::kLoopNoExitOnEmpty);
    });
    return true;
  }

  quint16 port() const { return port_; }

  // Asks the loop thread; nullopt if it does not answer in time.
  std::optional<rs::EchoServerStats> stats() {
    auto answer = std::make_shared<std::promise<rs::EchoServerStats>>();
    std::future<rs::EchoServerStats> result = answer->get_future();
    base_->runInLoop([this, answer] { answer->set_value(server_->stats()); });
    if (result.wait_for(std::chrono::seconds(5)) != std::future_status::ready) return std::nullopt;
    return result.get();
  }

  void stop() {
    if (!thread_.joinable()) return;
    base_->runInLoop([this] {
      server_.reset();
      base_->loopbreak();
    });
    thread_.join();
    base_->bindToCurrentThread();
    base_.reset();
  }

 private:
  std::unique_ptr<rs::EventBase> base_;
  std::unique_ptr<rs::EchoServer> server_;
  std::thread thread_;
  quint16 port_ = 0;
};

template <typename T>
T* child(QWidget& w, const char* name) {
  T* c = w.findChild<T*>(QString::fromLatin1(name));
  if (!c) qFatal("ConsoleWidget has no %s", name);
  return c;
}

void typeInto(QLineEdit* edit, const QString& text) {
  edit->setFocus();
  edit->selectAll();
  QTest::keyClick(edit, Qt::Key_Backspace);
  QTest::keyClicks(edit, text);
}

void saveSnapshot(QWidget& w, const QString& name) {
  const QByteArray dir = qgetenv("RS_GUI_SNAPSHOT_DIR");
  QCoreApplication::processEvents();  // pending relayouts
  if (!dir.isEmpty()) w.grab().save(QString::fromLocal8Bit(dir) + QLatin1Char('/') + name);
}

}  // namespace

class TestConsole : public QObject {
  Q_OBJECT

 private slots:
  void hostRule_data();
  void hostRule();
  void typingValidatesTheTarget();
  void parseHex_data();
  void parseHex();
  void printableAndHex();
  void roundTripTextAndHexThroughQtEchoServer();
  void roundTripThroughEngineEchoServer();
  void roundTripOverIpv6Loopback();
  void fastSenderIsCoalescedAndBounded();
  void invalidHexSendsNothing();
  void refusedConnectionIsExplained();
  void unansweredConnectGivesUp();
  void peerCloseAndResetAreShown_data();
  void peerCloseAndResetAreShown();
  void sendNeedsAConnection();

 private:
  void connectTo(ConsoleWidget& w, const QString& host, quint16 port);
};

void TestConsole::connectTo(ConsoleWidget& w, const QString& host, quint16 port) {
  typeInto(child<QLineEdit>(w, "hostEdit"), host);
  typeInto(child<QLineEdit>(w, "portEdit"), QString::number(port));
  QVERIFY2(w.addressValid(), qPrintable(w.addressError()));
  QTest::mouseClick(child<QPushButton>(w, "connectButton"), Qt::LeftButton);
}

void TestConsole::hostRule_data() {
  QTest::addColumn<QString>("host");
  QTest::addColumn<bool>("allowed");
  QTest::newRow("127.0.0.1") << "127.0.0.1" << true;
  QTest::newRow("127.8.9.10") << "127.8.9.10" << true;
  QTest::newRow("::1") << "::1" << true;
  QTest::newRow("[::1]") << "[::1]" << true;
  QTest::newRow("localhost") << "localhost" << true;
  QTest::newRow("LocalHost") << "LocalHost" << true;
  QTest::newRow("spaces") << "  127.0.0.1 " << true;
  QTest::newRow("v4-mapped loopback") << "::ffff:127.0.0.1" << true;
  QTest::newRow("private") << "10.0.0.1" << false;
  QTest::newRow("public") << "8.8.8.8" << false;
  QTest::newRow("any") << "0.0.0.0" << false;
  QTest::newRow("v6 any") << "::" << false;
  QTest::newRow("name") << "example.com" << false;
  QTest::newRow("localhost lookalike") << "localhost.evil.example" << false;
  QTest::newRow("out of range") << "127.0.0.256" << false;
  QTest::newRow("empty") << "" << false;
}

void TestConsole::hostRule() {
  QFETCH(QString, host);
  QFETCH(bool, allowed);
  QString why;
  QCOMPARE(ConsoleWidget::isAllowedHost(host, &why), allowed);
  if (!allowed) {
    QVERIFY(!why.isEmpty());
    if (!host.isEmpty()) QVERIFY2(why.contains(QStringLiteral("127.0.0.0/8, ::1 and localhost")), qPrintable(why));
  }
}

void TestConsole::typingValidatesTheTarget() {
  ConsoleWidget w;
  w.show();
  auto* hostEdit = child<QLineEdit>(w, "hostEdit");
  auto* portEdit = child<QLineEdit>(w, "portEdit");
  auto* connectButton = child<QPushButton>(w, "connectButton");
  auto* hint = child<QLabel>(w, "addressHint");
  // A new console's empty port is a prompt, not an error: not in the errors' colour.
  typeInto(portEdit, QStringLiteral("70000"));
  const QString errorStyle = hint->styleSheet();
  typeInto(portEdit, QString());
  QVERIFY(hint->text().contains(QStringLiteral("Enter the port")));
  QVERIFY2(hint->styleSheet() != errorStyle, qPrintable(hint->styleSheet()));

  typeInto(hostEdit, QStringLiteral("192.168.1.20"));
  typeInto(portEdit, QStringLiteral("9000"));
  QVERIFY2(w.addressError().contains(QStringLiteral("not a loopback address")), qPrintable(w.addressError()));
  QCOMPARE(hint->text(), w.addressError());
  QVERIFY(!connectButton->isEnabled());
  // Clicking anyway starts nothing.
  QTest::mouseClick(connectButton, Qt::LeftButton);
  QCOMPARE(w.socketState(), QAbstractSocket::UnconnectedState);
  QVERIFY(w.transcriptText().isEmpty());

  typeInto(hostEdit, QStringLiteral("localhost"));
  QVERIFY(w.addressValid());
  QVERIFY(connectButton->isEnabled());
  QVERIFY(hint->text().contains(QStringLiteral("Loopback only")));

  typeInto(portEdit, QStringLiteral("70000"));
  QVERIFY2(w.addressError().contains(QStringLiteral("1 to 65535")), qPrintable(w.addressError()));
  QCOMPARE(hint->styleSheet(), errorStyle);  // a wrong port is an error
  QVERIFY(!connectButton->isEnabled());
  typeInto(portEdit, QStringLiteral("0"));
  QVERIFY(!w.addressValid());
  typeInto(portEdit, QString());
  QVERIFY(w.addressError().contains(QStringLiteral("Enter the port")));
  typeInto(portEdit, QStringLiteral("65535"));
  QVERIFY(w.addressValid());
  QCOMPARE(w.port(), quint16{65535});

  w.setTarget(QStringLiteral("::1"), 8080);
  QVERIFY(w.addressValid());
  QCOMPARE(w.host(), QStringLiteral("::1"));
  QCOMPARE(w.port(), quint16{8080});
}

void TestConsole::parseHex_data() {
  QTest::addColumn<QString>("text");
  QTest::addColumn<QByteArray>("bytes");
  QTest::addColumn<QString>("error");  // a fragment of the message, when malformed
  QTest::newRow("spaced") << "48 65 6c 6c 6f" << QByteArray("Hello") << "";
  QTest::newRow("compact") << "48656c6c6f" << QByteArray("Hello") << "";
  QTest::newRow("upper case, groups") << "4865 6C6C 6F" << QByteArray("Hello") << "";
  QTest::newRow("0x prefixes") << "0x48 0x69" << QByteArray("Hi") << "";
  QTest::newRow("surrounding space, tabs") << "\t 00 ff  0a " << QByteArray("\x00\xff\x0a", 3) << "";
  QTest::newRow("not hex") << "48 6g" << QByteArray() << "'g' at column 5 is not a hex digit";
  QTest::newRow("odd digits") << "48 656" << QByteArray() << "\"656\" at column 4 has an odd number of digits";
  QTest::newRow("single digit") << "a" << QByteArray() << "odd number of digits";
  QTest::newRow("bare 0x") << "48 0x" << QByteArray() << "\"0x\" at column 4 has no digits";
  QTest::newRow("punctuation") << "48,65" << QByteArray() << "',' at column 3";
  QTest::newRow("empty") << "   " << QByteArray() << "Nothing to send";
}

void TestConsole::parseHex() {
  QFETCH(QString, text);
  QFETCH(QByteArray, bytes);
  QFETCH(QString, error);
  QString message;
  const auto parsed = ConsoleWidget::parseHex(text, &message);
  if (error.isEmpty()) {
    QVERIFY2(parsed.has_value(), qPrintable(message));
    QCOMPARE(*parsed, bytes);
  } else {
    QVERIFY(!parsed.has_value());
    QVERIFY2(message.contains(error), qPrintable(message));
    QVERIFY(message.startsWith(QStringLiteral("Invalid hex")) || message.startsWith(QStringLiteral("Nothing")));
  }
}

void TestConsole::printableAndHex() {
  const QByteArray bytes("Hi\n\r\t\\\x00\x7f\xc3\xa9", 10);
  QCOMPARE(ConsoleWidget::toPrintable(bytes), QStringLiteral("Hi\\n\\r\\t\\\\\\x00\\x7f\\xc3\\xa9"));
  QCOMPARE(ConsoleWidget::toHex(bytes), QStringLiteral("48 69 0a 0d 09 5c 00 7f c3 a9"));
  QCOMPARE(ConsoleWidget::toHex(QByteArray()), QString());
}

void TestConsole::roundTripTextAndHexThroughQtEchoServer() {
  QtEchoServer server;
  QVERIFY(server.listen());
  ConsoleWidget w;
  w.resize(900, 560);
  w.show();
  QSignalSpy states(&w, &ConsoleWidget::connectionStateChanged);
  QSignalSpy log(&w, &ConsoleWidget::logMessage);

  connectTo(w, QStringLiteral("127.0.0.1"), server.port());
  QTRY_VERIFY_WITH_TIMEOUT(w.isConnected(), 5000);
  const QString target = QStringLiteral("127.0.0.1:%1").arg(server.port());
  QVERIFY(w.transcriptText().contains(QStringLiteral("connecting to ") + target));
  QVERIFY(w.transcriptText().contains(QStringLiteral("connected to ") + target));
  QVERIFY(child<QLabel>(w, "stateLabel")->text().contains(QStringLiteral("Connected")));
  QVERIFY(!child<QPushButton>(w, "connectButton")->isEnabled());
  QVERIFY(child<QPushButton>(w, "sendButton")->isEnabled());
  QVERIFY(!states.isEmpty());
  QVERIFY(!log.isEmpty());

  // Text, with the newline appended (the default, like the tutorial's stdin client).
  auto* sendEdit = child<QLineEdit>(w, "sendEdit");
  QVERIFY(child<QCheckBox>(w, "newlineCheck")->isChecked());
  typeInto(sendEdit, QStringLiteral("Hello"));
  QTest::mouseClick(child<QPushButton>(w, "sendButton"), Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(w.receivedData(), QByteArray("Hello\n"), 5000);
  QTRY_VERIFY(!w.hasUnshownData());  // arrivals reach the transcript within kCoalesceMs
  QCOMPARE(server.received(), QByteArray("Hello\n"));
  QCOMPARE(w.bytesSent(), 6);
  QCOMPARE(w.bytesReceived(), 6);
  QString t = w.transcriptText();
  QVERIFY2(t.contains(QStringLiteral("→ sent 6 bytes")), qPrintable(t));
  QVERIFY2(t.contains(QStringLiteral("← received 6 bytes")), qPrintable(t));
  QVERIFY2(t.count(QStringLiteral("text  Hello\\n")) == 2, qPrintable(t));  // out and back
  QVERIFY2(t.count(QStringLiteral("hex   48 65 6c 6c 6f 0a")) == 2, qPrintable(t));
  // Every entry starts with a millisecond timestamp.
  static const QRegularExpression stamped(QStringLiteral("^\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d  [→←·✖] "));
  for (const QString& line : t.split(QLatin1Char('\n')))
    if (!line.startsWith(QLatin1Char(' '))) QVERIFY2(stamped.match(line).hasMatch(), qPrintable(line));

  // Hex, spaced, with bytes that are not text; Enter sends too.
  auto* mode = child<QComboBox>(w, "modeCombo");
  mode->setFocus();
  QTest::keyClick(mode, Qt::Key_Down);
  QCOMPARE(w.sendMode(), ConsoleWidget::SendMode::Hex);
  QVERIFY(!child<QCheckBox>(w, "newlineCheck")->isEnabled());
  typeInto(sendEdit, QStringLiteral("de ad be ef 00 ff"));
  QVERIFY(w.sendError().isEmpty());
  QTest::keyClick(sendEdit, Qt::Key_Return);
  const QByteArray binary("\xde\xad\xbe\xef\x00\xff", 6);
  QTRY_COMPARE_WITH_TIMEOUT(w.receivedData(), QByteArray("Hello\n") + binary, 5000);
  QTRY_VERIFY(!w.hasUnshownData());  // arrivals reach the transcript within kCoalesceMs
  t = w.transcriptText();
  QVERIFY2(t.count(QStringLiteral("hex   de ad be ef 00 ff")) == 2, qPrintable(t));
  QVERIFY2(t.count(QStringLiteral("text  \\xde\\xad\\xbe\\xef\\x00\\xff")) == 2, qPrintable(t));

  // Hex, compact: the line stays selected after a send, so typing replaces it.
  QTest::keyClicks(sendEdit, QStringLiteral("48656c6c6f"));
  QCOMPARE(sendEdit->text(), QStringLiteral("48656c6c6f"));
  QTest::mouseClick(child<QPushButton>(w, "sendButton"), Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(w.receivedData(), QByteArray("Hello\n") + binary + "Hello", 5000);
  // Up/Down recall what was sent, in the mode it was sent in, like a shell.
  QTest::keyClick(sendEdit, Qt::Key_Up);
  QCOMPARE(sendEdit->text(), QStringLiteral("48656c6c6f"));
  QTest::keyClick(sendEdit, Qt::Key_Up);
  QCOMPARE(sendEdit->text(), QStringLiteral("de ad be ef 00 ff"));
  QCOMPARE(w.sendMode(), ConsoleWidget::SendMode::Hex);
  QTest::keyClick(sendEdit, Qt::Key_Up);
  QTest::keyClick(sendEdit, Qt::Key_Up);  // stops at the oldest
  QCOMPARE(sendEdit->text(), QStringLiteral("Hello"));
  QCOMPARE(w.sendMode(), ConsoleWidget::SendMode::Text);
  QVERIFY(w.sendError().isEmpty());
  QTest::keyClick(sendEdit, Qt::Key_Down);
  QTest::keyClick(sendEdit, Qt::Key_Down);
  QTest::keyClick(sendEdit, Qt::Key_Down);
  QCOMPARE(sendEdit->text(), QString());
  QTRY_VERIFY(!w.hasUnshownData());  // arrivals reach the transcript within kCoalesceMs
  QCOMPARE(server.received(), w.receivedData());
  QVERIFY(w.transcriptText().contains(QStringLiteral("ms after the last send")));
  saveSnapshot(w, QStringLiteral("console-round-trip.png"));

  QTest::mouseClick(child<QPushButton>(w, "disconnectButton"), Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(w.socketState(), QAbstractSocket::UnconnectedState, 5000);
  QVERIFY(w.transcriptText().contains(QStringLiteral("disconnected from ") + target));
  QVERIFY(child<QPushButton>(w, "connectButton")->isEnabled());
  QVERIFY(!child<QPushButton>(w, "sendButton")->isEnabled());
}

void TestConsole::roundTripThroughEngineEchoServer() {
  EngineEchoServer server;
  QString error;
  QVERIFY2(server.start(&error), qPrintable(error));
  ConsoleWidget w;
  w.show();
  connectTo(w, QStringLiteral("localhost"), server.port());
  QTRY_VERIFY_WITH_TIMEOUT(w.isConnected(), 5000);

  auto* sendEdit = child<QLineEdit>(w, "sendEdit");
  typeInto(sendEdit, QStringLiteral("Hello, reactor"));
  QTest::mouseClick(child<QPushButton>(w, "sendButton"), Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(w.receivedData(), QByteArray("Hello, reactor\n"), 5000);
  QTRY_VERIFY(!w.hasUnshownData());  // arrivals reach the transcript within kCoalesceMs

  child<QComboBox>(w, "modeCombo")->setFocus();
  QTest::keyClick(child<QComboBox>(w, "modeCombo"), Qt::Key_Down);
  typeInto(sendEdit, QStringLiteral("00 01 7f 80 ff"));
  QTest::keyClick(sendEdit, Qt::Key_Return);
  const QByteArray binary("\x00\x01\x7f\x80\xff", 5);
  QTRY_COMPARE_WITH_TIMEOUT(w.receivedData(), QByteArray("Hello, reactor\n") + binary, 5000);
  QTRY_VERIFY(!w.hasUnshownData());  // arrivals reach the transcript within kCoalesceMs

  const QString t = w.transcriptText();
  QVERIFY2(t.count(QStringLiteral("text  Hello, reactor\\n")) == 2, qPrintable(t));
  QVERIFY2(t.count(QStringLiteral("hex   00 01 7f 80 ff")) == 2, qPrintable(t));
  QVERIFY2(t.count(QStringLiteral("text  \\x00\\x01\\x7f\\x80\\xff")) == 2, qPrintable(t));

  // The engine saw the same bytes.
  const auto stats = server.stats();
  QVERIFY(stats.has_value());
  QCOMPARE(stats->accepted, quint64{1});
  QCOMPARE(stats->bytesIn, quint64{20});
  QTRY_COMPARE_WITH_TIMEOUT(server.stats()->bytesOut, quint64{20}, 5000);

  QTest::mouseClick(child<QPushButton>(w, "disconnectButton"), Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(w.socketState(), QAbstractSocket::UnconnectedState, 5000);
  QTRY_COMPARE_WITH_TIMEOUT(server.stats()->closed, quint64{1}, 5000);
  server.stop();
}

void TestConsole::roundTripOverIpv6Loopback() {
  QtEchoServer server;
  if (!server.listen(QHostAddress::LocalHostIPv6)) QSKIP("no IPv6 loopback here");
  ConsoleWidget w;
  w.show();
  connectTo(w, QStringLiteral("[::1]"), server.port());
  QTRY_VERIFY_WITH_TIMEOUT(w.isConnected(), 5000);
  QVERIFY(w.transcriptText().contains(QStringLiteral("connected to [::1]:%1 (local address [::1]:").arg(server.port())));
  typeInto(child<QLineEdit>(w, "sendEdit"), QStringLiteral("six"));
  QVERIFY(w.send());
  QTRY_COMPARE_WITH_TIMEOUT(w.receivedData(), QByteArray("six\n"), 5000);
}

void TestConsole::fastSenderIsCoalescedAndBounded() {
  // A "source" server sends as fast as the console reads: the transcript gets one
  // entry per kCoalesceMs at most, each showing kMaxShownBytes, and memory stays bounded.
  EngineEchoServer server;
  QString error;
  QVERIFY2(server.start(&error, rs::EchoServerConfig::Mode::Source), qPrintable(error));
  ConsoleWidget w;
  w.show();
  QElapsedTimer clock;
  clock.start();
  connectTo(w, QStringLiteral("127.0.0.1"), server.port());
  QTRY_VERIFY_WITH_TIMEOUT(w.bytesReceived() > 2 * ConsoleWidget::kMaxKeptBytes, 20000);
  QTest::mouseClick(child<QPushButton>(w, "disconnectButton"), Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(w.socketState(), QAbstractSocket::UnconnectedState, 5000);
  const qint64 elapsedMs = clock.elapsed();

  QCOMPARE(w.receivedData().size(), ConsoleWidget::kMaxKeptBytes);
  QVERIFY(!w.hasUnshownData());
  const QString t = w.transcriptText();
  const qsizetype entries = t.count(QStringLiteral("← received "));
  QVERIFY(entries >= 1);
  QVERIFY2(entries <= elapsedMs / ConsoleWidget::kCoalesceMs + 2,
           qPrintable(QStringLiteral("%1 entries in %2 ms").arg(entries).arg(elapsedMs)));
  QVERIFY(t.contains(QStringLiteral("more not shown")));
  // The end of the connection comes after the last data.
  QVERIFY(t.lastIndexOf(QStringLiteral("disconnected from")) > t.lastIndexOf(QStringLiteral("← received ")));
}

void TestConsole::invalidHexSendsNothing() {
  QtEchoServer server;
  QVERIFY(server.listen());
  ConsoleWidget w;
  w.resize(900, 560);
  w.show();
  connectTo(w, QStringLiteral("127.0.0.1"), server.port());
  QTRY_VERIFY_WITH_TIMEOUT(w.isConnected(), 5000);
  QTRY_COMPARE_WITH_TIMEOUT(server.accepted(), 1, 5000);

  w.setSendMode(ConsoleWidget::SendMode::Hex);
  auto* sendEdit = child<QLineEdit>(w, "sendEdit");
  QCoreApplication::processEvents();
  const QPoint inputRow = sendEdit->mapTo(&w, QPoint(0, 0));
  QVERIFY(child<QPushButton>(w, "sendButton")->isEnabled());
  typeInto(sendEdit, QStringLiteral("48 6g"));
  // Said while typing, before any click; Send is disabled; the input row stays put.
  QVERIFY2(w.sendError().contains(QStringLiteral("not a hex digit")), qPrintable(w.sendError()));
  QVERIFY(child<QLabel>(w, "sendError")->isVisible());
  QVERIFY(!child<QPushButton>(w, "sendButton")->isEnabled());
  QCoreApplication::processEvents();
  QCOMPARE(sendEdit->mapTo(&w, QPoint(0, 0)), inputRow);
  QTest::mouseClick(child<QPushButton>(w, "sendButton"), Qt::LeftButton);
  QVERIFY(w.sendError().contains(QStringLiteral("'g' at column 5")));

  typeInto(sendEdit, QStringLiteral("486"));
  QTest::keyClick(sendEdit, Qt::Key_Return);
  QVERIFY(w.sendError().contains(QStringLiteral("odd number of digits")));
  QVERIFY(!w.send());

  // Give a stray byte every chance to arrive: nothing was sent.
  QTest::qWait(200);
  QCOMPARE(w.bytesSent(), 0);
  QCOMPARE(server.received(), QByteArray());
  QVERIFY(!w.transcriptText().contains(QStringLiteral("sent")));
  saveSnapshot(w, QStringLiteral("console-invalid-hex.png"));

  // Fixing the line clears the error and sends.
  typeInto(sendEdit, QStringLiteral("4869"));
  QVERIFY(w.sendError().isEmpty());
  QVERIFY(child<QPushButton>(w, "sendButton")->isEnabled());
  QVERIFY(w.send());
  QTRY_COMPARE_WITH_TIMEOUT(server.received(), QByteArray("Hi"), 5000);
}

void TestConsole::refusedConnectionIsExplained() {
  quint16 closedPort = 0;
  {
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    closedPort = probe.serverPort();
    probe.close();
  }
  ConsoleWidget w;
  w.show();
  QSignalSpy log(&w, &ConsoleWidget::logMessage);
  connectTo(w, QStringLiteral("127.0.0.1"), closedPort);
  const QString expected =
      QStringLiteral("connection refused by 127.0.0.1:%1: nothing is listening on that port").arg(closedPort);
  QTRY_VERIFY_WITH_TIMEOUT(w.transcriptText().contains(expected), 5000);
  QTRY_COMPARE_WITH_TIMEOUT(w.socketState(), QAbstractSocket::UnconnectedState, 5000);
  QVERIFY2(w.transcriptText().contains(QStringLiteral("✖ connection refused")), qPrintable(w.transcriptText()));
  QVERIFY(!w.transcriptText().contains(QStringLiteral("connected to")));
  QCOMPARE(child<QLabel>(w, "stateLabel")->text(), QStringLiteral("Disconnected: connection refused"));
  QVERIFY(child<QPushButton>(w, "connectButton")->isEnabled());  // can retry at once
  bool logged = false;
  for (const QList<QVariant>& args : log) logged |= args.at(0).toString().contains(QStringLiteral("refused"));
  QVERIFY(logged);
  saveSnapshot(w, QStringLiteral("console-refused.png"));
}

void TestConsole::unansweredConnectGivesUp() {
  // A listener that never accepts, its queue already full: Linux drops further SYNs,
  // so a connect neither succeeds nor fails. The console gives up on its own.
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  QVERIFY(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  QCOMPARE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), len), 0);
  QCOMPARE(::listen(listener, 0), 0);
  QCOMPARE(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    fillers.push_back(fd);
  }
  const quint16 port = ntohs(addr.sin_port);

  ConsoleWidget w;
  w.show();
  w.setConnectTimeoutMs(400);
  QCOMPARE(w.connectTimeoutMs(), 400);
  connectTo(w, QStringLiteral("127.0.0.1"), port);
  QTRY_COMPARE_WITH_TIMEOUT(w.socketState(), QAbstractSocket::UnconnectedState, 5000);
  if (w.transcriptText().contains(QStringLiteral("refused")))
    QSKIP("this kernel answers a full accept queue with RST (tcp_abort_on_overflow)");
  const QString expected = QStringLiteral("no answer from 127.0.0.1:%1 within 0.4 s; gave up").arg(port);
  QVERIFY2(w.transcriptText().contains(expected), qPrintable(w.transcriptText()));
  QCOMPARE(child<QLabel>(w, "stateLabel")->text(), QStringLiteral("Disconnected: no answer"));
  QVERIFY(child<QPushButton>(w, "connectButton")->isEnabled());
  for (const int fd : fillers) ::close(fd);
  ::close(listener);
}

void TestConsole::peerCloseAndResetAreShown_data() {
  QTest::addColumn<int>("mode");
  QTest::addColumn<QString>("said");
  QTest::newRow("close") << static_cast<int>(QtEchoServer::OnAccept::Close)
                         << QStringLiteral(" closed the connection (FIN)");
  QTest::newRow("reset") << static_cast<int>(QtEchoServer::OnAccept::Reset)
                         << QStringLiteral(" reset the connection (RST)");
}

void TestConsole::peerCloseAndResetAreShown() {
  QFETCH(int, mode);
  QFETCH(QString, said);
  QtEchoServer server(static_cast<QtEchoServer::OnAccept>(mode));
  QVERIFY(server.listen());
  ConsoleWidget w;
  w.show();
  connectTo(w, QStringLiteral("127.0.0.1"), server.port());
  const QString target = QStringLiteral("127.0.0.1:%1").arg(server.port());
  if (static_cast<QtEchoServer::OnAccept>(mode) == QtEchoServer::OnAccept::Reset) {
    QTRY_VERIFY_WITH_TIMEOUT(w.isConnected(), 5000);
    typeInto(child<QLineEdit>(w, "sendEdit"), QStringLiteral("ping"));
    QVERIFY(w.send());
  }
  QTRY_VERIFY2_WITH_TIMEOUT(w.transcriptText().contains(target + said),
                            qPrintable(w.transcriptText()), 5000);
  QTRY_COMPARE_WITH_TIMEOUT(w.socketState(), QAbstractSocket::UnconnectedState, 5000);
  QVERIFY(w.transcriptText().contains(QStringLiteral("disconnected from ") + target));
}

void TestConsole::sendNeedsAConnection() {
  ConsoleWidget w;
  w.show();
  QVERIFY(!child<QPushButton>(w, "sendButton")->isEnabled());
  typeInto(child<QLineEdit>(w, "sendEdit"), QStringLiteral("Hello"));
  QTest::keyClick(child<QLineEdit>(w, "sendEdit"), Qt::Key_Return);
  QVERIFY2(w.sendError().contains(QStringLiteral("Not connected")), qPrintable(w.sendError()));
  QCOMPARE(w.bytesSent(), 0);
  QVERIFY(w.transcriptText().isEmpty());
}

QTEST_MAIN(TestConsole)
#include "tst_console.moc"
