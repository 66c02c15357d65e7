// The window's recording commands, kept out of MainWindow:
//  - Record (live windows; checkable, toolbar + File menu): RecordDialog, then the
//    AppRecorder records every session (or the selected ones) until unchecked; the
//    status bar shows the file's size, records and drops twice a second; the
//    dialog's "stop after N minutes" unchecks it then; a file that
//    cannot be created shows a message box (object name "recordErrorBox"), a write
//    error later (disk full) stops the recording with a log line and the status bar
//    saying why; the live sessions go on either way.
//    record() does the same without the dialog (the app's --record FILE at launch).
//  - Export... (File menu, every window): ExportDialog, then exporting::exportRecording
//    on a thread of its own (never the GUI thread) behind a busy progress dialog
//    ("exportProgress"); the outcome is a log line, a failure also a message box
//    ("exportErrorBox") naming what failed.
//  - Drag and drop: a file dropped on the window opens in a replay window
//    (MainWindow::openRecordingWindow: a bad file gets its message box).
// Thread contract: GUI thread only; the export thread only runs exportRecording
// and hands its result back through a queued call.
#pragma once
#include <QObject>
#include <QPointer>

#include <atomic>
#include <memory>
#include <set>
#include <thread>

#include "RecordOptions.h"
#include "model/FrameSource.h"
#include "widgets/ExportDialog.h"
#include "widgets/RecordDialog.h"

class QAction;
class QLabel;
class QMenu;
class QProgressDialog;
class QTimer;
class QToolBar;

namespace rs::gui {

class AppRecorder;
class MainWindow;

class RecordingActions : public QObject {
  Q_OBJECT
 public:
  // Adds the actions to `fileMenu` (and Record to `toolbar` in a live window).
  RecordingActions(MainWindow* window, QMenu* fileMenu, QToolBar* toolbar);
  ~RecordingActions() override;

  QAction* recordAction() const { return record_; }  // null in a replay window
  QAction* exportAction() const { return export_; }
  AppRecorder* recorder() const { return recorder_.get(); }
  QLabel* statusLabel() const { return status_; }
  // The open dialogs, if any (tests drive them).
  RecordDialog* recordDialog() const { return recordDialog_; }
  ExportDialog* exportDialog() const { return exportDialog_; }
  bool exportRunning() const { return exportThread_.joinable(); }
  // Starts recording `only` (empty: every session) as the dialog's Record does, the
  // action checked; false after the error's message box and log line (*error says why).
  bool record(const recording::RecordOptions& options, std::set<int> only, QString* error);

 signals:
  // An export finished (ok or not); message is what the log says.
  void exportFinished(bool ok, const QString& message);
  // Lines for the window's log (connected to it by the window).
  void logged(const QVector<rs::gui::LogEntry>& lines);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void onRecordToggled(bool on);
  void startRecording();
  void updateStatus();
  void openExportDialog();
  void startExport();
  void finishExport(bool ok, int level, const QString& message);  // level: as log()'s
  void log(int level, const QString& text);

  MainWindow* window_;
  QAction* record_ = nullptr;
  QAction* export_ = nullptr;
  QLabel* status_ = nullptr;
  QTimer* statusTimer_ = nullptr;
  QTimer* stopTimer_ = nullptr;  // the dialog's duration cap
  std::unique_ptr<AppRecorder> recorder_;
  QPointer<RecordDialog> recordDialog_;
  QPointer<ExportDialog> exportDialog_;
  QPointer<QProgressDialog> progress_;
  std::thread exportThread_;
};

}  // namespace rs::gui
