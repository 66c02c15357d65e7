#include "widgets/ConsoleWidget.h"

#include <QFontDatabase>
#include <QKeyEvent>
#include <QHostAddress>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTcpSocket>
#include <QTextBlock>
#include <QTextCharFormat>
#include <QTextCursor>
#include <QTime>
#include <QTimer>

#include <algorithm>

#include <cerrno>

#include "net/InetAddress.h"
#include "workload/WorkloadSpec.h"
#include "ui_ConsoleWidget.h"

namespace rs::gui {

namespace {

const QColor kInk{0x1f, 0x23, 0x28};
const QColor kMuted{0x6a, 0x70, 0x78};
const QColor kSentInk{0x0b, 0x5c, 0xad};
const QColor kReceivedInk{0x0a, 0x7a, 0x4f};
const QColor kErrorInk{0xb0, 0x00, 0x20};
constexpr int kHexBytesPerRow = 16;
constexpr int kTextCharsPerRow = 96;
constexpr int kDisconnectGraceMs = 2000;
constexpr int kMaxTranscriptLines = 20000;

const char* const kLoopbackRule = "only 127.0.0.0/8, ::1 and localhost are allowed";

QString byteCount(qint64 n) {
  return n == 1 ? QStringLiteral("1 byte") : QStringLiteral("%1 bytes").arg(n);
}

QString shortBytes(qint64 n) {
  if (n < 10 * 1024) return QStringLiteral("%1 B").arg(n);
  if (n < 10 * 1024 * 1024) return QStringLiteral("%1 KiB").arg(static_cast<double>(n) / 1024.0, 0, 'f', 1);
  return QStringLiteral("%1 MiB").arg(static_cast<double>(n) / (1024.0 * 1024.0), 0, 'f', 1);
}

bool isAsciiHexDigit(QChar c) {
  const char16_t u = c.unicode();
  return (u >= u'0' && u <= u'9') || (u >= u'a' && u <= u'f') || (u >= u'A' && u <= u'F');
}

// Qt reports a peer's orderly close (FIN: read() returned 0) and a reset (RST:
// read() or write() failed with ECONNRESET or EPIPE) alike, as
// RemoteHostClosedError, and has closed the socket by the time it says so. The
// errno of its failing call is still set when errorOccurred is emitted (Qt emits
// it straight after the call, and close() succeeding leaves errno alone), so it
// tells the two apart.
bool errnoSaysReset(int savedErrno) { return savedErrno == ECONNRESET || savedErrno == EPIPE; }

void setLabelColor(QLabel* label, const QColor& color) {
  label->setStyleSheet(QStringLiteral("color: %1;").arg(color.name()));
}

}  // namespace

ConsoleWidget::ConsoleWidget(QWidget* parent)
    : QWidget(parent), ui_(std::make_unique<Ui::ConsoleWidget>()) {
  ui_->setupUi(this);
  ui_->transcript->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  ui_->transcript->setMaximumBlockCount(kMaxTranscriptLines);
  setLabelColor(ui_->sendError, kErrorInk);
  ui_->sendError->hide();

  socket_ = new QTcpSocket(this);
  connectTimer_ = new QTimer(this);
  connectTimer_->setSingleShot(true);
  connectTimer_->setInterval(kConnectTimeoutMs);

  connect(socket_, &QTcpSocket::stateChanged, this, &ConsoleWidget::onStateChanged);
  connect(socket_, &QTcpSocket::errorOccurred, this, &ConsoleWidget::onError);
  connect(socket_, &QTcpSocket::readyRead, this, &ConsoleWidget::onReadyRead);
  connect(connectTimer_, &QTimer::timeout, this, [this] {
    if (socket_->state() == QAbstractSocket::ConnectedState ||
        socket_->state() == QAbstractSocket::UnconnectedState)
      return;
    lastError_ = QStringLiteral("no answer");
    const QString msg = QStringLiteral("no answer from %1 within %2 s; gave up (is its accept queue full?)")
                            .arg(connectedTarget_,
                                 QString::number(static_cast<double>(connectTimer_->interval()) / 1000.0, 'g', 3));
    appendEntry(Entry::Error, msg);
    emit logMessage(msg);
    socket_->abort();
  });

  connect(ui_->hostEdit, &QLineEdit::textChanged, this, &ConsoleWidget::validateAddress);
  connect(ui_->portEdit, &QLineEdit::textChanged, this, &ConsoleWidget::validateAddress);
  connect(ui_->hostEdit, &QLineEdit::returnPressed, this, &ConsoleWidget::connectToTarget);
  connect(ui_->portEdit, &QLineEdit::returnPressed, this, &ConsoleWidget::connectToTarget);
  connect(ui_->connectButton, &QPushButton::clicked, this, &ConsoleWidget::connectToTarget);
  connect(ui_->disconnectButton, &QPushButton::clicked, this, &ConsoleWidget::disconnectFromTarget);
  connect(ui_->sendButton, &QPushButton::clicked, this, [this] { send(); });
  connect(ui_->sendEdit, &QLineEdit::returnPressed, this, [this] { send(); });
  connect(ui_->sendEdit, &QLineEdit::textChanged, this, &ConsoleWidget::validateSendLine);
  connect(ui_->modeCombo, &QComboBox::currentIndexChanged, this, [this] {
    const bool hex = sendMode() == SendMode::Hex;
    ui_->sendEdit->setPlaceholderText(hex ? QStringLiteral("48 65 6c 6c 6f") : QStringLiteral("Hello"));
    ui_->newlineCheck->setEnabled(!hex);
    ui_->newlineCheck->setToolTip(hex ? QStringLiteral("In hex mode every byte is typed: add 0a for a newline")
                                      : QStringLiteral("Append a newline (\\n) to each line sent as text"));
    validateSendLine();
  });
  connect(ui_->clearButton, &QPushButton::clicked, this, &ConsoleWidget::clearTranscript);
  ui_->sendEdit->installEventFilter(this);

  validateAddress();
  updateCounters();
}

ConsoleWidget::~ConsoleWidget() {
  // No signals into a half-destroyed widget while the socket goes away.
  socket_->disconnect(this);
  socket_->abort();
}

// ---- Address ---------------------------------------------------------------------

bool ConsoleWidget::isAllowedHost(const QString& hostText, QString* why) {
  const QString h = hostText.trimmed();
  const auto refuse = [why](const QString& message) {
    if (why) *why = message;
    return false;
  };
  if (h.isEmpty()) return refuse(QStringLiteral("Enter a host: 127.0.0.1, ::1 or localhost."));
  // The rule is the workloads' (rs::isLoopbackHost); "LocalHost" is localhost here.
  const std::string typed =
      h.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0 ? std::string("localhost") : h.toStdString();
  if (isLoopbackHost(typed)) return true;
  if (!InetAddress::resolve(typed, 0, nullptr))
    return refuse(QStringLiteral("\"%1\" is not an IP address or localhost: %2.")
                      .arg(h, QLatin1String(kLoopbackRule)));
  return refuse(QStringLiteral("%1 is not a loopback address: %2, so the console never "
                               "talks to another machine.")
                    .arg(h, QLatin1String(kLoopbackRule)));
}

void ConsoleWidget::setConnectTimeoutMs(int ms) { connectTimer_->setInterval(std::max(1, ms)); }

int ConsoleWidget::connectTimeoutMs() const { return connectTimer_->interval(); }

QString ConsoleWidget::host() const {
  QString h = ui_->hostEdit->text().trimmed();
  if (h.startsWith(QLatin1Char('[')) && h.endsWith(QLatin1Char(']'))) h = h.mid(1, h.size() - 2);
  return h;
}

quint16 ConsoleWidget::port() const {
  return InetAddress::parsePort(ui_->portEdit->text().trimmed().toStdString(), nullptr, false).value_or(0);
}

QString ConsoleWidget::addressError() const {
  QString why;
  if (!isAllowedHost(ui_->hostEdit->text(), &why)) return why;
  const QString portText = ui_->portEdit->text().trimmed();
  if (portText.isEmpty()) return QStringLiteral("Enter the port the server listens on (1 to 65535).");
  if (port() == 0)
    return QStringLiteral("Port \"%1\" is not valid: use a whole number from 1 to 65535.").arg(portText);
  return {};
}

void ConsoleWidget::setTarget(const QString& hostText, quint16 portNumber) {
  ui_->hostEdit->setText(hostText);
  ui_->portEdit->setText(portNumber ? QString::number(portNumber) : QString());
}

QString ConsoleWidget::targetText() const {
  const QString h = host();
  const bool v6 = h.contains(QLatin1Char(':'));
  return (v6 ? QStringLiteral("[%1]").arg(h) : h) + QLatin1Char(':') + QString::number(port());
}

void ConsoleWidget::validateAddress() {
  const QString error = addressError();
  if (error.isEmpty()) {
    ui_->addressHint->setText(QStringLiteral("Loopback only: 127.0.0.0/8, ::1 or localhost."));
    setLabelColor(ui_->addressHint, kMuted);
  } else {
    // An empty port is what a new console starts with: a prompt, not an error.
    const bool onlyPortMissing = ui_->portEdit->text().trimmed().isEmpty() && isAllowedHost(ui_->hostEdit->text(), nullptr);
    ui_->addressHint->setText(error);
    setLabelColor(ui_->addressHint, onlyPortMissing ? kMuted : kErrorInk);
  }
  updateControls();
}

// ---- Connection ------------------------------------------------------------------

QAbstractSocket::SocketState ConsoleWidget::socketState() const { return socket_->state(); }

void ConsoleWidget::connectToTarget() {
  if (socket_->state() != QAbstractSocket::UnconnectedState) return;
  const QString error = addressError();
  if (!error.isEmpty()) {
    validateAddress();
    return;  // the inline message already says what to fix; nothing starts
  }
  received_.clear();
  pendingRx_.clear();
  pendingRxBytes_ = 0;
  bytesSent_ = 0;
  bytesReceived_ = 0;
  sinceSend_.invalidate();
  lastError_.clear();
  updateCounters();
  wasConnected_ = false;
  connectedTarget_ = targetText();
  appendEntry(Entry::Info, QStringLiteral("connecting to %1").arg(connectedTarget_));
  socket_->connectToHost(host(), port());
  connectTimer_->start();
}

void ConsoleWidget::disconnectFromTarget() {
  switch (socket_->state()) {
    case QAbstractSocket::UnconnectedState:
      return;
    case QAbstractSocket::ConnectedState:
      appendEntry(Entry::Info, QStringLiteral("closing the connection"));
      socket_->disconnectFromHost();
      // A peer that never reads could keep our unsent bytes (and us) waiting.
      QTimer::singleShot(kDisconnectGraceMs, this, [this] {
        if (socket_->state() == QAbstractSocket::ClosingState) socket_->abort();
      });
      return;
    default:
      appendEntry(Entry::Info, QStringLiteral("connection attempt to %1 cancelled").arg(connectedTarget_));
      connectTimer_->stop();
      socket_->abort();
      return;
  }
}

void ConsoleWidget::onStateChanged(QAbstractSocket::SocketState state) {
  flushReceived();  // what arrived comes before the line saying the connection ended
  switch (state) {
    case QAbstractSocket::HostLookupState:
      // Qt passes through this state for address literals too; only names are looked up.
      if (QHostAddress literal; !literal.setAddress(host()))
        appendEntry(Entry::Info, QStringLiteral("looking up %1").arg(host()));
      break;
    case QAbstractSocket::ConnectedState: {
      connectTimer_->stop();
      wasConnected_ = true;
      const QString local = socket_->localAddress().protocol() == QAbstractSocket::IPv6Protocol
                                ? QStringLiteral("[%1]").arg(socket_->localAddress().toString())
                                : socket_->localAddress().toString();
      const QString msg = QStringLiteral("connected to %1 (local address %2:%3)")
                              .arg(connectedTarget_, local, QString::number(socket_->localPort()));
      appendEntry(Entry::Info, msg);
      emit logMessage(msg);
      break;
    }
    case QAbstractSocket::UnconnectedState:
      connectTimer_->stop();
      // A failed attempt already has its error line; only a real connection ends.
      if (wasConnected_) {
        wasConnected_ = false;
        const QString msg = QStringLiteral("disconnected from %1").arg(connectedTarget_);
        appendEntry(Entry::Info, msg);
        emit logMessage(msg);
      }
      break;
    default:
      break;
  }
  updateControls();
  emit connectionStateChanged(state);
}

void ConsoleWidget::onError(QAbstractSocket::SocketError error) {
  const int savedErrno = errno;  // first: see errnoSaysReset()
  flushReceived();
  const QString target = connectedTarget_;
  QString msg;
  QString brief;
  Entry kind = Entry::Error;
  bool addDetail = true;  // Qt's own text, when ours does not already say it
  switch (error) {
    case QAbstractSocket::ConnectionRefusedError:
      msg = QStringLiteral("connection refused by %1: nothing is listening on that port").arg(target);
      brief = QStringLiteral("connection refused");
      addDetail = false;
      break;
    case QAbstractSocket::RemoteHostClosedError:
      msg = errnoSaysReset(savedErrno) ? QStringLiteral("%1 reset the connection (RST)").arg(target)
                                       : QStringLiteral("%1 closed the connection (FIN)").arg(target);
      kind = Entry::Info;
      addDetail = false;
      break;
    case QAbstractSocket::HostNotFoundError:
      msg = QStringLiteral("host %1 not found").arg(host());
      brief = QStringLiteral("host not found");
      break;
    case QAbstractSocket::NetworkError:
      msg = QStringLiteral("network error talking to %1").arg(target);
      brief = QStringLiteral("network error");
      break;
    case QAbstractSocket::SocketTimeoutError:
      msg = QStringLiteral("timed out talking to %1").arg(target);
      brief = QStringLiteral("timed out");
      break;
    case QAbstractSocket::SocketResourceError:
      msg = QStringLiteral("out of sockets or memory connecting to %1").arg(target);
      brief = QStringLiteral("out of resources");
      break;
    default:
      msg = QStringLiteral("socket error on %1").arg(target);
      brief = QStringLiteral("socket error");
      break;
  }
  const QString detail = socket_->errorString();
  if (addDetail && !detail.isEmpty()) msg += QStringLiteral(" (%1)").arg(detail);
  lastError_ = brief;
  appendEntry(kind, msg);
  emit logMessage(msg);
  updateControls();
}

void ConsoleWidget::onReadyRead() {
  const QByteArray chunk = socket_->readAll();
  if (chunk.isEmpty()) return;
  bytesReceived_ += chunk.size();
  if (received_.size() < kMaxKeptBytes) received_ += chunk.left(kMaxKeptBytes - received_.size());
  // A fast sender (a "source" server) must not turn every read into a transcript
  // entry: arrivals within kCoalesceMs become one entry, stamped with the first.
  if (pendingRxBytes_ == 0) {
    pendingRxTime_ = QTime::currentTime();
    pendingRxAfterSendMs_ =
        sinceSend_.isValid() ? static_cast<double>(sinceSend_.nsecsElapsed()) / 1e6 : -1.0;
    QTimer::singleShot(kCoalesceMs, this, &ConsoleWidget::flushReceived);
  }
  pendingRxBytes_ += chunk.size();
  if (pendingRx_.size() < kMaxShownBytes) pendingRx_ += chunk.left(kMaxShownBytes - pendingRx_.size());
}

void ConsoleWidget::flushReceived() {
  if (pendingRxBytes_ == 0) return;
  QString headline = QStringLiteral("received %1").arg(byteCount(pendingRxBytes_));
  if (pendingRxAfterSendMs_ >= 0)
    headline += QStringLiteral(" (%1 ms after the last send)").arg(pendingRxAfterSendMs_, 0, 'f', 3);
  appendEntry(Entry::Received, headline, &pendingRx_, pendingRxBytes_, pendingRxTime_);
  pendingRx_.clear();
  pendingRxBytes_ = 0;
  updateCounters();
}

// ---- Sending ---------------------------------------------------------------------

ConsoleWidget::SendMode ConsoleWidget::sendMode() const {
  return ui_->modeCombo->currentIndex() == 1 ? SendMode::Hex : SendMode::Text;
}

void ConsoleWidget::setSendMode(SendMode mode) {
  ui_->modeCombo->setCurrentIndex(mode == SendMode::Hex ? 1 : 0);
}

QString ConsoleWidget::sendError() const {
  return ui_->sendError->isHidden() ? QString() : ui_->sendError->text();
}

void ConsoleWidget::showSendError(const QString& message) {
  ui_->sendError->setText(message);
  ui_->sendError->setVisible(!message.isEmpty());
}

QString ConsoleWidget::sendLineError() const {
  // Hex is checked as it is typed; text needs no checking.
  if (sendMode() != SendMode::Hex || ui_->sendEdit->text().trimmed().isEmpty()) return {};
  QString error;
  return parseHex(ui_->sendEdit->text(), &error) ? QString() : error;
}

void ConsoleWidget::validateSendLine() {
  showSendError(sendLineError());
  updateSendButton();
}

void ConsoleWidget::updateSendButton() {
  ui_->sendButton->setEnabled(socket_->state() == QAbstractSocket::ConnectedState && sendLineError().isEmpty());
}

bool ConsoleWidget::send() {
  QByteArray bytes;
  if (sendMode() == SendMode::Hex) {
    QString error;
    const auto parsed = parseHex(ui_->sendEdit->text(), &error);
    if (!parsed) {
      showSendError(error);
      return false;
    }
    bytes = *parsed;
  } else {
    bytes = ui_->sendEdit->text().toUtf8();
    if (ui_->newlineCheck->isChecked()) bytes += '\n';
    if (bytes.isEmpty()) {
      showSendError(QStringLiteral("Nothing to send: type some text."));
      return false;
    }
  }
  if (!isConnected()) {
    showSendError(QStringLiteral("Not connected: connect to a server first; nothing was sent."));
    return false;
  }
  const qint64 written = socket_->write(bytes);
  if (written < 0) {
    showSendError(QStringLiteral("Sending failed: %1").arg(socket_->errorString()));
    return false;
  }
  bytesSent_ += written;
  sinceSend_.start();
  showSendError(QString());
  appendEntry(Entry::Sent, QStringLiteral("sent %1").arg(byteCount(written)), &bytes);
  const SentLine line{sendMode(), ui_->sendEdit->text()};
  if (history_.empty() || history_.back().mode != line.mode || history_.back().text != line.text) {
    history_.push_back(line);
    if (history_.size() > static_cast<size_t>(kMaxHistory)) history_.erase(history_.begin());
  }
  historyPos_ = history_.size();
  // Keep the line, selected: Enter sends it again, typing replaces it.
  ui_->sendEdit->selectAll();
  updateCounters();
  return true;
}

std::optional<QByteArray> ConsoleWidget::parseHex(const QString& text, QString* error) {
  const auto fail = [error](const QString& message) -> std::optional<QByteArray> {
    if (error) *error = message;
    return std::nullopt;
  };
  QByteArray out;
  qsizetype i = 0;
  const qsizetype n = text.size();
  while (i < n) {
    if (text[i].isSpace()) {
      ++i;
      continue;
    }
    const qsizetype groupStart = i;
    while (i < n && !text[i].isSpace()) ++i;
    QStringView group = QStringView(text).mid(groupStart, i - groupStart);
    qsizetype column = groupStart + 1;  // 1-based, for people
    if (group.startsWith(QLatin1String("0x"), Qt::CaseInsensitive)) {
      group = group.mid(2);
      column += 2;
      if (group.isEmpty())
        return fail(QStringLiteral("Invalid hex: \"0x\" at column %1 has no digits after it.").arg(groupStart + 1));
    }
    for (qsizetype k = 0; k < group.size(); ++k) {
      if (!isAsciiHexDigit(group[k]))
        return fail(QStringLiteral("Invalid hex: '%1' at column %2 is not a hex digit (0-9, a-f).")
                        .arg(group[k])
                        .arg(column + k));
    }
    if (group.size() % 2 != 0)
      return fail(QStringLiteral("Invalid hex: \"%1\" at column %2 has an odd number of digits; "
                                 "write each byte as two digits (e.g. 0a).")
                      .arg(group.toString())
                      .arg(groupStart + 1));
    out += QByteArray::fromHex(group.toLatin1());
  }
  if (out.isEmpty())
    return fail(QStringLiteral("Nothing to send: type bytes as hex, e.g. 48 65 6c 6c 6f."));
  return out;
}

QString ConsoleWidget::toHex(const QByteArray& bytes) {
  return QString::fromLatin1(bytes.toHex(' '));
}

QString ConsoleWidget::toPrintable(const QByteArray& bytes) {
  QString out;
  out.reserve(bytes.size());
  for (const char ch : bytes) {
    const auto b = static_cast<unsigned char>(ch);
    switch (b) {
      case '\n': out += QLatin1String("\\n"); break;
      case '\r': out += QLatin1String("\\r"); break;
      case '\t': out += QLatin1String("\\t"); break;
      case '\\': out += QLatin1String("\\\\"); break;
      default:
        if (b >= 0x20 && b < 0x7f)
          out += QLatin1Char(static_cast<char>(b));
        else
          out += QStringLiteral("\\x%1").arg(b, 2, 16, QLatin1Char('0'));
    }
  }
  return out;
}

bool ConsoleWidget::eventFilter(QObject* watched, QEvent* event) {
  // Up/Down in the send line walk through what was sent, like a shell.
  if (watched == ui_->sendEdit && event->type() == QEvent::KeyPress) {
    const int key = static_cast<QKeyEvent*>(event)->key();
    if ((key == Qt::Key_Up || key == Qt::Key_Down) && !history_.empty()) {
      if (key == Qt::Key_Up && historyPos_ > 0) --historyPos_;
      if (key == Qt::Key_Down && historyPos_ < history_.size()) ++historyPos_;
      if (historyPos_ < history_.size()) {
        setSendMode(history_[historyPos_].mode);  // a hex line comes back as hex
        ui_->sendEdit->setText(history_[historyPos_].text);
      } else {
        ui_->sendEdit->clear();
      }
      return true;
    }
  }
  return QWidget::eventFilter(watched, event);
}

// ---- Transcript ------------------------------------------------------------------

QString ConsoleWidget::transcriptText() const { return ui_->transcript->toPlainText(); }

void ConsoleWidget::clearTranscript() { ui_->transcript->clear(); }

void ConsoleWidget::appendEntry(Entry kind, const QString& headline, const QByteArray* payload,
                                qint64 totalBytes, QTime stamp) {
  QPlainTextEdit* view = ui_->transcript;
  QScrollBar* bar = view->verticalScrollBar();
  const bool followTail = bar->value() >= bar->maximum() - 2;

  QTextCharFormat timeFmt;
  timeFmt.setForeground(kMuted);
  QTextCharFormat headFmt;
  QTextCharFormat payloadFmt;
  payloadFmt.setForeground(kInk);
  QTextCharFormat tagFmt;
  tagFmt.setForeground(kMuted);
  QString marker;
  switch (kind) {
    case Entry::Sent: headFmt.setForeground(kSentInk); marker = QStringLiteral("→"); break;
    case Entry::Received: headFmt.setForeground(kReceivedInk); marker = QStringLiteral("←"); break;
    case Entry::Error: headFmt.setForeground(kErrorInk); marker = QStringLiteral("✖"); break;
    case Entry::Info: headFmt.setForeground(kMuted); marker = QStringLiteral("·"); break;
  }
  if (kind != Entry::Info) headFmt.setFontWeight(QFont::Bold);

  QTextCursor c(view->document());
  c.movePosition(QTextCursor::End);
  c.beginEditBlock();
  const bool first = view->document()->isEmpty();
  if (!first) c.insertBlock();
  if (!stamp.isValid()) stamp = QTime::currentTime();
  c.insertText(stamp.toString(QStringLiteral("HH:mm:ss.zzz")) + QLatin1String("  "), timeFmt);
  c.insertText(marker + QLatin1Char(' ') + headline, headFmt);

  if (payload && !payload->isEmpty()) {
    const QByteArray shown = payload->left(kMaxShownBytes);
    const QString indent(14, QLatin1Char(' '));
    const QString printable = toPrintable(shown);
    for (qsizetype at = 0; at < printable.size(); at += kTextCharsPerRow) {
      c.insertBlock();
      c.insertText(indent + (at == 0 ? QLatin1String("text  ") : QLatin1String("      ")), tagFmt);
      c.insertText(printable.mid(at, kTextCharsPerRow), payloadFmt);
    }
    for (qsizetype at = 0; at < shown.size(); at += kHexBytesPerRow) {
      c.insertBlock();
      c.insertText(indent + (at == 0 ? QLatin1String("hex   ") : QLatin1String("      ")), tagFmt);
      c.insertText(toHex(shown.mid(at, kHexBytesPerRow)), payloadFmt);
    }
    const qint64 total = std::max<qint64>(totalBytes, payload->size());
    if (total > shown.size()) {
      c.insertBlock();
      c.insertText(indent + QStringLiteral("… %1 more not shown").arg(byteCount(total - shown.size())), tagFmt);
    }
  }
  c.endEditBlock();
  if (followTail) bar->setValue(bar->maximum());
}

// ---- Controls --------------------------------------------------------------------

void ConsoleWidget::updateControls() {
  const QAbstractSocket::SocketState state = socket_->state();
  const bool idle = state == QAbstractSocket::UnconnectedState;
  ui_->hostEdit->setEnabled(idle);
  ui_->portEdit->setEnabled(idle);
  ui_->connectButton->setEnabled(idle && addressValid());
  ui_->disconnectButton->setEnabled(!idle);
  updateSendButton();

  QString text;
  QColor color = kMuted;
  switch (state) {
    case QAbstractSocket::UnconnectedState:
      if (lastError_.isEmpty()) {
        text = QStringLiteral("Disconnected");
      } else {
        text = QStringLiteral("Disconnected: %1").arg(lastError_);
        color = kErrorInk;
      }
      break;
    case QAbstractSocket::HostLookupState: text = QStringLiteral("Looking up %1…").arg(host()); break;
    case QAbstractSocket::ConnectingState:
      text = QStringLiteral("Connecting to %1…").arg(connectedTarget_);
      color = kSentInk;
      break;
    case QAbstractSocket::ConnectedState:
      text = QStringLiteral("Connected to %1").arg(connectedTarget_);
      color = kReceivedInk;
      break;
    case QAbstractSocket::ClosingState: text = QStringLiteral("Closing…"); break;
    default: text = QStringLiteral("—"); break;
  }
  ui_->stateLabel->setText(text);
  setLabelColor(ui_->stateLabel, color);
}

void ConsoleWidget::updateCounters() {
  ui_->countersLabel->setText(
      QStringLiteral("sent %1 · received %2").arg(shortBytes(bytesSent_), shortBytes(bytesReceived_)));
}

}  // namespace rs::gui
