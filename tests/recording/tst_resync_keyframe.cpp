// A resync from an engine snapshot becomes a keyframe (issue 11): the app's
// recorder hands SessionTee the snapshot the live view resynced from after its
// trace ring dropped records. Records that lost transitions (event 2's activation,
// event 3's delete; event 4's records all lost) then the snapshot with the true
// states, handed over after records past its time were fed (as the app drains
// them first) and after a keyframe was cut past it:
//   - the file has a keyframe at the snapshot's time marked as a resync
//     (snapshotKeyframes), holding the snapshot's states; the keyframe cut past it
//     was made again from the snapshot; keyframes made later derive from it; a
//     record older than the snapshot fed after it (event 3's activation, drained
//     late) changes no state (the live view's rule); the event seen only in the
//     snapshot is described with its label;
//   - stateAt() at and after the snapshot's time gives the snapshot's states plus
//     the records after it; before it, what the records said;
//   - RecordedFrameSource shows the snapshot's states after it, whether a seek's
//     window crosses the resync, a forward step crosses it, or the seek lands past
//     it; before it, the records' states;
//   - without kept records (a tee not built for resyncs) the keyframe at the
//     snapshot's time is still the snapshot's;
//   - a version 1 file (no keyframes.source) still opens and replays; a version 2
//     file without the column is refused naming it.
#include <QtTest>

#include <map>

#include "Keyframes.h"
#include "RecordedFrameSource.h"
#include "RecordingReader.h"
#include "RecordingWriter.h"
#include "SessionTee.h"
#include "SqliteDb.h"

using rs::EventKind;
using rs::EventState;
using rs::TraceCause;
using rs::TraceRecord;
using namespace rs::recording;
using rs::gui::RecordedFrameSource;

namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kT0 = 1'000'000'000;
constexpr int64_t kTakenNs = kT0 + 600 * kMs;  // the snapshot's time
constexpr uint64_t kFiller = 9;                // a timer firing every ms: keyframes and blocks throughout

TraceRecord transition(int64_t tsNs, uint64_t id, EventState from, EventState to, TraceCause cause) {
  TraceRecord r;
  r.tsNs = tsNs;
  r.eventId = id;
  r.kind = id == kFiller ? EventKind::Timer : EventKind::Io;
  r.fd = id == kFiller ? -1 : static_cast<int32_t>(id + 10);
  r.owner = id == kFiller ? 0 : static_cast<uint32_t>(id);
  r.from = from;
  r.to = to;
  r.cause = cause;
  return r;
}

// What the engine's snapshot says at kTakenNs: events 1 and 2 active, 3 deleted
// (non-pending), 4 pending (its records were all lost); the filler pending.
SnapshotEvents trueStates() {
  SnapshotEvents events;
  const auto add = [&](uint64_t id, EventState state, uint64_t activations) {
    EventSnapshot e;
    e.kind = id == kFiller ? EventKind::Timer : EventKind::Io;
    e.fd = id == kFiller ? -1 : static_cast<int32_t>(id + 10);
    e.owner = id == kFiller ? 0 : static_cast<uint32_t>(id);
    e.state = state;
    e.activations = activations;
    events.emplace_back(id, e);
  };
  add(1, EventState::Active, 1);
  add(2, EventState::Active, 1);
  add(3, EventState::NonPending, 0);
  add(4, EventState::Pending, 0);
  add(kFiller, EventState::Pending, 0);
  return events;
}

// The recorded records up to 2 s: the filler every ms; 1, 2, 3 added; 1 activated;
// 2's activation and 3's delete lost. After the snapshot: 1 goes back to pending at +100 ms.
std::vector<TraceRecord> lossyRecords() {
  std::vector<TraceRecord> records;
  for (int64_t ms = 0; ms < 2000; ++ms) {
    const int64_t t = kT0 + ms * kMs;
    if (ms == 1) records.push_back(transition(t + 1, 1, EventState::NonPending, EventState::Pending, TraceCause::Add));
    if (ms == 2) records.push_back(transition(t + 1, 2, EventState::NonPending, EventState::Pending, TraceCause::Add));
    if (ms == 3) records.push_back(transition(t + 1, 3, EventState::NonPending, EventState::Pending, TraceCause::Add));
    if (ms == 10)
      records.push_back(transition(t + 1, 1, EventState::Pending, EventState::Active, TraceCause::ReadyRead));
    if (ms == 700)
      records.push_back(transition(t + 1, 1, EventState::Active, EventState::Pending, TraceCause::Dispatch));
    records.push_back(transition(t, kFiller, EventState::Pending, EventState::Pending, TraceCause::Add));
  }
  return records;
}

std::map<uint64_t, EventState> statesAt(RecordingReader& reader, int64_t session, int64_t tNs) {
  EventStates states;
  std::string why;
  if (!stateAt(reader, session, tNs, states, &why)) qFatal("stateAt: %s", why.c_str());
  std::map<uint64_t, EventState> out;
  for (const auto& [id, e] : states.events()) out[id] = e.state;
  return out;
}

// A state as text for QCOMPARE (rs::toString's static strings are not QTest's to free).
QString name(EventState state) { return QString::fromLatin1(rs::toString(state)); }

EventState rowState(const RecordedFrameSource& source, int session, uint64_t id) {
  const int row = source.rowOf(session, id);
  return row < 0 ? EventState::Invalid : source.row(row).state;
}

void execSql(const std::string& path, const char* sql) {
  Db db;
  std::string error;
  if (!db.open(path, Db::Mode::ReadWrite, &error) || !db.exec(sql, &error)) qFatal("sql failed: %s", error.c_str());
}

}  // namespace

class TestResyncKeyframe : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string path_;  // the recording with a resync (initTestCase)
  bool rebuilt_ = false;

  // Records [begin, end) of `records` into the tee in 10 ms batches.
  static void feed(SessionTee& tee, const std::vector<TraceRecord>& records, size_t begin, size_t end) {
    const auto describe = [](EventInfo& e) { e.label = "event-" + std::to_string(e.eventId); };
    while (begin < end) {
      const size_t n = std::min<size_t>(end - begin, 10);
      tee.add(records.data() + begin, n, describe);
      begin += n;
    }
  }

  // A recording of lossyRecords() with the snapshot handed over once the records up
  // to `handedAtNs` were fed; keepForResync as the app's tee has it.
  bool record(const std::string& path, int64_t handedAtNs, bool keepForResync, bool lateRecord) {
    RecordingWriterOptions options;
    options.blockRecords = 256;
    RecordingWriter writer(options);
    std::string why;
    if (!writer.open(path, &why)) qFatal("open: %s", why.c_str());
    const int64_t session = writer.addSession(SessionInfo{"server", "resync", 1, kT0, ""});
    SessionTee tee(writer, session, keepForResync);
    const auto records = lossyRecords();
    size_t handed = 0;
    while (handed < records.size() && records[handed].tsNs <= handedAtNs) ++handed;
    feed(tee, records, 0, handed);
    const bool exact = tee.resync(kTakenNs, trueStates(), [](EventInfo& e) {
      if (e.eventId == 4) e.label = "snap-4";
    });
    if (lateRecord) {  // drained late: older than the snapshot, which already holds its effect
      const TraceRecord late = transition(kTakenNs - 5 * kMs, 3, EventState::Pending, EventState::Active,
                                          TraceCause::ReadyRead);
      tee.add(&late, 1, nullptr);
    }
    feed(tee, records, handed, records.size());
    writer.close();
    if (writer.failed()) qFatal("writer: %s", writer.error().c_str());
    return exact;
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    path_ = dir_.filePath("resync.rsrec").toStdString();
    // Handed over 350 ms after it was taken: a keyframe (every 250 ms) was cut past it meanwhile.
    rebuilt_ = record(path_, kTakenNs + 350 * kMs, /*keepForResync=*/true, /*lateRecord=*/true);
  }

  void keyframeAtTheSnapshotHoldsItsStates() {
    QVERIFY(rebuilt_);
    RecordingReader reader;
    std::string why;
    QVERIFY2(reader.open(path_, &why), why.c_str());
    QCOMPARE(reader.meta().formatVersion, 2);
    const int64_t session = reader.sessions().front().id;
    std::vector<int64_t> resyncs;
    QVERIFY2(reader.snapshotKeyframes(session, INT64_MIN, INT64_MAX, resyncs, &why), why.c_str());
    QCOMPARE(resyncs, std::vector<int64_t>{kTakenNs});
    int64_t at = 0;
    std::vector<uint8_t> blob;
    QVERIFY(reader.keyframeAtOrBefore(session, kTakenNs, at, blob, &why));
    QCOMPARE(at, kTakenNs);
    // The event seen only in the snapshot is described, with the recorder's label.
    std::vector<EventInfo> events;
    QVERIFY2(reader.events(session, events, &why), why.c_str());
    std::map<uint64_t, std::string> labels;
    for (const auto& e : events) labels[e.eventId] = e.label;
    QCOMPARE(labels[4], std::string("snap-4"));
    QCOMPARE(labels[2], std::string("event-2"));
  }

  void statesAfterTheSnapshotAreItsStates() {
    RecordingReader reader;
    std::string why;
    QVERIFY2(reader.open(path_, &why), why.c_str());
    const int64_t session = reader.sessions().front().id;
    // Before it: what the records said (2 pending, 3 pending, 4 unknown).
    auto before = statesAt(reader, session, kTakenNs - 10 * kMs);
    QCOMPARE(name(before[2]), name(EventState::Pending));
    QCOMPARE(name(before[3]), name(EventState::Pending));
    QVERIFY(!before.count(4));
    // At it, after it (before, across and well after the keyframes cut past it): the snapshot's,
    // plus event 1's record at +100 ms; the late record older than the snapshot (3 active) changes
    // nothing, in the keyframes made after it either.
    for (const int64_t afterMs : {0, 50, 99, 101, 300, 360, 900, 1390}) {
      auto after = statesAt(reader, session, kTakenNs + afterMs * kMs);
      QCOMPARE(name(after[2]), name(EventState::Active));
      QCOMPARE(name(after[3]), name(EventState::NonPending));
      QCOMPARE(name(after[4]), name(EventState::Pending));
      QCOMPARE(name(after[1]), name(afterMs <= 100 ? EventState::Active : EventState::Pending));
    }
  }

  void replayShowsTheSnapshotsStates() {
    RecordedFrameSource source;
    QString error;
    QVERIFY2(source.open(QString::fromStdString(path_), &error), qPrintable(error));
    const int session = source.sessionTitles().front().first;
    // A seek whose window (100 ms before t) crosses the resync.
    QVERIFY2(source.seek(kTakenNs + 30 * kMs, &error), qPrintable(error));
    QCOMPARE(name(rowState(source, session, 2)), name(EventState::Active));
    QCOMPARE(name(rowState(source, session, 3)), name(EventState::NonPending));
    QCOMPARE(name(rowState(source, session, 4)), name(EventState::Pending));
    QCOMPARE(name(rowState(source, session, 1)), name(EventState::Active));
    // Well past it (the keyframes after it), then back before it.
    QVERIFY2(source.seek(kTakenNs + 1200 * kMs, &error), qPrintable(error));
    QCOMPARE(name(rowState(source, session, 2)), name(EventState::Active));
    QCOMPARE(name(rowState(source, session, 1)), name(EventState::Pending));
    QVERIFY2(source.seek(kTakenNs - 200 * kMs, &error), qPrintable(error));
    QCOMPARE(name(rowState(source, session, 2)), name(EventState::Pending));
    QCOMPARE(name(rowState(source, session, 3)), name(EventState::Pending));
    // Forward steps (play) across it.
    const quint64 generation = source.generation();
    for (int64_t t = kTakenNs - 150 * kMs; t <= kTakenNs + 150 * kMs; t += 20 * kMs)
      QVERIFY2(source.seek(t, &error), qPrintable(error));
    QCOMPARE(source.generation(), generation);  // steps, not seeks
    QCOMPARE(name(rowState(source, session, 2)), name(EventState::Active));
    QCOMPARE(name(rowState(source, session, 3)), name(EventState::NonPending));
    QCOMPARE(name(rowState(source, session, 4)), name(EventState::Pending));
    QCOMPARE(name(rowState(source, session, 1)), name(EventState::Pending));
  }

  void withoutKeptRecordsTheKeyframeIsStillTheSnapshots() {
    const std::string path = dir_.filePath("unkept.rsrec").toStdString();
    QVERIFY(!record(path, kTakenNs, /*keepForResync=*/false, /*lateRecord=*/false));
    RecordingReader reader;
    std::string why;
    QVERIFY2(reader.open(path, &why), why.c_str());
    const int64_t session = reader.sessions().front().id;
    for (const int64_t afterMs : {0, 50, 1000}) {
      auto after = statesAt(reader, session, kTakenNs + afterMs * kMs);
      QCOMPARE(name(after[2]), name(EventState::Active));
      QCOMPARE(name(after[3]), name(EventState::NonPending));
    }
  }

  void versionOneFileStillOpens() {
    const std::string path = dir_.filePath("v1.rsrec").toStdString();
    QVERIFY(record(path, kTakenNs, /*keepForResync=*/true, /*lateRecord=*/false));
    // What a version 1 writer left: no keyframes.source (all its keyframes were the records').
    execSql(path, "ALTER TABLE keyframes DROP COLUMN source; UPDATE meta SET value = '1' WHERE key = 'format_version'");
    RecordingReader reader;
    std::string why;
    QVERIFY2(reader.open(path, &why), why.c_str());
    QCOMPARE(reader.meta().formatVersion, 1);
    std::vector<int64_t> resyncs{1};
    QVERIFY2(reader.snapshotKeyframes(reader.sessions().front().id, INT64_MIN, INT64_MAX, resyncs, &why), why.c_str());
    QVERIFY(resyncs.empty());
    RecordedFrameSource source;
    QString error;
    QVERIFY2(source.open(QString::fromStdString(path), &error), qPrintable(error));
    QVERIFY2(source.seek(kTakenNs + 1000 * kMs, &error), qPrintable(error));
    QVERIFY(source.rowCount() > 0);

    // Version 2 requires the column.
    execSql(path, "UPDATE meta SET value = '2' WHERE key = 'format_version'");
    QVERIFY(!reader.open(path, &why));
    QVERIFY2(QString::fromStdString(why).endsWith("table 'keyframes' has no column 'source'"), why.c_str());
  }
};

QTEST_GUILESS_MAIN(TestResyncKeyframe)
#include "tst_resync_keyframe.moc"
