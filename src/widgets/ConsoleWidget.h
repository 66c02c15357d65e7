// One hand-driven TCP connection, like the tutorial's client (section 5.2.2): connect
// to a loopback host:port, send a line as text or hex, and see what goes out and
// what comes back as text and hex with millisecond timestamps, plus every
// connection state change and error (refused, reset, unreachable) in words.
//
// Thread contract: GUI thread only. QTcpSocket is used asynchronously throughout;
// nothing here waits on the network.
#pragma once
#include <QAbstractSocket>
#include <QByteArray>
#include <QElapsedTimer>
#include <QString>
#include <QTime>
#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

class QTcpSocket;
class QTimer;
namespace Ui {
class ConsoleWidget;
}

namespace rs::gui {

class ConsoleWidget : public QWidget {
  Q_OBJECT

 public:
  enum class SendMode { Text = 0, Hex = 1 };

  explicit ConsoleWidget(QWidget* parent = nullptr);
  ~ConsoleWidget() override;

  // Prefills host and port (e.g. with a running echo server's address).
  void setTarget(const QString& host, quint16 port);
  QString host() const;
  // The typed port, or 0 when the field is not a valid port.
  quint16 port() const;
  // Empty when host and port are acceptable; otherwise the message shown.
  QString addressError() const;
  bool addressValid() const { return addressError().isEmpty(); }

  // How long a connection attempt may take before it is abandoned (default 5 s).
  void setConnectTimeoutMs(int ms);
  int connectTimeoutMs() const;

  SendMode sendMode() const;
  void setSendMode(SendMode mode);
  // The last send problem shown under the send line ("" when none).
  QString sendError() const;

  QAbstractSocket::SocketState socketState() const;
  bool isConnected() const { return socketState() == QAbstractSocket::ConnectedState; }
  qint64 bytesSent() const { return bytesSent_; }
  qint64 bytesReceived() const { return bytesReceived_; }
  // What was received since the last connect, in order (the first kMaxKeptBytes).
  const QByteArray& receivedData() const { return received_; }
  QString transcriptText() const;
  // True while received bytes wait (at most kCoalesceMs) to enter the transcript.
  bool hasUnshownData() const { return pendingRxBytes_ > 0; }

  // Only loopback targets are allowed: 127.0.0.0/8, ::1 (also IPv4-mapped) and
  // "localhost". On refusal *why says what is wrong, in one sentence.
  static bool isAllowedHost(const QString& host, QString* why);
  // "48 65 6c 6c 6f", "48656c6c6f", "0x48 0x65"; whitespace separates, each group
  // an even number of hex digits. nullopt and a clear *error when malformed.
  static std::optional<QByteArray> parseHex(const QString& text, QString* error);
  // "48 65 6c 6c 6f"
  static QString toHex(const QByteArray& bytes);
  // Printable ASCII as is, the rest escaped: \n \r \t \\ \xNN.
  static QString toPrintable(const QByteArray& bytes);

  static constexpr int kConnectTimeoutMs = 5000;  // default of setConnectTimeoutMs
  static constexpr int kMaxShownBytes = 1024;       // per transcript entry
  static constexpr int kMaxKeptBytes = 1 << 20;     // receivedData()
  static constexpr int kCoalesceMs = 30;            // arrivals closer than this share an entry
  static constexpr int kMaxHistory = 100;           // sent lines recalled with Up/Down

 public slots:
  void connectToTarget();
  void disconnectFromTarget();
  // Sends the send line in the chosen mode; false (and an inline error, nothing
  // sent) when not connected, empty or malformed.
  bool send();
  void clearTranscript();

 signals:
  void connectionStateChanged(QAbstractSocket::SocketState state);
  // One line for the application log: connected, closed, errors (the log names
  // the console as its source: the line has no prefix).
  void logMessage(const QString& line);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  enum class Entry { Info, Sent, Received, Error };
  // `payload` may be the first part of `totalBytes`; `stamp` defaults to now.
  void appendEntry(Entry kind, const QString& headline, const QByteArray* payload = nullptr,
                   qint64 totalBytes = -1, QTime stamp = QTime());
  void flushReceived();
  void validateAddress();
  void validateSendLine();
  // The typed line's error ("" when it can be sent, or is empty).
  QString sendLineError() const;
  // Send: connected, and the line is not malformed hex.
  void updateSendButton();
  void updateControls();
  void updateCounters();
  void onStateChanged(QAbstractSocket::SocketState state);
  void onError(QAbstractSocket::SocketError error);
  void onReadyRead();
  void showSendError(const QString& message);
  QString targetText() const;

  std::unique_ptr<Ui::ConsoleWidget> ui_;
  QTcpSocket* socket_ = nullptr;
  QTimer* connectTimer_ = nullptr;
  QString connectedTarget_;  // "127.0.0.1:9000" of the current/last attempt
  QElapsedTimer sinceSend_;  // round-trip hint for echoes
  qint64 bytesSent_ = 0;
  qint64 bytesReceived_ = 0;
  QByteArray received_;
  QByteArray pendingRx_;  // not yet in the transcript (its first kMaxShownBytes)
  qint64 pendingRxBytes_ = 0;
  QTime pendingRxTime_;
  double pendingRxAfterSendMs_ = -1.0;
  bool wasConnected_ = false;
  QString lastError_;
  struct SentLine {
    SendMode mode;
    QString text;
  };
  std::vector<SentLine> history_;  // lines sent, oldest first (Up/Down in the send line)
  size_t historyPos_ = 0;  // brief, for the state label until the next attempt
};

}  // namespace rs::gui
