#include "widgets/ReplayBar.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QSlider>
#include <QStyle>
#include <QToolButton>

#include <algorithm>
#include <cmath>

#include "RecordedFrameSource.h"

namespace rs::gui {

namespace {
constexpr qint64 kNsPerSliderStep = 1'000'000;  // the slider moves in ms
QString seconds(qint64 ns) { return QString::number(static_cast<double>(ns) / 1e9, 'f', 3) + QStringLiteral(" s"); }
}  // namespace

ReplayBar::ReplayBar(RecordedFrameSource* source, QWidget* parent) : QWidget(parent), source_(source) {
  setObjectName(QStringLiteral("replayBar"));
  auto* row = new QHBoxLayout(this);
  row->setContentsMargins(4, 2, 4, 2);
  auto button = [this, row](const char* name, QStyle::StandardPixmap icon, const QString& tip) {
    auto* b = new QToolButton(this);
    b->setObjectName(QString::fromLatin1(name));
    b->setIcon(style()->standardIcon(icon));
    b->setToolTip(tip);
    row->addWidget(b);
    return b;
  };
  play_ = button("replayPlay", QStyle::SP_MediaPlay, tr("Play / pause"));
  play_->setCheckable(true);
  prev_ = button("replayPrev", QStyle::SP_MediaSkipBackward, tr("Previous transition of the selected event"));
  next_ = button("replayNext", QStyle::SP_MediaSkipForward, tr("Next transition of the selected event"));
  speedBox_ = new QComboBox(this);
  speedBox_->setObjectName(QStringLiteral("replaySpeed"));
  speedBox_->setToolTip(tr("Play speed"));
  for (double s : {0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0})
    speedBox_->addItem(QStringLiteral("%1x").arg(s), s);
  speedBox_->setCurrentIndex(speedBox_->findData(1.0));
  row->addWidget(speedBox_);
  slider_ = new QSlider(Qt::Horizontal, this);
  slider_->setObjectName(QStringLiteral("replaySlider"));
  slider_->setRange(0, static_cast<int>(std::min<qint64>((source_->lastNs() - source_->firstNs()) / kNsPerSliderStep,
                                                         INT32_MAX)));
  slider_->setPageStep(1000);
  row->addWidget(slider_, 1);
  time_ = new QLabel(this);
  time_->setObjectName(QStringLiteral("replayTime"));
  time_->setMinimumWidth(time_->fontMetrics().horizontalAdvance(QStringLiteral("0000.000 s / 0000.000 s")));
  row->addWidget(time_);
  jump_ = new QLineEdit(this);
  jump_->setObjectName(QStringLiteral("replayJump"));
  jump_->setPlaceholderText(tr("jump to s"));
  jump_->setToolTip(tr("Jump to a time: seconds from the recording's start (12.5, 12.5s or 0:12.5)"));
  jump_->setMaximumWidth(90);
  row->addWidget(jump_);

  timer_.setInterval(kFrameIntervalMs);
  connect(&timer_, &QTimer::timeout, this, &ReplayBar::onPlayTick);
  connect(play_, &QToolButton::toggled, this, &ReplayBar::setPlaying);
  connect(prev_, &QToolButton::clicked, this, [this] { stepTransition(false); });
  connect(next_, &QToolButton::clicked, this, [this] { stepTransition(true); });
  connect(speedBox_, &QComboBox::currentIndexChanged, this,
          [this](int i) { speed_ = speedBox_->itemData(i).toDouble(); });
  connect(slider_, &QSlider::valueChanged, this,
          [this](int v) { seekTo(source_->firstNs() + static_cast<qint64>(v) * kNsPerSliderStep); });
  connect(jump_, &QLineEdit::returnPressed, this, &ReplayBar::jump);
  setSelectedEvent(std::nullopt);
  showTime();
}

void ReplayBar::seekTo(qint64 tNs) {
  QString error;
  if (!source_->seek(tNs, &error)) {
    setPlaying(false);
    emit seekFailed(error);
    return;
  }
  showTime();
  emit frameChanged();
}

void ReplayBar::showTime() {
  const qint64 offsetNs = source_->timeNs() - source_->firstNs();
  const QSignalBlocker block(slider_);
  slider_->setValue(static_cast<int>(std::min<qint64>(offsetNs / kNsPerSliderStep, INT32_MAX)));
  time_->setText(seconds(offsetNs) + QStringLiteral(" / ") + seconds(source_->lastNs() - source_->firstNs()));
}

void ReplayBar::setSelectedEvent(std::optional<std::pair<int, quint64>> event) {
  selected_ = event;
  prev_->setEnabled(event.has_value());
  next_->setEnabled(event.has_value());
}

bool ReplayBar::stepTransition(bool forward) {
  if (!selected_) return false;
  QString error;
  const std::optional<qint64> t = source_->adjacentTransition(selected_->first, selected_->second, forward, &error);
  if (!error.isEmpty()) emit seekFailed(error);
  if (!t) return false;
  seekTo(*t);
  return true;
}

void ReplayBar::setSpeed(double speed) {
  speed_ = std::clamp(speed, kMinSpeed, kMaxSpeed);
  const int exact = speedBox_->findData(speed_);
  const QSignalBlocker block(speedBox_);
  if (exact >= 0) speedBox_->setCurrentIndex(exact);
}

void ReplayBar::setPlaying(bool on) {
  if (on == timer_.isActive()) return;
  if (on && source_->timeNs() >= source_->lastNs()) seekTo(source_->firstNs());  // play again from the start
  on ? timer_.start() : timer_.stop();
  const QSignalBlocker block(play_);
  play_->setChecked(on);
  play_->setIcon(style()->standardIcon(on ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
}

void ReplayBar::onPlayTick() {
  const auto stepNs = static_cast<qint64>(std::llround(static_cast<double>(kFrameIntervalMs) * 1e6 * speed_));
  seekTo(source_->timeNs() + stepNs);
  if (source_->timeNs() >= source_->lastNs()) setPlaying(false);
}

bool ReplayBar::parseOffset(const QString& text, double* secondsOut, QString* error) {
  static const QRegularExpression form(QStringLiteral(R"(^\s*(?:(\d+):)?(\d+(?:\.\d*)?)\s*s?\s*$)"));
  const auto m = form.match(text);
  if (!m.hasMatch()) {
    if (error) *error = tr("'%1' is not a time: give seconds from the start (12.5, 12.5s or 0:12.5)").arg(text);
    return false;
  }
  *secondsOut = m.captured(1).toDouble() * 60 + m.captured(2).toDouble();
  return true;
}

void ReplayBar::jump() {
  double sec = 0;
  QString error;
  if (!parseOffset(jump_->text(), &sec, &error)) {
    jump_->setToolTip(error);
    jump_->setStyleSheet(QStringLiteral("color:#c02020"));
    return;
  }
  jump_->setStyleSheet(QString());
  seekTo(source_->firstNs() + static_cast<qint64>(std::llround(sec * 1e9)));
}

}  // namespace rs::gui
