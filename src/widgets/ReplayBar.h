// The replay bar: the controls of a recording shown in replay mode. A time slider
// over the recording's span (ms steps), play/pause, speed 0.1x-100x, previous/next
// transition of the selected event (RecordedFrameSource::adjacentTransition) and
// a "jump to" field (seconds from the recording's start). Every move seeks the
// source once and emits frameChanged() so the window draws that frame; a seek is
// keyframe-bounded (RecordedFrameSource), so the GUI never waits long. Playing
// steps the time by the frame interval times the speed, once per frame, and stops
// at the end.
// Thread contract: GUI thread only; the source outlives the bar.
#pragma once
#include <QTimer>
#include <QWidget>

#include <optional>
#include <utility>

class QComboBox;
class QLabel;
class QLineEdit;
class QSlider;
class QToolButton;

namespace rs::gui {

class RecordedFrameSource;

class ReplayBar : public QWidget {
  Q_OBJECT
 public:
  explicit ReplayBar(RecordedFrameSource* source, QWidget* parent = nullptr);

  // Shows the recording at tNs (clamped to its span) and emits frameChanged(),
  // or seekFailed() with the reader's message.
  void seekTo(qint64 tNs);
  // The event the step buttons follow (session, id); nullopt disables them.
  void setSelectedEvent(std::optional<std::pair<int, quint64>> event);
  // Steps to the selected event's previous/next transition; false if there is none.
  bool stepTransition(bool forward);
  // Play speed: 0.1 to 100 (times real time).
  static constexpr double kMinSpeed = 0.1, kMaxSpeed = 100.0;
  void setSpeed(double speed);
  double speed() const { return speed_; }
  void setPlaying(bool on);
  bool playing() const { return timer_.isActive(); }
  // Parses "12.5" / "12.5s" / "1:02.5" (seconds from the recording's start); false
  // with *error saying why not.
  static bool parseOffset(const QString& text, double* seconds, QString* error);

  QSlider* slider() const { return slider_; }
  QLineEdit* jumpField() const { return jump_; }

 signals:
  void frameChanged();
  void seekFailed(const QString& message);

 private:
  void onPlayTick();
  void showTime();
  void jump();

  RecordedFrameSource* source_;
  QTimer timer_;
  QSlider* slider_;
  QToolButton* play_;
  QToolButton* prev_;
  QToolButton* next_;
  QComboBox* speedBox_;
  QLineEdit* jump_;
  QLabel* time_;
  double speed_ = 1.0;
  std::optional<std::pair<int, quint64>> selected_;
};

}  // namespace rs::gui
