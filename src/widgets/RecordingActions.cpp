#include "widgets/RecordingActions.h"

#include <QAction>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressDialog>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QToolBar>

#include <algorithm>
#include <cstdint>

#include "Exporter.h"
#include "model/AppRecorder.h"
#include "widgets/ExportDialog.h"
#include "widgets/MainWindow.h"
#include "widgets/RecordDialog.h"
#include "widgets/SessionsPanel.h"

namespace rs::gui {

namespace {

constexpr int kStatusIntervalMs = 500;

// The first local file among the drag's URLs, or empty.
QString droppedFile(const QMimeData* mime) {
  if (!mime || !mime->hasUrls()) return {};
  for (const QUrl& url : mime->urls())
    if (url.isLocalFile()) return url.toLocalFile();
  return {};
}

}  // namespace

RecordingActions::RecordingActions(MainWindow* window, QMenu* fileMenu, QToolBar* toolbar)
    : QObject(window), window_(window) {
  if (!window->replaySource()) {
    record_ = new QAction(tr("&Record..."), this);
    record_->setObjectName(QStringLiteral("actionRecord"));
    record_->setCheckable(true);
    record_->setToolTip(tr("Record the live sessions to a file (File > Open recording replays it)"));
    fileMenu->addAction(record_);
    if (toolbar) toolbar->addAction(record_);
    connect(record_, &QAction::toggled, this, &RecordingActions::onRecordToggled);
    recorder_ = std::make_unique<AppRecorder>(window->controller());
    status_ = new QLabel(window);
    status_->setObjectName(QStringLiteral("statusRecording"));
    status_->hide();
    window->statusBar()->addPermanentWidget(status_);
    statusTimer_ = new QTimer(this);
    statusTimer_->setInterval(kStatusIntervalMs);
    connect(statusTimer_, &QTimer::timeout, this, &RecordingActions::updateStatus);
    stopTimer_ = new QTimer(this);
    stopTimer_->setSingleShot(true);
    connect(stopTimer_, &QTimer::timeout, record_, [this] { record_->setChecked(false); });
  }
  export_ = new QAction(tr("&Export..."), this);
  export_->setObjectName(QStringLiteral("actionExport"));
  export_->setToolTip(tr("Export a recording to Perfetto or Chrome trace-event JSON"));
  fileMenu->addAction(export_);
  connect(export_, &QAction::triggered, this, &RecordingActions::openExportDialog);
  window->setAcceptDrops(true);
  window->installEventFilter(this);
}

RecordingActions::~RecordingActions() {
  if (exportThread_.joinable()) exportThread_.join();  // the export is bounded by its file
  if (recorder_ && recorder_->active()) recorder_->stop();
}

void RecordingActions::log(int level, const QString& text) {
  emit logged({{QDateTime::currentDateTime(), static_cast<LogLevel>(level), 0, text}});
}

void RecordingActions::onRecordToggled(bool on) {
  if (!on) {
    stopTimer_->stop();
    if (recordDialog_) recordDialog_->reject();
    if (recorder_->active()) log(0, recorder_->stop());
    updateStatus();
    return;
  }
  if (recorder_->active() || recordDialog_) return;
  const QItemSelectionModel* selection = window_->sessionsPanel()->table()->selectionModel();
  const int selected = selection ? static_cast<int>(selection->selectedRows().size()) : 0;
  recordDialog_ = new RecordDialog(selected, window_);
  recordDialog_->setAttribute(Qt::WA_DeleteOnClose);
  connect(recordDialog_, &QDialog::accepted, this, &RecordingActions::startRecording);
  connect(recordDialog_, &QDialog::rejected, this, [this] {
    if (!recorder_->active()) record_->setChecked(false);
  });
  recordDialog_->open();
}

void RecordingActions::startRecording() {
  std::set<int> only;
  if (recordDialog_->selectedOnly())
    for (const QModelIndex& row : window_->sessionsPanel()->table()->selectionModel()->selectedRows())
      only.insert(row.data(SessionListModel::IdRole).toInt());
  QString error;
  if (!record(recordDialog_->options(), std::move(only), &error)) return;
  if (const double minutes = recordDialog_->stopAfterMinutes(); minutes > 0)
    stopTimer_->start(static_cast<int>(std::min(minutes * 60e3, double{INT32_MAX})));
}

bool RecordingActions::record(const recording::RecordOptions& options, std::set<int> only, QString* error) {
  if (!recorder_) {
    *error = tr("a replay window does not record");
    return false;
  }
  if (!recorder_->start(options, std::move(only), error)) {
    record_->setChecked(false);
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Record"), *error, QMessageBox::Close, window_);
    box->setObjectName(QStringLiteral("recordErrorBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
    log(2, *error);
    return false;
  }
  {
    QSignalBlocker quiet(record_);  // checked without opening the dialog
    record_->setChecked(true);
  }
  log(0, tr("recording to %1").arg(recorder_->status().path));
  statusTimer_->start();
  updateStatus();
  return true;
}

void RecordingActions::updateStatus() {
  const AppRecorder::Status s = recorder_->status();
  if (!s.active) {
    statusTimer_->stop();
    if (record_->isChecked() && !s.error.isEmpty()) {  // a write error stopped it
      const QString line = tr("recording %1 stopped: %2; the sessions go on").arg(s.path, s.error);
      log(2, line);
      status_->setText(tr("recording stopped: %1").arg(s.error));
      status_->setToolTip(line);
      QSignalBlocker quiet(record_);
      record_->setChecked(false);
      return;
    }
    status_->setVisible(!s.error.isEmpty());
    return;
  }
  const QLocale locale;
  status_->setText(tr("● REC %1, %2 records, %3 dropped")
                       .arg(locale.formattedDataSize(s.storedBytes), locale.toString(s.records),
                            locale.toString(s.dropped)));
  status_->setToolTip(s.path);
  status_->setStyleSheet(s.dropped ? QStringLiteral("color:#b06000") : QStringLiteral("color:#c02020"));
  status_->show();
}

void RecordingActions::openExportDialog() {
  if (exportDialog_ || exportRunning()) return;
  exportDialog_ = new ExportDialog(window_->replaySource() ? window_->replaySource()->path() : QString(), window_);
  exportDialog_->setAttribute(Qt::WA_DeleteOnClose);
  connect(exportDialog_, &QDialog::accepted, this, &RecordingActions::startExport);
  exportDialog_->open();
}

void RecordingActions::startExport() {
  const std::string recording = exportDialog_->recordingPath().toStdString();
  const std::string out = exportDialog_->outputPath().toStdString();
  const exporting::ExportFormat format = exportDialog_->format();
  const std::optional<double> from = exportDialog_->fromSec(), to = exportDialog_->toSec();
  progress_ = new QProgressDialog(tr("Exporting %1...").arg(QFileInfo(exportDialog_->recordingPath()).fileName()),
                                  QString(), 0, 0, window_);
  progress_->setObjectName(QStringLiteral("exportProgress"));
  progress_->setWindowTitle(tr("Export"));
  progress_->setMinimumDuration(0);
  progress_->setAttribute(Qt::WA_DeleteOnClose);
  progress_->show();
  exportThread_ = std::thread([this, recording, out, format, from, to] {
    std::string error;
    exporting::ExportRange range;
    exporting::WalkCounts counts;
    const bool ok = exporting::rangeFromOffsets(recording, from, to, &range, &error) &&
                    exporting::exportRecording(recording, format, out, range, &counts, &error);
    const QString message =
        ok ? tr("exported %1 records to %2: %3 tracks, %4 slices, %5 flows")
                 .arg(counts.records)
                 .arg(QString::fromStdString(out))
                 .arg(counts.tracks)
                 .arg(counts.slices)
                 .arg(counts.flows) +
                 (counts.shortSessions.empty() ? QString()
                                               : tr(". Warning: %1").arg(QString::fromStdString(counts.shortSessions)))
           : tr("export failed: %1").arg(QString::fromStdString(error));
    const int level = !ok ? 2 : counts.shortSessions.empty() ? 0 : 1;
    QMetaObject::invokeMethod(this, [this, ok, level, message] { finishExport(ok, level, message); },
                              Qt::QueuedConnection);
  });
}

void RecordingActions::finishExport(bool ok, int level, const QString& message) {
  if (exportThread_.joinable()) exportThread_.join();
  if (progress_) progress_->close();
  log(level, message);
  if (!ok) {
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Export"), message, QMessageBox::Close, window_);
    box->setObjectName(QStringLiteral("exportErrorBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
  }
  emit exportFinished(ok, message);
}

bool RecordingActions::eventFilter(QObject* watched, QEvent* event) {
  if (watched == window_ && event->type() == QEvent::DragEnter) {
    auto* drag = static_cast<QDragEnterEvent*>(event);
    if (!droppedFile(drag->mimeData()).isEmpty()) drag->acceptProposedAction();
    return true;
  }
  if (watched == window_ && event->type() == QEvent::Drop) {
    auto* drop = static_cast<QDropEvent*>(event);
    const QString path = droppedFile(drop->mimeData());
    if (path.isEmpty()) return false;
    drop->acceptProposedAction();
    // After the drop returns (the window opens its own message box if the file is bad).
    QTimer::singleShot(0, window_, [window = window_, path] { window->openRecordingWindow(path); });
    return true;
  }
  return QObject::eventFilter(watched, event);
}

}  // namespace rs::gui
