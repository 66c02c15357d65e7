// recording::SessionTee, the record path every recorder shares (CLI, app,
// reactorscope-run): each event is described once, from its first record (kind,
// fd, owner) plus what the recorder knows (label); redescribe() updates the label
// and callback of an event already seen and keeps its kind, fd and owner; an event
// not seen yet is left to its first record; keyframes come every 250 ms of record
// time and the records all reach the file.
#include <QtTest>

#include "RecordingReader.h"
#include "RecordingWriter.h"
#include "SessionTee.h"

using namespace rs;
using namespace rs::recording;

namespace {

TraceRecord transition(int64_t tsNs, uint64_t id, EventKind kind, int32_t fd, uint32_t owner) {
  TraceRecord r;
  r.tsNs = tsNs;
  r.eventId = id;
  r.kind = kind;
  r.fd = fd;
  r.owner = owner;
  r.from = EventState::NonPending;
  r.to = EventState::Pending;
  r.cause = TraceCause::Add;
  return r;
}

// A recording file in a temporary directory with one "run" session, open for writing.
struct TeeFile {
  QTemporaryDir dir;
  std::string path = dir.filePath("tee.rsrec").toStdString();
  RecordingWriter writer;
  std::string why;  // (what failed)
  int64_t session = 0;
  bool open() {
    if (!writer.open(path, &why)) return false;
    SessionInfo info;
    info.kind = "run";
    info.name = "tee";
    session = writer.addSession(info);
    return true;
  }
};

}  // namespace

class TestSessionTee : public QObject {
  Q_OBJECT
 private slots:
  void describesOnceAndRedescribesKeepingKind() {
    TeeFile file;
    QVERIFY2(file.open(), file.why.c_str());
    SessionTee tee(file.writer, file.session);
    int describeCalls = 0;
    const auto describe = [&](EventInfo& e) {
      ++describeCalls;
      e.label = "first-" + std::to_string(e.eventId);
    };
    std::vector<TraceRecord> records;
    // Two events over 1 s of record time, 1 ms apart.
    for (int i = 0; i < 1000; ++i)
      records.push_back(transition(1'000'000'000 + int64_t{i} * 1'000'000, i % 2 ? 7 : 9,
                                   i % 2 ? EventKind::Timer : EventKind::Io, i % 2 ? -1 : 5, i % 2 ? 0 : 3));
    tee.add(records.data(), 500, describe);
    tee.redescribe(7, "tick_a[timer]", "tick_a");
    tee.redescribe(8, "never-seen", "nobody");  // left to its first record: none comes
    tee.add(records.data() + 500, 500, describe);
    QCOMPARE(describeCalls, 2);
    file.writer.close();
    QVERIFY2(!file.writer.failed(), file.writer.error().c_str());

    RecordingReader reader;
    QVERIFY2(reader.open(file.path, &file.why), file.why.c_str());
    QCOMPARE(reader.sessions().size(), size_t{1});
    const int64_t session = reader.sessions().front().id;
    std::vector<EventInfo> events;
    QVERIFY2(reader.events(session, events, &file.why), file.why.c_str());
    QCOMPARE(events.size(), size_t{2});
    std::map<uint64_t, EventInfo> byId;
    for (const auto& e : events) byId[e.eventId] = e;
    QCOMPARE(byId[7].label, std::string("tick_a[timer]"));
    QCOMPARE(byId[7].callback, std::string("tick_a"));
    QVERIFY(byId[7].kind == EventKind::Timer);  // from the first record, not reset by redescribe
    QCOMPARE(byId[9].label, std::string("first-9"));
    QVERIFY(byId[9].kind == EventKind::Io);
    QCOMPARE(byId[9].fd, 5);
    QCOMPARE(byId[9].owner, 3u);
    std::vector<TraceRecord> back;
    QVERIFY2(reader.records(session, INT64_MIN, INT64_MAX, back, &file.why), file.why.c_str());
    QCOMPARE(back.size(), records.size());
    // ~1 s of record time: keyframes at 250 ms steps (the first interval starts at the first record).
    int keyframes = 0;
    for (int64_t t = 1'000'000'000; t <= 2'000'000'000; t += 50'000'000) {
      int64_t at = 0;
      std::vector<uint8_t> state;
      if (reader.keyframeAtOrBefore(session, t, at, state, &file.why) && at) ++keyframes;
    }
    QVERIFY2(keyframes > 0, file.why.c_str());
  }

  // A long recording of short-lived events (connections coming and going):
  // what the tee keeps per event stays bounded, a label learned late for an
  // event freed recently still reaches the file, one for an event freed long
  // ago is dropped (its first description stays).
  void freedEventsAreForgottenAfterALaterLabelCouldCome() {
    TeeFile file;
    QVERIFY2(file.open(), file.why.c_str());
    SessionTee tee(file.writer, file.session);
    const auto describe = [](EventInfo& e) { e.label = "first-" + std::to_string(e.eventId); };
    const uint64_t events = 3 * SessionTee::kFreedKept;
    std::vector<TraceRecord> records;
    for (uint64_t id = 1; id <= events; ++id) {
      records.push_back(transition(1'000'000'000 + static_cast<int64_t>(id) * 1000, id, EventKind::Io, 5, 0));
      TraceRecord freed = records.back();
      freed.tsNs += 500;
      freed.from = EventState::NonPending;
      freed.to = EventState::Invalid;
      freed.cause = TraceCause::Free;
      records.push_back(freed);
    }
    const TraceRecord live = transition(2'000'000'000, events + 1, EventKind::Timer, -1, 0);  // never freed
    records.push_back(live);
    tee.add(records.data(), records.size(), describe);
    QCOMPARE(tee.describedCount(), SessionTee::kFreedKept + 1);
    tee.redescribe(events, "late[recent]", "late");  // freed last: still known
    tee.redescribe(1, "late[old]", "late");          // freed first: forgotten
    file.writer.close();
    QVERIFY2(!file.writer.failed(), file.writer.error().c_str());

    RecordingReader reader;
    QVERIFY2(reader.open(file.path, &file.why), file.why.c_str());
    std::vector<EventInfo> described;
    QVERIFY2(reader.events(reader.sessions().front().id, described, &file.why), file.why.c_str());
    QCOMPARE(described.size(), static_cast<size_t>(events + 1));  // every event, once
    std::map<uint64_t, std::string> labels;
    for (const auto& e : described) labels[e.eventId] = e.label;
    QCOMPARE(labels[events], std::string("late[recent]"));
    QCOMPARE(labels[1], std::string("first-1"));
    QCOMPARE(labels[events + 1], std::string("first-") + std::to_string(events + 1));
  }
};

QTEST_GUILESS_MAIN(TestSessionTee)
#include "tst_session_tee.moc"
