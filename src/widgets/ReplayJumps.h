// "Jump to" in a replay window, kept out of MainWindow:
//  - a log line of the recording carries its record time (tagLogLine(), on the
//    line's text block); the log view's context menu "Jump to this line's time"
//    (object name "jumpToLogLine") and a double-click on the line seek there;
//  - an events-table row's context menu gets "Jump to previous transition" /
//    "Jump to next transition" ("jumpToPreviousTransition", "jumpToNextTransition"):
//    the event is selected and the replay bar steps to its transition before /
//    after the current time (ReplayBar::stepTransition).
// Lines without a time (the app's own messages) offer nothing.
// Thread contract: GUI thread only; the views and the bar outlive it (Qt siblings
// under the window, created before it).
#pragma once
#include <QObject>

#include <optional>

class QMenu;
class QPlainTextEdit;
class QTextBlock;

namespace rs::gui {

class EventsPanel;
class ReplayBar;

class ReplayJumps : public QObject {
  Q_OBJECT
 public:
  ReplayJumps(QPlainTextEdit* log, EventsPanel* events, ReplayBar* bar, QObject* parent);

  // Marks the log's last line with its record time (after appending it).
  static void tagLogLine(QPlainTextEdit* log, qint64 recordNs);
  static std::optional<qint64> lineTime(const QTextBlock& block);
  // The log view's context menu at a viewport position (the caller owns it; tests).
  QMenu* logMenuAt(const QPoint& viewportPos);
  // Adds the jump actions to an events-table row's context menu.
  void addEventJumps(QMenu* menu, int session, quint64 eventId);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  QPlainTextEdit* log_;
  // The log's viewport, kept apart from log_: the filter also sees the viewport's
  // events while the log is being destroyed, when log_->viewport() is no longer callable.
  QObject* logViewport_;
  EventsPanel* events_;
  ReplayBar* bar_;
};

}  // namespace rs::gui
