// Issue 11's "done when" walk, bounded (200 connections x 3 s instead of 1 000 x 60 s;
// the full walk's figures are in the README): reactorscope-cli records an echo run
// against a loopback server, the recording is reopened as the views' recorded
// FrameSource, the slider goes to second 2, and every view's source data is checked
// against the file as of t:
//   - events table: each live event's state and activations (recording/Keyframes stateAt);
//   - state diagram: the counts per state are those of the live rows;
//   - timelines: every row's transitions lie at or before t, the last 10 ms's are there;
//   - buffers: each connection's current levels are the file's levels at t;
//   - stats / client intervals: the intervals stored up to t, the last one last;
//   - log: the lines up to t;
// then one event is stepped through its next transitions (each step one transition,
// its state the file's) and back; the recording is exported to Perfetto (--from 1
// --to 3) and the generated parser accepts it with a track per connection event.
// (The widgets on the same source: tst_replay_window.)
// The full walk by hand (figures in the README): RS_WALK_CONNECTIONS=1000
// RS_WALK_SECONDS=60 RS_WALK_AT=12 tst_replay_walk (it prints the open and seek times).
#include <QtTest>

#include <QJsonDocument>
#include <QJsonObject>

#include <fstream>
#include <map>
#include <set>

#include "EventStates.h"
#include "Keyframes.h"
#include "RecordedFrameSource.h"
#include "RecordingReader.h"
#include "perfetto_trace.pb.h"

#include "../engine/CliProcess.h"

using namespace rs::recording;
using rs::gui::RecordedFrameSource;

namespace {
QString cliPath() { return QStringLiteral(REACTORSCOPE_CLI_PATH); }
int fromEnv(const char* name, int fallback, int most) {
  const int v = qEnvironmentVariableIntValue(name);
  return v > 0 && v <= most ? v : fallback;
}
// The test's walk (env overrides for the full one, bounded all the same).
const int kConnections = fromEnv("RS_WALK_CONNECTIONS", 200, 1000);
const int kSeconds = fromEnv("RS_WALK_SECONDS", 3, 60);
const int64_t kAtNs = int64_t{fromEnv("RS_WALK_AT", 2, 59)} * 1'000'000'000;
double msSince(const QElapsedTimer& t) { return static_cast<double>(t.nsecsElapsed()) / 1e6; }
}  // namespace

class TestReplayWalk : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString recorded_;
  RecordingReader reader_;
  int64_t session_ = 0;

  EventStates fileStateAt(int64_t t) {
    EventStates states;
    std::string why;
    if (!stateAt(reader_, session_, t, states, &why)) qWarning("stateAt: %s", why.c_str());
    return states;
  }

  // Every live event of the file at t has its row with the file's state and activations.
  void checkRowsAt(const RecordedFrameSource& source, int64_t t) {
    const EventStates states = fileStateAt(t);
    int live = 0;
    for (const auto& [id, e] : states.events()) {
      if (e.state == rs::EventState::Invalid) continue;
      const int row = source.rowOf(static_cast<int>(session_), id);
      QVERIFY2(row >= 0, qPrintable(QString("event %1 has no row").arg(id)));
      QCOMPARE(source.row(row).state, e.state);
      QCOMPARE(quint64{source.row(row).activations}, e.activations);
      ++live;
    }
    QVERIFY2(live >= kConnections, qPrintable(QString::number(live)));
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    rs::test::CliServer server(cliPath(), {});
    QVERIFY(server.port > 0);
    recorded_ = dir_.filePath("walk.rsrec");
    // Bounded: kSeconds, at most 200 000 messages a second.
    const auto r = rs::test::runCli(cliPath(),
                                    {"client", server.target(), "--connections", QString::number(kConnections),
                                     "--duration", QString::number(kSeconds), "--count",
                                     QString::number(200'000 * kSeconds), "--size", "64", "--record", recorded_},
                                    (kSeconds + 60) * 3000);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    std::string why;
    QVERIFY2(reader_.open(recorded_.toStdString(), &why), why.c_str());
    QCOMPARE(reader_.sessions().size(), size_t{1});
    session_ = reader_.sessions()[0].id;
  }

  void everyViewAtSecondTwo() {
    RecordedFrameSource source;
    QString error;
    QElapsedTimer clock;
    clock.start();
    QVERIFY2(source.open(recorded_, &error), qPrintable(error));
    const double openMs = msSince(clock);
    QVERIFY(source.lastNs() - source.firstNs() > kAtNs);
    const int64_t t = source.firstNs() + kAtNs;
    clock.restart();
    QVERIFY2(source.seek(t, &error), qPrintable(error));
    qInfo("walk: %d connections x %d s, %llu records, %lld bytes; open %.1f ms, seek to second %lld %.1f ms",
          kConnections, kSeconds, static_cast<unsigned long long>(reader_.sessions()[0].recordCount),
          static_cast<long long>(QFileInfo(recorded_).size()), openMs, static_cast<long long>(kAtNs / 1'000'000'000),
          msSince(clock));
    QCOMPARE(source.timeNs(), t);

    checkRowsAt(source, t);

    // The diagram counts the live rows by state.
    std::array<qint64, 4> byState{};
    for (int i = 0; i < source.rowCount(); ++i)
      if (source.row(i).state != rs::EventState::Invalid) ++byState[static_cast<int>(source.row(i).state)];
    const rs::gui::DiagramStats diagram = source.diagramStats();
    for (auto s : {rs::EventState::NonPending, rs::EventState::Pending, rs::EventState::Active})
      QCOMPARE(diagram.stateCounts[static_cast<int>(s)], byState[static_cast<int>(s)]);

    // Timelines: nothing after t; every event's transitions in the last 10 ms before t
    // (inside any window a seek ingests) are on its row, the latest last.
    std::map<quint64, int64_t> latest;
    {
      std::vector<rs::TraceRecord> recent;
      std::string why;
      QVERIFY(reader_.records(session_, t - 10'000'000, t, recent, &why));
      for (const auto& r : recent)
        if (r.type == rs::TraceType::Transition) latest[r.eventId] = std::max(latest[r.eventId], r.tsNs);
    }
    for (int i = 0; i < source.rowCount(); ++i) {
      const auto& spans = source.row(i).transitions;
      if (!spans.empty()) QVERIFY(spans.back().tsNs <= t);
      const auto it = latest.find(source.row(i).id);
      if (it == latest.end()) continue;
      QVERIFY(!spans.empty());
      QCOMPARE(spans.back().tsNs, it->second);
    }

    // Buffers: each connection shown has the file's levels at t.
    const EventStates states = fileStateAt(t);
    int compared = 0;
    for (const auto& c : source.connections()) {
      for (int b = 0; b < rs::gui::kDataBufferCount; ++b) {
        const auto buffer = static_cast<rs::BufferId>(static_cast<int>(rs::BufferId::KernelRecv) + b);
        const auto level = states.levels().find(EventStates::levelKey(c.owner, buffer));
        if (level == states.levels().end()) continue;
        QVERIFY2(c.current[static_cast<size_t>(b)] == level->second,
                 qPrintable(QString("owner %1 buffer %2: shown %3, file %4")
                                .arg(c.owner).arg(b).arg(c.current[static_cast<size_t>(b)]).arg(level->second)));
        ++compared;
      }
    }
    QVERIFY2(compared >= kConnections, qPrintable(QString::number(compared)));

    // Stats: the client intervals stored up to t (the figures keep the last 5 s).
    std::vector<ClientInterval> intervals;
    std::string why;
    QVERIFY(reader_.clientIntervals(session_, t - 5'000'000'000, t, intervals, &why));
    QVERIFY(!intervals.empty());
    const auto& figures = source.figures().at(static_cast<int>(session_));
    QCOMPARE(figures.intervals.size(), intervals.size());
    const QJsonObject last = QJsonDocument::fromJson(QByteArray::fromStdString(intervals.back().json)).object();
    QCOMPARE(figures.intervals.back().messages, last.value("messages").toVariant().toULongLong());
    QVERIFY(figures.messagesPerSec > 0);

    // The log: the lines up to t.
    std::vector<LogEntry> log;
    QVERIFY(reader_.log(session_, INT64_MIN, t, log, &why));
    QVector<rs::gui::LogEntry> shown;
    source.logLines(0, &shown);
    QCOMPARE(static_cast<size_t>(shown.size()), log.size());
  }

  void stepAnEventThroughItsTransitions() {
    RecordedFrameSource source;
    QString error;
    QVERIFY2(source.open(recorded_, &error), qPrintable(error));
    const int64_t t = source.firstNs() + kAtNs;
    QVERIFY(source.seek(t, &error));
    // A connection's read event: an Io event with a callback.
    quint64 id = 0;
    for (int i = 0; i < source.rowCount() && !id; ++i)
      if (source.row(i).kind == rs::EventKind::Io && source.row(i).activations > 0) id = source.row(i).id;
    QVERIFY(id);
    const int session = static_cast<int>(session_);
    uint64_t transitions = fileStateAt(t).events().at(id).transitions;
    std::vector<int64_t> visited;
    for (int step = 0; step < 6; ++step) {
      const auto next = source.adjacentTransition(session, id, true, &error);
      QVERIFY2(next, qPrintable(error));
      QVERIFY(*next > source.timeNs());
      QVERIFY(source.seek(*next, &error));
      const auto e = fileStateAt(*next).events().at(id);
      QCOMPARE(e.transitions, transitions + 1);  // one step, one transition
      QCOMPARE(e.lastChangeNs, *next);
      QCOMPARE(source.row(source.rowOf(session, id)).state, e.state);
      transitions = e.transitions;
      visited.push_back(*next);
    }
    const auto back = source.adjacentTransition(session, id, false, &error);
    QVERIFY(back);
    QCOMPARE(*back, visited[visited.size() - 2]);
    QVERIFY(source.seek(*back, &error));
    QCOMPARE(source.row(source.rowOf(session, id)).state, fileStateAt(*back).events().at(id).state);
  }

  void exportsToPerfetto() {
    const QString out = dir_.filePath("walk.pftrace");
    QElapsedTimer clock;
    clock.start();
    const auto r = rs::test::runCli(cliPath(),
                                    {"export", recorded_, "--format", "perfetto", "-o", out, "--from",
                                     QString::number(kAtNs / 1'000'000'000 - 1), "--to",
                                     QString::number(kAtNs / 1'000'000'000 + 1)},
                                    600000);
    qInfo("walk: Perfetto export of 2 s around the seek: %.1f ms, %lld bytes", msSince(clock),
          static_cast<long long>(QFileInfo(out).size()));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    std::ifstream in(out.toStdString(), std::ios::binary);
    perfetto::protos::Trace trace;
    QVERIFY(trace.ParseFromIstream(&in));
    std::set<uint64_t> tracks;
    int slices = 0;
    for (const auto& p : trace.packet()) {
      if (p.has_track_descriptor()) tracks.insert(p.track_descriptor().uuid());
      if (p.has_track_event() && p.track_event().type() == perfetto::protos::TrackEvent::TYPE_SLICE_BEGIN) {
        QVERIFY(tracks.count(p.track_event().track_uuid()));
        ++slices;
      }
    }
    QVERIFY2(tracks.size() >= static_cast<size_t>(2 * kConnections), qPrintable(QString::number(tracks.size())));
    QVERIFY(slices > 1000);
  }
};

QTEST_GUILESS_MAIN(TestReplayWalk)
#include "tst_replay_walk.moc"
