// The main window: sessions (dock), events table / timeline / buffers / stats /
// console (tabs), the state diagram (dock), the log (dock) and a status bar.
// One controller tick updates everything once from the frame source: the log, the
// diagram's stats, the selected event's path, the timeline lanes, the buffers and
// stats plots, the status bar.
// Ownership: everything is a Qt child of the window or held by value. The
// controller is created before the views and Qt deletes children in creation
// order, so it goes first (sessions stopped, frame source gone); the views never
// read their source while being destroyed.
// Replay mode (a MainWindow constructed with a RecordedFrameSource): the same
// views read the recording at the replay bar's time; frames come from the bar's
// seeks instead of the controller's ticks; the session commands are off.
// Thread contract: GUI thread only.
#pragma once
#include <QMainWindow>
#include <QPointer>
#include <memory>
#include <vector>

#include "model/SessionController.h"
#include "model/SessionSpec.h"
#include "RecordedFrameSource.h"
#include "widgets/NewClientDialog.h"
#include "widgets/NewServerDialog.h"

namespace Ui {
class MainWindow;
}
class QLabel;
class QPlainTextEdit;
class QDockWidget;
class QToolBar;

namespace rs::gui {

class ProgramSessions;
class BuffersView;
class ConsoleWidget;
class EventsPanel;
class GettingStartedBanner;
class SessionsPanel;
class StateDiagramView;
class StatsView;
class TimelineView;
class ReplayBar;
class RecordingActions;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  // replay: null for a live window, else the recording it shows (replay mode).
  explicit MainWindow(QWidget* parent = nullptr, std::unique_ptr<RecordedFrameSource> replay = nullptr);
  // Opens a recording for a replay window; null with *error ("cannot open recording
  // 'FILE': why") naming what is wrong.
  static std::unique_ptr<RecordedFrameSource> openRecording(const QString& path, QString* error);
  // File > Open recording...: a new replay window (deleted on close), or null after
  // a message box (object name "recordingErrorBox") saying why the file won't open.
  MainWindow* openRecordingWindow(const QString& path);
  RecordedFrameSource* replaySource() const { return replay_.get(); }
  ReplayBar* replayBar() const { return replayBar_; }
  QAction* openRecordingAction() const { return openRecording_; }
  // File > Record / Export..., drag and drop of a recording (RecordingActions).
  RecordingActions* recordingActions() const { return recordingActions_; }
  ~MainWindow() override;

  // Starts the launch sessions; clients aimed at port 0 wait for the first
  // launch server's port.
  void applyLaunchOptions(const LaunchOptions& options);
  void fitToScreen();
  void restoreSettings(bool layoutToo);
  void saveSettings() const;

  SessionController* controller() const { return controller_; }
  // Traced programs (reactorscope-run): not listening until listen() is called (main.cpp).
  ProgramSessions* programs() const { return programs_; }
  SessionsPanel* sessionsPanel() const { return sessions_; }
  EventsPanel* eventsPanel() const { return events_; }
  TimelineView* timeline() const { return timeline_; }
  BuffersView* buffers() const { return buffers_; }
  StatsView* stats() const { return stats_; }
  StateDiagramView* diagram() const { return diagram_; }
  QPlainTextEdit* logView() const { return log_; }
  // The session commands, once each: in the toolbar and the Session menu.
  QToolBar* toolbar() const;
  QAction* newServerAction() const;
  QAction* newClientAction() const;
  QAction* stopAllAction() const;
  // The open New-server / New-client dialog, if any (tests drive them).
  NewServerDialog* serverDialog() const { return serverDialog_; }
  NewClientDialog* clientDialog() const { return clientDialog_; }
  // Wall time of the last tick's view updates (excl. the queued replot).
  qint64 lastViewNs() const { return lastViewNs_; }
  // Quitting (Session > Quit, the window's close button) while sessions run asks
  // first, unless this setting is true ("Don't ask again"). True: go ahead.
  static constexpr const char* kQuitWithoutAskingKey = "quit/withoutAsking";
  bool confirmQuit();
  // Shows the tab whose page has this object name ("<name>Page").
  void showTab(const QString& objectName);
  // Selects the first event whose label matches `pattern` (a regular
  // expression) as soon as the events table has one (--select).
  void selectEventWhenSeen(const QString& pattern);
  // The tab names --tab accepts, in tab order ("events", "timeline", ...).
  static QStringList tabNames();

 public slots:
  void openNewServerDialog();
  void openNewClientDialog();

 protected:
  void closeEvent(QCloseEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void showEvent(QShowEvent* event) override;

 private:
  // Grows the Sessions dock until its table shows kSessionsRowsShown rows (MainWindow.cpp),
  // never shrinks it: when shown and when the Getting started banner makes room;
  // not over a layout restoreSettings() restored.
  void growSessionsDock();
  void onTick();
  void onLog(const QVector<LogEntry>& entries);
  void onSessionStatus(int id, EngineSession::Status status);
  void updateLanes();
  void updateSessionLists();
  void chooseRetention();
  void onReplayFrame();
  const FrameSource& frame() const;

  std::unique_ptr<Ui::MainWindow> ui_;
  std::unique_ptr<RecordedFrameSource> replay_;  // replay mode only
  EventTableModel* replayModel_ = nullptr;        // replay mode: the events table's model (Qt child)
  ReplayBar* replayBar_ = nullptr;
  quint64 replayGeneration_ = 0;
  QAction* openRecording_ = nullptr;
  RecordingActions* recordingActions_ = nullptr;  // Qt child
  SessionController* controller_;  // Qt child
  ProgramSessions* programs_;      // Qt child
  SessionsPanel* sessions_ = nullptr;
  EventsPanel* events_ = nullptr;
  TimelineView* timeline_ = nullptr;
  BuffersView* buffers_ = nullptr;
  StatsView* stats_ = nullptr;
  StateDiagramView* diagram_ = nullptr;
  ConsoleWidget* console_ = nullptr;
  QPlainTextEdit* log_ = nullptr;
  GettingStartedBanner* gettingStarted_ = nullptr;
  QDockWidget* sessionsDock_ = nullptr;
  QDockWidget* diagramDock_ = nullptr;
  QDockWidget* logDock_ = nullptr;
  QLabel* statusConnections_ = nullptr;
  QLabel* statusTransitions_ = nullptr;
  QLabel* statusDrops_ = nullptr;
  QLabel* statusSessions_ = nullptr;
  QPointer<NewServerDialog> serverDialog_;
  QPointer<NewClientDialog> clientDialog_;
  std::vector<LoadClientConfig> pendingClients_;  // waiting for a launch server's port
  int launchServer_ = -1;
  int tick_ = 0;
  quint64 logSeq_ = 0;  // the newest log line shown (FrameSource::logLines)
  qint64 lastViewNs_ = 0;
  bool lanesFromSelection_ = false;
  bool consoleTargetSet_ = false;
  bool layoutRestored_ = false;  // restoreSettings() restored the user's dock layout
  QString pendingSelect_;  // selectEventWhenSeen(), until found
};

}  // namespace rs::gui
