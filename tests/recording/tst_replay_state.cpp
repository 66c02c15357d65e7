// Replay state: EventStates (a keyframe's contents) round-trips and refuses bad
// blobs with a message; KeyframeMaker + stateAt() give, for any t, exactly the
// state of applying every record up to t from the start (a keyframe holds the
// records before its time, never one twice), reading only the blocks after the
// keyframe; keyframes also come every maxRecords records (the bound on a seek's
// replay at busy times), never between two records of the same time; the reader's
// decoded-block cache gives the same records without decoding them again; the writer's time ring (keepLastNs) keeps the last window of blocks,
// keyframes, log lines and intervals and counts what is left.
#include <QtTest>

#include <functional>
#include <random>

#include "EchoLikeRecords.h"
#include "EventStates.h"
#include "Keyframes.h"
#include "RecordingReader.h"
#include "RecordingWriter.h"

using rs::TraceRecord;
using namespace rs::recording;

namespace {

bool sameStates(const EventStates& a, const EventStates& b) { return a.encode() == b.encode(); }

std::vector<TraceRecord> echoLike(uint64_t seed, size_t n) {
  std::vector<TraceRecord> out;
  testing::EchoLikeRecords gen(seed, 50);
  gen.generate(n, out);
  return out;
}

SessionInfo info() { return SessionInfo{"client", "replay", 1, 0, ""}; }

// Opens `writer` on `path` with the one session it records (*session); false
// with *error when it does not open.
bool openWithSession(RecordingWriter& writer, const QString& path, int64_t* session, std::string* error) {
  if (!writer.open(path.toStdString(), error)) return false;
  *session = writer.addSession(info());
  return true;
}

// Writes `records` to `path` (one session, 4096-record blocks) with keyframes
// from KeyframeMaker(intervalNs, maxRecords), fed in batches of nextBatch()
// records as a drain would. The session's id in *session, how many keyframes
// were made in *keyframesMade; false with *error when the file does not open
// or a record was dropped.
bool writeWithKeyframes(const QString& path, const std::vector<TraceRecord>& records, int64_t intervalNs,
                        uint64_t maxRecords, const std::function<size_t()>& nextBatch, int64_t* session,
                        uint64_t* keyframesMade, std::string* error) {
  RecordingWriterOptions options;
  options.blockRecords = 4096;
  RecordingWriter writer(options);
  int64_t s = 0;
  if (!openWithSession(writer, path, &s, error)) return false;
  KeyframeMaker maker(intervalNs, [&](int64_t ts, std::vector<uint8_t> state, KeyframeSource) {
    writer.addKeyframe(s, ts, std::move(state));
  }, maxRecords);
  for (size_t i = 0; i < records.size();) {
    const size_t n = std::min(records.size() - i, nextBatch());
    maker.feed(records.data() + i, n);
    writer.append(s, records.data() + i, n);
    i += n;
  }
  writer.close();
  *session = s;
  *keyframesMade = maker.keyframesMade();
  if (writer.dropped() != 0) *error = std::to_string(writer.dropped()) + " records dropped";
  return writer.dropped() == 0;
}

// A seek to tNs (stateAt, *cost its cost) gives exactly the state of applying
// every record up to tNs from the start; false with *error saying which failed.
bool seekEqualsReplay(RecordingReader& reader, int64_t session, const std::vector<TraceRecord>& records, int64_t tNs,
                      SeekCost* cost, std::string* error) {
  EventStates seek;
  if (!stateAt(reader, session, tNs, seek, error, cost)) return false;
  EventStates full;
  for (const auto& r : records)
    if (r.tsNs <= tNs) full.apply(r);
  if (sameStates(seek, full)) return true;
  *error = "the seek's state differs from a replay from the start";
  return false;
}

}  // namespace

class TestReplayState : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private slots:
  void eventStatesRoundTrip() {
    EventStates s;
    const auto records = echoLike(1, 20'000);
    s.apply(records.data(), records.size());
    QVERIFY(!s.events().empty() && !s.levels().empty());
    QVERIFY(std::any_of(s.events().begin(), s.events().end(), [](const auto& e) { return e.second.activations > 0; }));
    const auto blob = s.encode();
    EventStates back;
    std::string error;
    QVERIFY2(back.decode(blob.data(), blob.size(), &error), error.c_str());
    QVERIFY(sameStates(s, back));
    QCOMPARE(back.recordsApplied(), quint64{records.size()});
    // Activations are transitions into Active (the events table's count).
    uint64_t begun = 0;
    for (const auto& r : records)
      begun += r.type == rs::TraceType::Transition && r.to == rs::EventState::Active && r.from != rs::EventState::Active;
    uint64_t activations = 0;
    for (const auto& [id, e] : back.events()) activations += e.activations;
    QCOMPARE(activations, begun);
  }

  void eventStatesRefuseBadBlobs() {
    EventStates s;
    const auto records = echoLike(2, 2000);
    s.apply(records.data(), records.size());
    const auto blob = s.encode();
    std::string error;
    EventStates out;
    QVERIFY(!out.decode(blob.data(), 10, &error));
    QCOMPARE(QString::fromStdString(error), QString("bad keyframe: shorter than its header"));
    auto wrong = blob;
    wrong[0] = 'X';
    QVERIFY(!out.decode(wrong.data(), wrong.size(), &error));
    QVERIFY(QString::fromStdString(error).contains("wrong magic"));
    QVERIFY(!out.decode(blob.data(), blob.size() - 1, &error));
    QVERIFY(QString::fromStdString(error).contains("does not match its counts"));
    auto huge = blob;
    for (int i = 4; i < 12; ++i) huge[size_t(i)] = 0xff;
    QVERIFY(!out.decode(huge.data(), huge.size(), &error));
    QVERIFY(QString::fromStdString(error).contains("more entries"));
    auto badEnum = blob;
    badEnum[28 + 9] = 99;  // the first event's state
    QVERIFY(!out.decode(badEnum.data(), badEnum.size(), &error));
    QVERIFY(QString::fromStdString(error).contains("out of range"));
    // Two events swapped: out of order.
    if (s.events().size() >= 2) {
      auto swapped = blob;
      std::swap_ranges(swapped.begin() + 28, swapped.begin() + 28 + 59, swapped.begin() + 28 + 59);
      QVERIFY(!out.decode(swapped.data(), swapped.size(), &error));
      QVERIFY2(QString::fromStdString(error).contains("out of order"), error.c_str());
    }
    // The stored form: a zstd frame around the table.
    const auto packed = packKeyframe(blob);
    QVERIFY(packed.size() < blob.size());
    std::vector<uint8_t> table;
    QVERIFY(unpackKeyframe(packed.data(), packed.size(), table, &error));
    QVERIFY(table == blob);
    QVERIFY(!unpackKeyframe(packed.data(), packed.size() - 1, table, &error));
    QVERIFY(table.empty() && QString::fromStdString(error).startsWith("bad keyframe: "));
    QVERIFY(!unpackKeyframe(blob.data(), blob.size(), table, &error));
    QVERIFY(QString::fromStdString(error).contains("not a zstd frame"));
    // Random mutations never crash and either decode or say why.
    std::mt19937 rng(7);
    for (int round = 0; round < 2000; ++round) {
      auto m = blob;
      for (int k = 0; k < 4; ++k) m[rng() % m.size()] = static_cast<uint8_t>(rng());
      m.resize(rng() % 2 ? m.size() : rng() % m.size());
      std::string why;
      if (!out.decode(m.data(), m.size(), &why)) QVERIFY(!why.empty());
    }
  }

  void seekEqualsReplayFromTheStart() {
    const QString path = dir_.filePath("seek.rsrec");
    const auto records = echoLike(3, 400'000);
    // Keyframes every 10 ms of record time, fed in uneven batches.
    std::mt19937 rng(11);
    int64_t s = 0;
    uint64_t keyframes = 0;
    std::string error;
    QVERIFY2(writeWithKeyframes(path, records, 10'000'000, KeyframeMaker::kDefaultMaxRecords,
                                [&] { return size_t{1} + rng() % 9000; }, &s, &keyframes, &error),
             error.c_str());

    RecordingReader reader;
    QVERIFY2(reader.open(path.toStdString(), &error), error.c_str());
    const int64_t first = records.front().tsNs, last = records.back().tsNs;
    int usedKeyframe = 0;
    for (int k = 0; k <= 20; ++k) {
      const int64_t t = first - 1 + (last - first + 2) * k / 20;
      SeekCost cost;
      QVERIFY2(seekEqualsReplay(reader, s, records, t, &cost, &error), qPrintable(QString("step %1: %2").arg(k).arg(error.c_str())));
      if (cost.keyframeTsNs) {
        ++usedKeyframe;
        // A seek reads the blocks after its keyframe, not the recording.
        QVERIFY(cost.recordsReplayed < records.size() / 10);
      }
    }
    QVERIFY(usedKeyframe >= 15);
  }

  void keyframesByRecordCountBoundTheReplay() {
    const QString path = dir_.filePath("count.rsrec");
    auto records = echoLike(4, 300'000);
    // Runs of equal times (a coarse clock): a keyframe must not cut inside one.
    for (size_t i = 1; i < records.size(); ++i)
      if (i % 3 != 0) records[i].tsNs = records[i - 1].tsNs;
    constexpr uint64_t kEvery = 5000;
    // The time bound is out of reach (1000 s): every keyframe is the count's.
    int64_t s = 0;
    uint64_t keyframes = 0;
    std::string error;
    QVERIFY2(writeWithKeyframes(path, records, 1'000'000'000'000, kEvery, [] { return size_t{7000}; }, &s, &keyframes,
                                &error),
             error.c_str());
    QVERIFY2(keyframes >= records.size() / kEvery - 1 && keyframes <= records.size() / kEvery,
             qPrintable(QString::number(keyframes)));
    RecordingReader reader;
    QVERIFY2(reader.open(path.toStdString(), &error), error.c_str());
    std::mt19937_64 rng(5);
    const int64_t first = records.front().tsNs, last = records.back().tsNs;
    for (int k = 0; k < 25; ++k) {
      const int64_t t = first + static_cast<int64_t>(rng() % static_cast<uint64_t>(last - first + 1));
      SeekCost cost;
      QVERIFY2(seekEqualsReplay(reader, s, records, t, &cost, &error), qPrintable(QString("seek %1: %2").arg(k).arg(error.c_str())));
      // At most kEvery records, plus the rest of a run of equal times.
      if (cost.keyframeTsNs) QVERIFY2(cost.recordsReplayed <= kEvery + 3, qPrintable(QString::number(cost.recordsReplayed)));
    }
  }

  void decodedBlocksAreCached() {
    const QString path = dir_.filePath("cache.rsrec");
    RecordingWriterOptions options;
    options.blockRecords = 2000;
    RecordingWriter writer(options);
    std::string error;
    int64_t s = 0;
    QVERIFY2(openWithSession(writer, path, &s, &error), error.c_str());
    const auto records = echoLike(6, 60'000);
    writer.append(s, records.data(), records.size());
    writer.close();
    RecordingReader reader;
    QVERIFY2(reader.open(path.toStdString(), &error), error.c_str());
    const int64_t from = records[10'000].tsNs, to = records[20'000].tsNs;
    std::vector<TraceRecord> once, again, wider;
    QVERIFY(reader.records(s, from, to, once, &error));
    QVERIFY(reader.lastBlocksDecoded() >= 5);
    QCOMPARE(reader.lastBlocksDecoded(), reader.lastBlocksRead());
    QVERIFY(reader.records(s, from, to, again, &error));
    QCOMPARE(reader.lastBlocksDecoded(), size_t{0});  // every block from the cache
    QVERIFY(again.size() == once.size() && std::equal(once.begin(), once.end(), again.begin(), [](const auto& a, const auto& b) {
              return a.tsNs == b.tsNs && a.eventId == b.eventId && a.type == b.type && a.value == b.value;
            }));
    // A wider range decodes only the blocks it adds.
    QVERIFY(reader.records(s, from, records[30'000].tsNs, wider, &error));
    QVERIFY(reader.lastBlocksDecoded() > 0 && reader.lastBlocksDecoded() < reader.lastBlocksRead());
    size_t expected = 0;
    for (const auto& r : records) expected += r.tsNs >= from && r.tsNs <= records[30'000].tsNs;
    QCOMPARE(wider.size(), expected);
  }

  void timeRingKeepsTheLastWindow() {
    const QString path = dir_.filePath("ring.rsrec");
    RecordingWriterOptions options;
    options.blockRecords = 1000;
    options.keepLastNs = 20'000'000;  // 20 ms of record time
    options.ringMode = true;
    RecordingWriter writer(options);
    std::string error;
    int64_t s = 0;
    QVERIFY2(openWithSession(writer, path, &s, &error), error.c_str());
    const auto records = echoLike(4, 200'000);
    for (size_t i = 0; i < records.size(); i += 1000) {
      const size_t n = std::min<size_t>(1000, records.size() - i);
      writer.append(s, records.data() + i, n);
      writer.addLog(s, records[i].tsNs, 0, "line");
      writer.addKeyframe(s, records[i].tsNs, {1, 2, 3});
    }
    writer.close();
    QCOMPARE(writer.dropped(), quint64{0});
    RecordingReader reader;
    QVERIFY(reader.open(path.toStdString(), &error));
    std::vector<TraceRecord> back;
    QVERIFY(reader.records(s, INT64_MIN, INT64_MAX, back, &error));
    QVERIFY(!back.empty() && back.size() < records.size() / 2);
    QCOMPARE(reader.sessions()[0].recordCount, quint64{back.size()});
    const int64_t lastTs = records.back().tsNs;
    // What is kept is the tail of the stream: every block ending within the window.
    QVERIFY(std::equal(back.begin(), back.end(), records.end() - static_cast<long>(back.size()),
                       [](const TraceRecord& a, const TraceRecord& b) { return a.tsNs == b.tsNs; }));
    QVERIFY(back.front().tsNs >= lastTs - 20'000'000 - reader.sessions()[0].maxBlockSpanNs);
    std::vector<LogEntry> log;
    QVERIFY(reader.log(s, INT64_MIN, INT64_MAX, log, &error));
    QVERIFY(!log.empty() && log.size() < records.size() / 2000);
    QVERIFY(log.front().tsNs >= lastTs - 20'000'000 - reader.sessions()[0].maxBlockSpanNs);
  }
};

QTEST_GUILESS_MAIN(TestReplayState)
#include "tst_replay_state.moc"
