// The app's replay mode (MainWindow with a RecordedFrameSource, ReplayBar), offscreen
// with real widgets, on a recording made as a user makes one: reactorscope-cli
// client --record against a loopback reactorscope-cli server (bounded run).
//   - moving the slider to the middle shows the recording at that time: every live
//     row of the events table has the state and activations recording/Keyframes
//     stateAt(t) computes from the file, and the log shows the file's lines up to t
//     (the CLI's run logs nothing: a writer-made recording with log lines too);
//   - the next-transition button moves to the selected event's next transition
//     (found by scanning the file) and the event stays selected;
//   - "jump to" takes seconds from the start, refuses junk;
//   - a junk file: openRecordingWindow() gives one message box naming the problem
//     and no window; openRecording() says why.
#include <QtTest>

#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProcess>
#include <QRegularExpression>
#include <QSlider>
#include <QTableView>
#include <QToolButton>

#include <fstream>

#include "../engine/CliProcess.h"
#include "EchoLikeRecords.h"
#include "Keyframes.h"
#include "RecordingReader.h"
#include "RecordingWriter.h"
#include "model/EventFilterProxy.h"
#include "model/EventTableModel.h"
#include "widgets/EventsPanel.h"
#include "widgets/MainWindow.h"
#include "widgets/ReplayBar.h"

using namespace rs::gui;

namespace {

QString cliPath() { return QStringLiteral(REACTORSCOPE_CLI_PATH); }

}  // namespace

class TestReplayWindow : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString recorded_;
  rs::recording::RecordingReader reader_;
  int64_t session_ = 0;

  // The file's truth at t: state and activations of every event not freed before t.
  void checkTableAt(MainWindow& w, int64_t t) {
    rs::recording::EventStates states;
    std::string why;
    QVERIFY2(rs::recording::stateAt(reader_, session_, t, states, &why), why.c_str());
    std::map<quint64, std::pair<int, quint64>> expected;  // id -> state, activations
    for (const auto& [id, e] : states.events())
      if (e.state != rs::EventState::Invalid) expected[id] = {static_cast<int>(e.state), e.activations};
    const QAbstractItemModel* model = w.eventsPanel()->proxy()->sourceModel();
    std::map<quint64, std::pair<int, quint64>> shown;
    for (int r = 0; r < model->rowCount(); ++r) {
      const int state = model->index(r, 0).data(EventTableModel::StateRole).toInt();
      if (state == static_cast<int>(rs::EventState::Invalid)) continue;  // freed in the window before t
      shown[model->index(r, EventTableModel::ColId).data().toULongLong()] = {
          state, model->index(r, EventTableModel::ColActivations).data().toULongLong()};
    }
    QVERIFY(!expected.empty());
    QCOMPARE(shown.size(), expected.size());
    QVERIFY(shown == expected);
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    rs::test::CliServer server(cliPath(), {});
    QVERIFY(server.port > 0);
    recorded_ = dir_.filePath("client.rsrec");
    QProcess client;
    // 2 s paced: the slider's middle is a rebuilding seek (> 1 s from the start).
    client.start(cliPath(), {"client", QString("127.0.0.1:%1").arg(server.port), "--connections", "4", "--count",
                             "1000000", "--rate", "2000", "--duration", "2", "--size", "64", "--record", recorded_});
    QVERIFY(client.waitForFinished(60000));
    QCOMPARE(client.exitCode(), 0);
    std::string why;
    QVERIFY2(reader_.open(recorded_.toStdString(), &why), why.c_str());
    QCOMPARE(reader_.sessions().size(), size_t{1});
    session_ = reader_.sessions()[0].id;
  }

  void sliderShowsTheRecordingAtItsTime() {
    QString error;
    auto source = MainWindow::openRecording(recorded_, &error);
    QVERIFY2(source, qPrintable(error));
    MainWindow w(nullptr, std::move(source));
    w.show();
    QVERIFY(w.replayBar());
    QVERIFY(!w.newServerAction()->isEnabled());
    QSlider* slider = w.replayBar()->slider();
    QVERIFY(slider->maximum() > 0);
    slider->setValue(slider->maximum() / 2);
    const int64_t t = w.replaySource()->timeNs();
    QCOMPARE(t, w.replaySource()->firstNs() + int64_t{slider->maximum() / 2} * 1'000'000);
    checkTableAt(w, t);

    // The log: the file's lines up to t, the last one last.
    std::vector<rs::recording::LogEntry> log;
    std::string why;
    QVERIFY(reader_.log(session_, INT64_MIN, t, log, &why));
    const QStringList lines = w.logView()->toPlainText().split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), static_cast<qsizetype>(log.size()));
    if (!log.empty()) QVERIFY2(lines.back().endsWith(QString::fromStdString(log.back().text)), qPrintable(lines.back()));

    // Step: an event with a transition after t, selected, goes to that transition.
    std::vector<rs::TraceRecord> after;
    QVERIFY(reader_.records(session_, t + 1, INT64_MAX, after, &why));
    std::stable_sort(after.begin(), after.end(), [](const auto& a, const auto& b) { return a.tsNs < b.tsNs; });
    std::optional<std::pair<quint64, int64_t>> target;  // id, its next transition
    for (const auto& r : after)
      // (Not an internal event: the Events tab hides those by default, and which
      // event moves first after t depends on the recorded run's timing.)
      if (r.type == rs::TraceType::Transition && r.kind != rs::EventKind::Internal &&
          w.replaySource()->rowOf(static_cast<int>(session_), r.eventId) >= 0) {
        target = std::pair<quint64, int64_t>{r.eventId, r.tsNs};
        break;
      }
    QVERIFY(target);
    QVERIFY(w.eventsPanel()->selectEvent(static_cast<int>(session_), target->first));
    auto* next = w.findChild<QToolButton*>("replayNext");
    QVERIFY(next && next->isEnabled());
    next->click();
    QCOMPARE(w.replaySource()->timeNs(), target->second);
    QCOMPARE(slider->value(), static_cast<int>((target->second - w.replaySource()->firstNs()) / 1'000'000));
    checkTableAt(w, target->second);
    const auto selected = w.eventsPanel()->selectedEvents(1);
    QCOMPARE(selected.size(), size_t{1});
    QCOMPARE(selected.front().second, target->first);

    // Jump to a time: seconds from the start; junk is refused.
    w.replayBar()->jumpField()->setText("0:00.5");
    QTest::keyClick(w.replayBar()->jumpField(), Qt::Key_Return);
    QCOMPARE(w.replaySource()->timeNs(),
             std::min(w.replaySource()->lastNs(), w.replaySource()->firstNs() + 500'000'000));
    checkTableAt(w, w.replaySource()->timeNs());
    double sec = 0;
    QString why2;
    QVERIFY(!ReplayBar::parseOffset("soon", &sec, &why2));
    QVERIFY(why2.contains("not a time"));
  }

  void playAdvancesAndStopsAtTheEnd() {
    QString error;
    MainWindow w(nullptr, MainWindow::openRecording(recorded_, &error));
    w.show();
    ReplayBar* bar = w.replayBar();
    bar->seekTo(w.replaySource()->lastNs() - 200'000'000);
    bar->setSpeed(100);
    bar->setPlaying(true);
    QTRY_VERIFY_WITH_TIMEOUT(!bar->playing(), 30000);  // 0.2 s at 100x: a few frames
    QCOMPARE(w.replaySource()->timeNs(), w.replaySource()->lastNs());
    checkTableAt(w, w.replaySource()->lastNs());
  }

  void logShowsTheLinesUpToT() {
    const QString path = dir_.filePath("logged.rsrec");
    std::vector<rs::TraceRecord> records;
    {
      rs::recording::RecordingWriter writer{rs::recording::RecordingWriterOptions{}};
      std::string why;
      QVERIFY2(writer.open(path.toStdString(), &why), why.c_str());
      rs::recording::testing::EchoLikeRecords gen(3, 40);
      gen.generate(100'000, records);
      const int64_t s = writer.addSession({"client", "logged", 1, records.front().tsNs, ""});
      for (size_t i = 0; i < records.size(); i += 1000) {
        writer.append(s, records.data() + i, std::min<size_t>(1000, records.size() - i));
        writer.addLog(s, records[i].tsNs, i % 3000 == 0 ? 2 : 0, "line " + std::to_string(i / 1000));
      }
      writer.close();
    }
    QString error;
    MainWindow w(nullptr, MainWindow::openRecording(path, &error));
    QVERIFY2(w.replaySource(), qPrintable(error));
    w.show();
    for (const size_t at : {size_t{60'000}, size_t{20'000}, size_t{21'000}}) {  // a jump back, then a step forward
      const int64_t t = records[at].tsNs;
      w.replayBar()->seekTo(t);
      const QStringList lines = w.logView()->toPlainText().split('\n', Qt::SkipEmptyParts);
      QCOMPARE(lines.size(), static_cast<qsizetype>(at / 1000 + 1));
      QVERIFY2(lines.back().endsWith(QString("line %1").arg(at / 1000)), qPrintable(lines.back()));
    }
  }

  void junkFileGivesOneMessage() {
    const QString junk = dir_.filePath("junk.rsrec");
    std::ofstream(junk.toStdString()) << "junk junk junk junk junk junk junk junk junk junk junk junk junk";
    QString error;
    QVERIFY(!MainWindow::openRecording(junk, &error));
    QVERIFY2(error.contains("cannot open recording '" + junk + "'") && error.contains("not a ReactorScope recording"),
             qPrintable(error));
    MainWindow live;
    QVERIFY(live.openRecordingAction());
    QCOMPARE(live.openRecordingWindow(junk), nullptr);
    auto* box = live.findChild<QMessageBox*>("recordingErrorBox");
    QVERIFY(box);
    QVERIFY(box->text().contains("not a ReactorScope recording"));
    box->close();
  }
};

QTEST_MAIN(TestReplayWindow)
#include "tst_replay_window.moc"
