// RecordedFrameSource (src/replay): a recording as the views' FrameSource.
//   - at any t the rows' states, activations and callback totals are those of
//     replaying every record up to t (keyframe + window, checked against a full
//     replay), wherever the seek comes from (forward steps, back, long jumps);
//   - the log holds exactly the lines up to t; the figures the client intervals up to t;
//   - the next/previous transition of an event is the recording's;
//   - a file it cannot read is one clear error.
#include <QtTest>

#include <fstream>

#include "EchoLikeRecords.h"
#include "EventStates.h"
#include "Keyframes.h"
#include "RecordedFrameSource.h"
#include "RecordingWriter.h"

using rs::TraceRecord;
using namespace rs::recording;
using rs::gui::RecordedFrameSource;

class TestRecordedFrameSource : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString path_;
  std::vector<TraceRecord> records_;
  int64_t session_ = 0;

  // Every row of `source` against a full replay up to t.
  void checkStatesAt(const RecordedFrameSource& source, int64_t t, int minCompared = 10) {
    EventStates full;
    for (const auto& r : records_)
      if (r.tsNs <= t) full.apply(r);
    int compared = 0;
    for (const auto& [id, e] : full.events()) {
      const int row = source.rowOf(static_cast<int>(session_), id);
      if (e.state == rs::EventState::Invalid) continue;
      QVERIFY2(row >= 0, qPrintable(QString("event %1 has no row at t").arg(id)));
      const auto& r = source.row(row);
      QCOMPARE(r.state, e.state);
      QCOMPARE(quint64{r.activations}, e.activations);
      QCOMPARE(qint64{r.totalCallbackNs}, e.totalCallbackNs);
      ++compared;
    }
    QVERIFY(compared >= minCompared);
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    path_ = dir_.filePath("replay.rsrec");
    RecordingWriterOptions options;
    options.blockRecords = 4096;
    RecordingWriter writer(options);
    std::string error;
    QVERIFY(writer.open(path_.toStdString(), &error));
    testing::EchoLikeRecords gen(5, 40);
    gen.generate(300'000, records_);
    session_ = writer.addSession(SessionInfo{"client", "replayed", 1, records_.front().tsNs, ""});
    KeyframeMaker maker(5'000'000, [&](int64_t ts, std::vector<uint8_t> s, KeyframeSource source) {
      writer.addKeyframe(session_, ts, s, source);
    });
    for (size_t i = 0; i < records_.size(); i += 5000) {
      const size_t n = std::min<size_t>(5000, records_.size() - i);
      maker.feed(records_.data() + i, n);
      writer.append(session_, records_.data() + i, n);
      writer.addLog(session_, records_[i].tsNs, 0, "line " + std::to_string(i / 5000));
      writer.addClientInterval(session_, records_[i].tsNs,
                               "{\"start_s\":0,\"end_s\":1,\"messages\":" + std::to_string(i) + ",\"bytes\":1}");
    }
    writer.close();
    QCOMPARE(writer.dropped(), quint64{0});
  }

  void statesAtAnyTimeMatchAFullReplay() {
    RecordedFrameSource source;
    QString error;
    QVERIFY2(source.open(path_, &error), qPrintable(error));
    QCOMPARE(source.firstNs(), records_.front().tsNs);
    QCOMPARE(source.lastNs(), records_.back().tsNs);
    QCOMPARE(source.originNs(), records_.front().tsNs);
    const int64_t span = source.lastNs() - source.firstNs();
    // Long jumps, back and forth.
    for (int k : {7, 2, 9, 5, 10, 0}) {
      const int64_t t = source.firstNs() + span * k / 10;
      QVERIFY2(source.seek(t, &error), qPrintable(error));
      QCOMPARE(source.timeNs(), t);
      checkStatesAt(source, t, k == 0 ? 0 : 10);
    }
    // Play: short steps forward ingest only what lies between.
    int64_t t = source.firstNs() + span / 3;
    QVERIFY(source.seek(t, &error));
    for (int step = 0; step < 5; ++step) {
      t += 700'000;
      QVERIFY(source.seek(t, &error));
      checkStatesAt(source, t);
    }
  }

  void logAndFiguresStopAtT() {
    RecordedFrameSource source;
    QString error;
    QVERIFY(source.open(path_, &error));
    const int64_t t = records_[150'000].tsNs;
    QVERIFY(source.seek(t, &error));
    QVector<rs::gui::LogEntry> lines;
    source.logLines(0, &lines);
    int expected = 0;
    for (size_t i = 0; i < records_.size(); i += 5000) expected += records_[i].tsNs <= t;
    QCOMPARE(lines.size(), expected);
    QCOMPARE(lines.back().text, QString("line %1").arg(expected - 1));
    const auto& figures = source.figures();
    QCOMPARE(figures.size(), size_t{1});
    QVERIFY(!figures.begin()->second.intervals.empty());
    QCOMPARE(figures.begin()->second.intervals.back().messages, quint64((expected - 1) * 5000));
  }

  void stepsToAdjacentTransitions() {
    RecordedFrameSource source;
    QString error;
    QVERIFY(source.open(path_, &error));
    const int64_t t = records_[100'000].tsNs;
    QVERIFY(source.seek(t, &error));
    // An event with transitions on both sides of t.
    const uint64_t id = records_[100'000].eventId ? records_[100'000].eventId : records_[100'001].eventId;
    std::optional<int64_t> next, prev;
    for (const auto& r : records_) {
      if (r.eventId != id || r.type != rs::TraceType::Transition) continue;
      if (r.tsNs > t && !next) next = r.tsNs;
      if (r.tsNs < t) prev = r.tsNs;
    }
    QVERIFY(next && prev);
    QCOMPARE(source.adjacentTransition(static_cast<int>(session_), id, true, &error), next);
    QCOMPARE(source.adjacentTransition(static_cast<int>(session_), id, false, &error), prev);
    QCOMPARE(source.adjacentTransition(static_cast<int>(session_), 0xdeadbeef, true, &error), std::nullopt);
  }

  void unreadableFileIsAClearError() {
    RecordedFrameSource source;
    QString error;
    const QString junk = dir_.filePath("junk.rsrec");
    std::ofstream(junk.toStdString()) << "junk junk junk junk junk junk junk junk junk junk junk junk junk";
    QVERIFY(!source.open(junk, &error));
    QVERIFY2(error.contains("not a ReactorScope recording"), qPrintable(error));
    QCOMPARE(source.rowCount(), 0);
  }
};

QTEST_GUILESS_MAIN(TestRecordedFrameSource)
#include "tst_recorded_frame_source.moc"
