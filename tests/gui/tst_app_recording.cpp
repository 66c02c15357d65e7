// The app's recording commands (RecordingActions), offscreen with real widgets:
//   - Record through the real action: File > Record... opens the dialog, Record
//     starts the AppRecorder on a loopback echo run (server + client sessions of
//     the controller), the status bar counts records, unchecking stops and closes
//     the file; RecordingReader then finds both sessions (kinds server/client,
//     their names), records in each, labelled events, the log lines, the
//     client's per-second intervals (each once); the file
//     opens in a replay window with the same sessions;
//   - a program under reactorscope-run (streaming to the window's listener) is
//     recorded as a "run" session with its callback-labelled events;
//   - "only the selected sessions" records the selected one only; "stop after"
//     ends the recording by itself (the action unchecks);
//   - an unwritable path: one message box naming the file, the action unchecked,
//     the sessions still running;
//   - File > Export... in a replay window: Chrome JSON (parsed, has trace events)
//     and Perfetto (non-empty) written off the GUI thread; an output in a missing
//     directory: a message box naming the error;
//   - a recording dropped on the window opens a replay window; a dropped junk
//     file gives the open-recording message box;
//   - the recorder's work runs off the GUI thread: the file's sessions and records
//     come through its queue; an engine snapshot applied to a recorded session
//     (a resync after the trace ring dropped records) is a warning line in the
//     file's log table at the snapshot's time, with its state counts, and a
//     keyframe at that time (a resync one) holding the snapshot's states, which
//     the replay shows just after it;
//   - a real drop: 2000 timers added at once into a 1024-record trace ring; the
//     live view resyncs; the file has a resync keyframe where every timer is
//     pending (the records before it say fewer), every timer described, and the
//     replay at the end shows every timer pending;
//   - kill -9 of the real app (build/src/reactorscope --record FILE with a
//     loopback server and client) while it records: the file opens with
//     RecordingReader (both sessions, records in them) and `reactorscope-cli info`
//     exits 0 on it;
//   - jump to: a log line's context menu (and a double-click on it) moves the
//     replay to the line's record time; an events-table row's context menu moves
//     it to the event's next / previous transition (what the source's
//     adjacentTransition() says) and selects the event.
// Runs are bounded in count and time; waits are hang guards, not timings.
#include <QtTest>

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMenu>
#include <QProcess>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QRadioButton>
#include <QComboBox>
#include <QPlainTextEdit>
#include <QTableView>
#include <QToolBar>
#include <QTextBlock>

#include <map>
#include <set>

#include "FreshSettings.h"
#include "Keyframes.h"
#include "LoopbackEcho.h"
#include "ProgramFixture.h"
#include "QuietTimers.h"
#include "core/EventBase.h"
#include "core/Event.h"
#include "RecordingReader.h"
#include "model/ProgramSessions.h"
#include "model/EventFilterProxy.h"
#include "model/EventTableModel.h"
#include "model/AppRecorder.h"
#include "widgets/ExportDialog.h"
#include "widgets/MainWindow.h"
#include "widgets/RecordDialog.h"
#include "widgets/EventsPanel.h"
#include "widgets/RecordingActions.h"
#include "widgets/ReplayBar.h"
#include "widgets/ReplayJumps.h"
#include "widgets/SessionsPanel.h"

using namespace rs::gui;
using namespace rs::gui::test;

namespace {

// Shows the window and starts a loopback echo server on its controller; true once it listens.
bool showWithServer(MainWindow& w, LoopbackServer* server) {
  w.show();
  if (!QTest::qWaitForWindowExposed(&w)) return false;
  *server = startListeningServer(*w.controller());
  return server->port != 0;
}

// A bounded client (4 connections, durationSec) against that server.
int startClient(MainWindow& w, const LoopbackServer& server, double durationSec) {
  return startLoopbackClient(*w.controller(), server.port, 4, durationSec);
}

QDialogButtonBox* buttonsOf(QDialog* d) { return d->findChild<QDialogButtonBox*>(); }

// File > Record... through the action and its dialog, to `path`.
void recordTo(MainWindow& w, const QString& path, bool selectedOnly = false, double stopAfterMinutes = 0) {
  RecordingActions* actions = w.recordingActions();
  actions->recordAction()->trigger();
  QTRY_VERIFY(actions->recordDialog() != nullptr);
  RecordDialog* d = actions->recordDialog();
  d->pathEdit()->setText(path);
  if (selectedOnly) d->selectedOnlyButton()->setChecked(true);
  d->stopAfterEdit()->setValue(stopAfterMinutes);
  buttonsOf(d)->button(QDialogButtonBox::Ok)->click();
}

// Records every session to `path` through RecordingActions::record (no dialog).
bool recordAll(RecordingActions* actions, const QString& path, QString* error) {
  rs::recording::RecordOptions options;
  options.path = path.toStdString();
  return actions->record(options, {}, error);
}

}  // namespace

class TestAppRecording : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString recorded_;  // made by recordLoopbackEcho, used by the export and drop cases

 private slots:
  void initTestCase();
  void recordLoopbackEcho();
  void recordSelectedOnly();
  void recordsAProgramSession();
  void lateLabelIsRecorded();
  void unwritablePathIsReported();
  void exportFromReplayWindow();
  void exportErrorIsReported();
  void dropOpensRecording();
  void jumpToFromLogAndTable();
  void resyncIsLogged();
  void realDropsResyncTheRecording();
  void killNineKeepsCommittedBlocks();
};

void TestAppRecording::initTestCase() {
  useFreshSettings(QStringLiteral("tst_app_recording"));
  QVERIFY(dir_.isValid());
}

void TestAppRecording::recordLoopbackEcho() {
  MainWindow w;
  w.resize(1200, 800);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  RecordingActions* actions = w.recordingActions();
  QVERIFY(actions && actions->recordAction());
  QVERIFY(w.toolbar()->actions().contains(actions->recordAction()));
  QVERIFY(w.findChild<QMenu*>(QStringLiteral("menuFile"))->actions().contains(actions->recordAction()));

  const LoopbackServer server = startListeningServer(*w.controller());
  QVERIFY(server.port != 0);
  recorded_ = dir_.filePath(QStringLiteral("app.rsrec"));
  recordTo(w, recorded_);
  QVERIFY(actions->recorder()->active());
  QVERIFY(actions->recordAction()->isChecked());
  const int client = startClient(w, server, 2.0);  // started after Record: recorded too
  QTRY_VERIFY_WITH_TIMEOUT(actions->recorder()->status().records > 1000, 30000);
  QTRY_VERIFY_WITH_TIMEOUT(w.controller()->sessionModel()->session(client)->status == EngineSession::Status::Finished,
                           30000);
  QTRY_VERIFY(actions->statusLabel()->isVisible());
  QVERIFY2(actions->statusLabel()->text().contains(QStringLiteral("REC")), qPrintable(actions->statusLabel()->text()));
  if (const QString shots = qEnvironmentVariable("RS_SCREENSHOT_DIR"); !shots.isEmpty())
    w.grab().save(QDir(shots).filePath(QStringLiteral("app-recording.png")));

  const AppRecorder::Status last = actions->recorder()->status();
  actions->recordAction()->trigger();  // stop
  QVERIFY(!actions->recorder()->active());
  qInfo("recorded >= %llu records (%llu dropped by the writer), %lld B of blocks before the stop; file %lld B",
        static_cast<unsigned long long>(last.records), static_cast<unsigned long long>(last.dropped),
        static_cast<long long>(last.storedBytes), static_cast<long long>(QFileInfo(recorded_).size()));
  QVERIFY(!actions->recordAction()->isChecked());
  QVERIFY(w.controller()->sessionModel()->session(server.id)->status == EngineSession::Status::Running);

  rs::recording::RecordingReader reader;
  std::string why;
  QVERIFY2(reader.open(recorded_.toStdString(), &why), why.c_str());
  QCOMPARE(reader.sessions().size(), size_t{2});
  std::map<std::string, int64_t> byKind;
  for (const auto& s : reader.sessions()) byKind[s.info.kind] = s.id;
  QVERIFY(byKind.count("server") && byKind.count("client"));
  for (const auto& s : reader.sessions()) {
    QVERIFY2(!s.info.name.empty(), s.info.kind.c_str());
    rs::recording::TimeSpan span;
    QVERIFY2(reader.span(s.id, span, &why), why.c_str());
    QVERIFY2(!span.empty, s.info.kind.c_str());
    std::vector<rs::TraceRecord> records;
    QVERIFY2(reader.records(s.id, span.firstNs, span.lastNs, records, &why), why.c_str());
    QVERIFY(!records.empty());
    std::vector<rs::recording::EventInfo> events;
    QVERIFY2(reader.events(s.id, events, &why), why.c_str());
    QVERIFY(!events.empty());
    QVERIFY(std::any_of(events.begin(), events.end(), [](const auto& e) { return !e.label.empty(); }));
  }
  // The client's own log lines (connected, finished) are in its session.
  std::vector<rs::recording::LogEntry> log;
  QVERIFY2(reader.log(byKind["client"], INT64_MIN, INT64_MAX, log, &why), why.c_str());
  QVERIFY(!log.empty());
  // Its per-second intervals, each once.
  std::vector<rs::recording::ClientInterval> intervals;
  QVERIFY2(reader.clientIntervals(byKind["client"], INT64_MIN, INT64_MAX, intervals, &why), why.c_str());
  QVERIFY(!intervals.empty());
  std::set<std::string> distinct;
  for (const auto& iv : intervals) distinct.insert(iv.json);
  QCOMPARE(distinct.size(), intervals.size());

  // The file opens in a replay window with both sessions.
  MainWindow* replay = w.openRecordingWindow(recorded_);
  QVERIFY(replay);
  QCOMPARE(replay->replaySource()->sessionTitles().size(), 2);
  QVERIFY(replay->recordingActions()->recordAction() == nullptr);  // nothing to record in a replay
  replay->close();
  w.controller()->stopAll();
  QTRY_VERIFY_WITH_TIMEOUT(!w.controller()->anyRunning(), 30000);
}

void TestAppRecording::recordSelectedOnly() {
  MainWindow w;
  LoopbackServer server;
  QVERIFY(showWithServer(w, &server));
  w.sessionsPanel()->reveal(server.id);  // selects its row
  const QString path = dir_.filePath(QStringLiteral("selected.rsrec"));
  recordTo(w, path, true, 0.1);  // stops by itself after 6 s
  QVERIFY(w.recordingActions()->recorder()->active());
  const int client = startClient(w, server, 0.5);  // not selected: not recorded
  QTRY_VERIFY_WITH_TIMEOUT(w.controller()->sessionModel()->session(client)->status == EngineSession::Status::Finished,
                           30000);
  QTRY_VERIFY_WITH_TIMEOUT(!w.recordingActions()->recorder()->active(), 60000);
  QVERIFY(!w.recordingActions()->recordAction()->isChecked());
  rs::recording::RecordingReader reader;
  std::string why;
  QVERIFY2(reader.open(path.toStdString(), &why), why.c_str());
  QCOMPARE(reader.sessions().size(), size_t{1});
  QCOMPARE(reader.sessions().front().info.kind, std::string("server"));
  w.controller()->stopAll();
  QTRY_VERIFY_WITH_TIMEOUT(!w.controller()->anyRunning(), 30000);
}

void TestAppRecording::recordsAProgramSession() {
  SKIP_WITHOUT_FIXTURE();
  MainWindow w;
  QTemporaryDir sockets;
  const QString socket = sockets.filePath(QStringLiteral("app.sock"));
  QString error;
  QVERIFY2(w.programs()->listen(socket, &error), qPrintable(error));
  const QString path = dir_.filePath(QStringLiteral("program.rsrec"));
  recordTo(w, path);
  QVERIFY(w.recordingActions()->recorder()->active());

  QProcess run;
  QVERIFY2(startEchoUnderRun(run, socket) != 0, qPrintable(run.errorString() + run.readAllStandardError()));
  QTRY_VERIFY_WITH_TIMEOUT(w.recordingActions()->recorder()->status().records > 0, 20000);
  run.terminate();  // SIGTERM, passed on to the program
  QVERIFY(run.waitForFinished(20000));
  QTRY_VERIFY_WITH_TIMEOUT(!w.programs()->programs().empty() && w.programs()->programs().front()->ended(), 20000);
  w.recordingActions()->recordAction()->trigger();

  rs::recording::RecordingReader reader;
  std::string why;
  QVERIFY2(reader.open(path.toStdString(), &why), why.c_str());
  QCOMPARE(reader.sessions().size(), size_t{1});
  const auto& session = reader.sessions().front();
  QCOMPARE(session.info.kind, std::string("run"));
  QVERIFY2(session.info.name.find("base 1") != std::string::npos, session.info.name.c_str());
  QVERIFY(session.endNs.has_value());
  std::vector<rs::recording::EventInfo> events;
  QVERIFY2(reader.events(session.id, events, &why), why.c_str());
  QVERIFY(std::any_of(events.begin(), events.end(),
                      [](const auto& e) { return e.label.find("accept_cb") != std::string::npos; }));
}

// A traced program's callback message can come after the event's first records
// (a bufferevent's callbacks are set after it exists): the aggregator finds the
// label at a later tick (IngestObserver::labelled) and the event is described
// again in the file with it.
void TestAppRecording::lateLabelIsRecorded() {
  SessionController ctl;
  SessionRow row;
  row.kind = EngineSession::Kind::Program;
  row.title = QStringLiteral("late labels");
  row.status = EngineSession::Status::Running;
  const int session = ctl.addExternalSession(row, QStringLiteral("late"));
  AppRecorder recorder(&ctl);
  const QString path = dir_.filePath(QStringLiteral("late-label.rsrec"));
  rs::recording::RecordOptions options;
  options.path = path.toStdString();
  QString error;
  QVERIFY2(recorder.start(options, {}, &error), qPrintable(error));
  rs::Tracer labels(16);
  rs::TraceRecord r{};
  r.type = rs::TraceType::Transition;
  r.eventId = 7;
  r.kind = rs::EventKind::Io;
  r.fd = 5;
  r.from = rs::EventState::NonPending;
  r.to = rs::EventState::Pending;
  r.cause = rs::TraceCause::Add;
  r.tsNs = 1'000'000;
  ctl.aggregator().ingest(session, &r, 1, &labels);  // no label known yet
  rs::EventInfo info;
  info.id = 7;
  info.fd = 5;
  info.label = "accept_cb[listener]";
  labels.publishInfo(info);
  ctl.aggregator().finishTick(rs::monotonicNowNs());  // the aggregator's retry finds it
  r.from = rs::EventState::Pending;
  r.to = rs::EventState::Active;
  r.cause = rs::TraceCause::ReadyRead;
  r.tsNs = 2'000'000;
  ctl.aggregator().ingest(session, &r, 1, &labels);
  recorder.stop();

  rs::recording::RecordingReader reader;
  std::string why;
  QVERIFY2(reader.open(path.toStdString(), &why), why.c_str());
  QCOMPARE(reader.sessions().size(), size_t{1});
  std::vector<rs::recording::EventInfo> events;
  QVERIFY2(reader.events(reader.sessions().front().id, events, &why), why.c_str());
  const auto seven = std::find_if(events.begin(), events.end(), [](const auto& e) { return e.eventId == 7; });
  QVERIFY(seven != events.end());
  QCOMPARE(seven->label, std::string("accept_cb[listener]"));
}

void TestAppRecording::unwritablePathIsReported() {
  MainWindow w;
  LoopbackServer server;
  QVERIFY(showWithServer(w, &server));
  const QString bad = dir_.filePath(QStringLiteral("no-such-dir/x.rsrec"));
  recordTo(w, bad);
  QMessageBox* box = nullptr;
  QTRY_VERIFY((box = w.findChild<QMessageBox*>(QStringLiteral("recordErrorBox"))) != nullptr);
  QVERIFY2(box->text().contains(QStringLiteral("no-such-dir")), qPrintable(box->text()));
  QVERIFY(!w.recordingActions()->recorder()->active());
  QVERIFY(!w.recordingActions()->recordAction()->isChecked());
  QVERIFY(w.controller()->sessionModel()->session(server.id)->status == EngineSession::Status::Running);
  box->close();
  w.controller()->stopAll();
  QTRY_VERIFY_WITH_TIMEOUT(!w.controller()->anyRunning(), 30000);
}

void TestAppRecording::exportFromReplayWindow() {
  QVERIFY2(!recorded_.isEmpty(), "recordLoopbackEcho made no file");
  MainWindow w;
  MainWindow* replay = w.openRecordingWindow(recorded_);
  QVERIFY(replay);
  RecordingActions* actions = replay->recordingActions();
  for (const auto& [format, name] : {std::pair{1, QStringLiteral("out.json")}, std::pair{0, QStringLiteral("out.pftrace")}}) {
    actions->exportAction()->trigger();
    QTRY_VERIFY(actions->exportDialog() != nullptr);
    ExportDialog* d = actions->exportDialog();
    QCOMPARE(d->recordingPath(), recorded_);
    QVERIFY(d->recordingEdit()->isReadOnly());
    d->formatCombo()->setCurrentIndex(format);
    d->outputEdit()->setText(dir_.filePath(name));
    d->fromEdit()->setText(QStringLiteral("junk"));
    QVERIFY(!buttonsOf(d)->button(QDialogButtonBox::Ok)->isEnabled());
    d->fromEdit()->setText(QStringLiteral("0"));
    QVERIFY2(d->errorText().isEmpty(), qPrintable(d->errorText()));
    QSignalSpy done(actions, &RecordingActions::exportFinished);
    buttonsOf(d)->button(QDialogButtonBox::Ok)->click();
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 60000);
    QVERIFY2(done.front().at(0).toBool(), qPrintable(done.front().at(1).toString()));
    QFile out(dir_.filePath(name));
    QVERIFY(out.open(QIODevice::ReadOnly));
    const QByteArray bytes = out.readAll();
    QVERIFY(!bytes.isEmpty());
    if (format == 1) {
      QJsonParseError error;
      const QJsonDocument doc = QJsonDocument::fromJson(bytes, &error);
      QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
      const QJsonArray events = doc.isArray() ? doc.array() : doc.object().value(QStringLiteral("traceEvents")).toArray();
      QVERIFY(events.size() > 10);
    }
  }
  replay->close();
}

void TestAppRecording::exportErrorIsReported() {
  QVERIFY2(!recorded_.isEmpty(), "recordLoopbackEcho made no file");
  MainWindow w;  // a live window: the recording is picked
  RecordingActions* actions = w.recordingActions();
  actions->exportAction()->trigger();
  QTRY_VERIFY(actions->exportDialog() != nullptr);
  ExportDialog* d = actions->exportDialog();
  QVERIFY(!d->recordingEdit()->isReadOnly());
  QVERIFY(!buttonsOf(d)->button(QDialogButtonBox::Ok)->isEnabled());  // no recording yet
  d->recordingEdit()->setText(recorded_);
  d->outputEdit()->setText(dir_.filePath(QStringLiteral("missing-dir/out.json")));
  QSignalSpy done(actions, &RecordingActions::exportFinished);
  buttonsOf(d)->button(QDialogButtonBox::Ok)->click();
  QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 60000);
  QVERIFY(!done.front().at(0).toBool());
  QMessageBox* box = nullptr;
  QTRY_VERIFY((box = w.findChild<QMessageBox*>(QStringLiteral("exportErrorBox"))) != nullptr);
  QVERIFY2(box->text().contains(QStringLiteral("missing-dir")), qPrintable(box->text()));
  box->close();
}

void TestAppRecording::dropOpensRecording() {
  QVERIFY2(!recorded_.isEmpty(), "recordLoopbackEcho made no file");
  MainWindow w;
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  QVERIFY(w.acceptDrops());
  auto drop = [&](const QString& path) {
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(path)});
    const QPoint at = w.rect().center();
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent dropEvent(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &dropEvent);
    QVERIFY(dropEvent.isAccepted());
  };
  auto replayWindows = [] {
    QList<MainWindow*> out;
    for (QWidget* top : QApplication::topLevelWidgets())
      if (auto* mw = qobject_cast<MainWindow*>(top); mw && mw->replaySource() && mw->isVisible()) out.push_back(mw);
    return out;
  };
  drop(recorded_);
  QTRY_COMPARE(replayWindows().size(), 1);
  QCOMPARE(replayWindows().front()->replaySource()->path(), recorded_);
  replayWindows().front()->close();
  QTRY_COMPARE(replayWindows().size(), 0);

  const QString junk = dir_.filePath(QStringLiteral("junk.rsrec"));
  QFile f(junk);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write("not a recording");
  f.close();
  drop(junk);
  QMessageBox* box = nullptr;
  QTRY_VERIFY((box = w.findChild<QMessageBox*>(QStringLiteral("recordingErrorBox"))) != nullptr);
  QVERIFY(replayWindows().isEmpty());
  box->close();
}

void TestAppRecording::jumpToFromLogAndTable() {
  QVERIFY2(!recorded_.isEmpty(), "recordLoopbackEcho made no file");
  MainWindow w;
  MainWindow* replay = w.openRecordingWindow(recorded_);
  QVERIFY(replay);
  replay->resize(1200, 800);
  replay->show();
  QVERIFY(QTest::qWaitForWindowExposed(replay));
  RecordedFrameSource* source = replay->replaySource();
  ReplayJumps* jumps = replay->findChild<ReplayJumps*>();
  QVERIFY(jumps);
  replay->replayBar()->seekTo(source->lastNs());  // every log line shown
  QPlainTextEdit* log = replay->logView();
  QTRY_VERIFY(log->document()->blockCount() > 1);
  // The first recorded line that is not at the current time.
  QTextBlock line;
  for (QTextBlock b = log->document()->begin(); b.isValid() && !line.isValid(); b = b.next())
    if (const auto t = ReplayJumps::lineTime(b); t && std::clamp(*t, source->firstNs(), source->lastNs()) != source->timeNs())
      line = b;
  QVERIFY2(line.isValid(), qPrintable(log->toPlainText()));
  const qint64 lineNs = std::clamp(*ReplayJumps::lineTime(line), source->firstNs(), source->lastNs());
  const QPoint at = log->cursorRect(QTextCursor(line)).center();
  std::unique_ptr<QMenu> menu(jumps->logMenuAt(at));
  QAction* jump = menu->findChild<QAction*>(QStringLiteral("jumpToLogLine"));
  QVERIFY(jump && jump->isEnabled());
  jump->trigger();
  QCOMPARE(source->timeNs(), lineNs);

  // Double-click: back to the end, then the same line again.
  replay->replayBar()->seekTo(source->lastNs());
  QTRY_VERIFY(log->document()->blockCount() > 1);
  QTextBlock again;
  for (QTextBlock b = log->document()->begin(); b.isValid(); b = b.next())
    if (b.text() == line.text()) again = b;
  QVERIFY(again.isValid());
  log->ensureCursorVisible();
  log->setTextCursor(QTextCursor(again));
  log->ensureCursorVisible();
  QTest::mouseDClick(log->viewport(), Qt::LeftButton, Qt::NoModifier, log->cursorRect(QTextCursor(again)).center());
  QCOMPARE(source->timeNs(), lineNs);

  // An event row: its next transition after the current time, then the previous one.
  replay->replayBar()->seekTo(source->firstNs() + (source->lastNs() - source->firstNs()) / 2);
  EventsPanel* events = replay->eventsPanel();
  QTRY_VERIFY(events->proxy()->rowCount() > 0);
  int row = -1;
  std::optional<qint64> next;
  int session = 0;
  quint64 id = 0;
  for (int r = 0; r < events->proxy()->rowCount() && !next; ++r) {
    session = events->proxy()->data(events->proxy()->index(r, 0), EventTableModel::SessionRole).toInt();
    id = events->proxy()->data(events->proxy()->index(r, EventTableModel::ColId)).toULongLong();
    QString why;
    next = source->adjacentTransition(session, id, true, &why);
    if (next) row = r;
  }
  QVERIFY2(next, "no event has a transition after the middle");
  std::unique_ptr<QMenu> rowMenu(events->contextMenuFor(row));
  QAction* toNext = rowMenu->findChild<QAction*>(QStringLiteral("jumpToNextTransition"));
  QVERIFY(toNext);
  toNext->trigger();
  QCOMPARE(source->timeNs(), *next);
  QVERIFY(!events->selectedEvents(1).empty());
  QCOMPARE(events->selectedEvents(1).front(), std::make_pair(session, id));
  QString why;
  const std::optional<qint64> previous = source->adjacentTransition(session, id, false, &why);
  if (previous) {
    const int selectedRow = events->table()->selectionModel()->selectedRows().value(0).row();
    std::unique_ptr<QMenu> again2(events->contextMenuFor(selectedRow));
    QAction* toPrevious = again2->findChild<QAction*>(QStringLiteral("jumpToPreviousTransition"));
    QVERIFY(toPrevious);
    toPrevious->trigger();
    QCOMPARE(source->timeNs(), *previous);
  }
  replay->close();
}

void TestAppRecording::resyncIsLogged() {
  MainWindow w;
  LoopbackServer server;
  QVERIFY(showWithServer(w, &server));
  const QString path = dir_.filePath(QStringLiteral("resync.rsrec"));
  QString error;
  RecordingActions* actions = w.recordingActions();
  QVERIFY2(recordAll(actions, path, &error), qPrintable(error));
  QVERIFY(actions->recordAction()->isChecked());
  const int client = startClient(w, server, 1.0);
  QTRY_VERIFY_WITH_TIMEOUT(actions->recorder()->status().sessions == 2, 30000);
  // What the controller does after the ring dropped records: the engine's snapshot replaces the states.
  std::vector<rs::EventSnapshot> snapshot(3);
  for (size_t i = 0; i < snapshot.size(); ++i) {
    snapshot[i].id = 900000 + i;
    snapshot[i].state = i == 0 ? rs::EventState::Active : rs::EventState::Pending;
  }
  const qint64 takenNs = rs::monotonicNowNs();
  w.controller()->aggregator().applySnapshot(client, snapshot, takenNs);
  QTRY_VERIFY_WITH_TIMEOUT(w.controller()->sessionModel()->session(client)->status == EngineSession::Status::Finished,
                           30000);
  actions->recordAction()->trigger();  // stop
  QVERIFY(!actions->recorder()->active());

  rs::recording::RecordingReader reader;
  std::string why;
  QVERIFY2(reader.open(path.toStdString(), &why), why.c_str());
  int64_t clientId = -1;
  for (const auto& s : reader.sessions())
    if (s.info.kind == "client") clientId = s.id;
  QVERIFY(clientId >= 0);
  std::vector<rs::recording::LogEntry> log;
  QVERIFY2(reader.log(clientId, INT64_MIN, INT64_MAX, log, &why), why.c_str());
  // (A loaded machine may add real resyncs of its own: this one is the line at takenNs.)
  const auto resync = std::find_if(log.begin(), log.end(), [&](const auto& line) {
    return line.tsNs == takenNs && line.text.find("resync") != std::string::npos;
  });
  QVERIFY(resync != log.end());
  QVERIFY2(resync->text.find("3 events (1 active, 2 pending)") != std::string::npos, resync->text.c_str());
  // The snapshot is a keyframe at its time: its states from then on, in the file and in the replay.
  std::vector<int64_t> resyncs;
  QVERIFY2(reader.snapshotKeyframes(clientId, INT64_MIN, INT64_MAX, resyncs, &why), why.c_str());
  QCOMPARE(std::count(resyncs.begin(), resyncs.end(), int64_t{takenNs}), std::ptrdiff_t{1});
  rs::recording::EventStates states;
  QVERIFY2(rs::recording::stateAt(reader, clientId, takenNs, states, &why), why.c_str());
  for (size_t i = 0; i < snapshot.size(); ++i) {
    const auto e = states.events().find(snapshot[i].id);
    QVERIFY(e != states.events().end());
    QVERIFY(e->second.state == snapshot[i].state);
  }
  RecordedFrameSource replayed;
  QVERIFY2(replayed.open(path, &error), qPrintable(error));
  QVERIFY2(replayed.seek(takenNs + 1'000'000, &error), qPrintable(error));
  const int activeRow = replayed.rowOf(static_cast<int>(clientId), snapshot[0].id);
  QVERIFY(activeRow >= 0);
  QVERIFY(replayed.row(activeRow).state == rs::EventState::Active);
  w.controller()->stopAll();
  QTRY_VERIFY_WITH_TIMEOUT(!w.controller()->anyRunning(), 30000);
}

void TestAppRecording::realDropsResyncTheRecording() {
  constexpr int kTimers = 2000;
  MainWindow w;
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  SessionController* ctl = w.controller();
  const QString path = dir_.filePath(QStringLiteral("real-drops.rsrec"));
  QString error;
  RecordingActions* actions = w.recordingActions();
  QVERIFY2(recordAll(actions, path, &error), qPrintable(error));
  // 2000 quiet timers added at once: 4000 transitions into a 1024-record ring.
  const int id = startQuietTimers(*ctl, kTimers, 1024);
  QVERIFY(waitDropped(*ctl->session(id), 4000 - 1024));
  QVERIFY(QTest::qWaitFor([&] {
    ctl->tick();
    return pendingQuietTimers(*ctl, id) == kTimers;  // the live view resynced
  }, 20000));
  // The records past the snapshot: the loop's next wait begins after it.
  QVERIFY(QTest::qWaitFor([&] {
    ctl->tick();
    const SessionTraceStats* st = ctl->aggregator().sessionStats(id);
    return st && st->waitOpenSinceNs > st->snapshotNs;
  }, 20000));
  actions->recordAction()->trigger();  // stop
  QVERIFY(!actions->recorder()->active());

  rs::recording::RecordingReader reader;
  std::string why;
  QVERIFY2(reader.open(path.toStdString(), &why), why.c_str());
  QCOMPARE(reader.sessions().size(), size_t{1});
  const int64_t session = reader.sessions().front().id;
  std::vector<int64_t> resyncs;
  QVERIFY2(reader.snapshotKeyframes(session, INT64_MIN, INT64_MAX, resyncs, &why), why.c_str());
  QVERIFY(!resyncs.empty());
  std::vector<rs::recording::EventInfo> events;
  QVERIFY2(reader.events(session, events, &why), why.c_str());
  std::set<uint64_t> timerIds;
  for (const auto& e : events)
    if (e.label == kQuietTimerLabel) timerIds.insert(e.eventId);
  QCOMPARE(timerIds.size(), size_t{kTimers});  // described from the snapshot, those whose records were lost too
  const auto pendingAt = [&](int64_t tNs) {
    rs::recording::EventStates states;
    std::string failed;
    if (!rs::recording::stateAt(reader, session, tNs, states, &failed)) qFatal("stateAt: %s", failed.c_str());
    int n = 0;
    for (const auto& [eventId, e] : states.events())
      if (timerIds.count(eventId) && e.state == rs::EventState::Pending) ++n;
    return n;
  };
  const int64_t takenNs = resyncs.front();
  const int fromRecords = pendingAt(takenNs - 1);
  QVERIFY2(fromRecords < kTimers, qPrintable(QStringLiteral("%1 pending before the resync").arg(fromRecords)));
  QCOMPARE(pendingAt(takenNs), kTimers);
  // The replay at the recording's end (past the resync) shows every timer pending, as the live view did.
  RecordedFrameSource replayed;
  QVERIFY2(replayed.open(path, &error), qPrintable(error));
  QVERIFY2(replayed.lastNs() >= takenNs, "no record after the resync");
  QVERIFY2(replayed.seek(replayed.lastNs(), &error), qPrintable(error));
  int replayedPending = 0;
  for (int r = 0; r < replayed.rowCount(); ++r)
    if (timerIds.count(replayed.row(r).id) && replayed.row(r).state == rs::EventState::Pending) ++replayedPending;
  QCOMPARE(replayedPending, kTimers);
  ctl->stopAll();
  QVERIFY(QTest::qWaitFor([&] {
    ctl->tick();
    return !ctl->anyRunning();
  }, 30000));
}

void TestAppRecording::killNineKeepsCommittedBlocks() {
  const QString path = dir_.filePath(QStringLiteral("killed.rsrec"));
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
  env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir_.filePath(QStringLiteral("kill-config")));
  env.insert(QStringLiteral("REACTORSCOPE_APP_SOCKET"), dir_.filePath(QStringLiteral("kill-app.sock")));
  QProcess app;
  app.setProcessEnvironment(env);
  app.setProcessChannelMode(QProcess::ForwardedErrorChannel);
  app.start(QStringLiteral(REACTORSCOPE_APP_PATH),
            {QStringLiteral("--fresh"), QStringLiteral("--server"), QStringLiteral("127.0.0.1:0"),
             QStringLiteral("--client"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--connections"),
             QStringLiteral("4"), QStringLiteral("--duration"), QStringLiteral("60"), QStringLiteral("--record"),
             path});
  QVERIFY(app.waitForStarted(20000));
  // Committed blocks are in the file or its write-ahead log: wait until a reader sees
  // records of both sessions, then a few blocks more (hang guard 60 s).
  const auto readableRecords = [&path](std::set<std::string>* kinds) {
    rs::recording::RecordingReader reader;
    std::string why;
    size_t records = 0;
    if (!reader.open(path.toStdString(), &why)) return records;
    for (const auto& s : reader.sessions()) {
      rs::recording::TimeSpan span;
      std::vector<rs::TraceRecord> got;
      if (!reader.span(s.id, span, &why) || span.empty ||
          !reader.records(s.id, span.firstNs, span.lastNs, got, &why) || got.empty())
        continue;
      kinds->insert(s.info.kind);
      records += got.size();
    }
    return records;
  };
  QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(path), 60000);
  size_t seenBeforeKill = 0;
  QTRY_VERIFY_WITH_TIMEOUT(([&] {
                             std::set<std::string> kinds;
                             seenBeforeKill = readableRecords(&kinds);
                             return kinds.size() == 2 && seenBeforeKill > 100000;
                           }()),
                           60000);
  QCOMPARE(app.state(), QProcess::Running);
  app.kill();  // SIGKILL: nothing closes the file
  QVERIFY(app.waitForFinished(20000));
  QCOMPARE(app.exitStatus(), QProcess::CrashExit);

  rs::recording::RecordingReader reader;
  std::string why;
  QVERIFY2(reader.open(path.toStdString(), &why), why.c_str());
  std::set<std::string> kinds;
  const size_t records = readableRecords(&kinds);
  QVERIFY(kinds.count("server") && kinds.count("client"));
  QVERIFY(records >= seenBeforeKill);  // every block committed before the kill is there
  qInfo("after kill -9: %zu sessions, %zu records readable (%zu seen before the kill)", reader.sessions().size(),
        records, seenBeforeKill);

  QProcess info;
  info.start(QStringLiteral(REACTORSCOPE_CLI_PATH), {QStringLiteral("info"), path});
  QVERIFY(info.waitForFinished(60000));
  QVERIFY2(info.exitStatus() == QProcess::NormalExit && info.exitCode() == 0, info.readAllStandardError().constData());
}

QTEST_MAIN(TestAppRecording)
#include "tst_app_recording.moc"
