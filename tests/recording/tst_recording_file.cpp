// RecordingWriter + RecordingReader: round trips through a real file (exact
// records, metadata, log, intervals, keyframes), range reads through the block
// index, a writer killed with SIGKILL mid-run, files the reader must refuse (with
// the message naming why), corrupted blocks, drop counting, the size cap / ring
// mode and a write error (file limit reached) that leaves the committed part readable.
#include <QtTest>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "EchoLikeRecords.h"
#include "RecordingReader.h"
#include "RecordingWriter.h"
#include "SqliteDb.h"

using rs::TraceRecord;
using namespace rs::recording;

namespace {

bool sameRecords(const std::vector<TraceRecord>& a, const std::vector<TraceRecord>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(TraceRecord)) == 0);
}

std::vector<TraceRecord> echoLike(uint64_t seed, size_t n) {
  std::vector<TraceRecord> out;
  testing::EchoLikeRecords gen(seed);
  gen.generate(n, out);
  out.resize(n);
  return out;
}

// Records zstd cannot shrink much: every field random (valid enums).
std::vector<TraceRecord> noisy(uint64_t seed, size_t n, int64_t startNs) {
  std::mt19937_64 rng(seed);
  std::vector<TraceRecord> out(n);
  int64_t ts = startNs;
  for (auto& r : out) {
    r.tsNs = ts += 1 + static_cast<int64_t>(rng() % 1000);
    r.eventId = rng();
    r.value = static_cast<int64_t>(rng());
    r.owner = static_cast<uint32_t>(rng());
    r.fd = static_cast<int32_t>(rng());
  }
  return out;
}

std::vector<TraceRecord> inRange(const std::vector<TraceRecord>& all, int64_t from, int64_t to) {
  std::vector<TraceRecord> out;
  for (const auto& r : all)
    if (r.tsNs >= from && r.tsNs <= to) out.push_back(r);
  return out;
}

SessionInfo sessionInfo(const char* name) { return SessionInfo{"server", name, 4242, 1000, "--port 9000 --mode echo"}; }

void execSql(const QString& path, const char* sql) {
  Db db;
  std::string error;
  if (!db.open(path.toStdString(), Db::Mode::CreateNew, &error) || !db.exec(sql, &error))
    qFatal("sql failed: %s", error.c_str());
}

}  // namespace

class TestRecordingFile : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  int fileNo_ = 0;
  QString freshPath() { return dir_.filePath(QString("r%1.rsrec").arg(++fileNo_)); }

  // Opens path with a reader; returns its error ("" on success).
  static QString openError(const QString& path) {
    RecordingReader reader;
    std::string error;
    return reader.open(path.toStdString(), &error) ? QString() : QString::fromStdString(error);
  }

  // A small valid recording: one session, `records` in blocks of 1000.
  QString writeSmall(const std::vector<TraceRecord>& records) {
    const QString path = freshPath();
    RecordingWriterOptions options;
    options.blockRecords = 1000;
    RecordingWriter writer(options);
    std::string error;
    if (!writer.open(path.toStdString(), &error)) qFatal("%s", error.c_str());
    const int64_t s = writer.addSession(sessionInfo("small"));
    writer.append(s, records.data(), records.size());
    writer.close();
    return path;
  }

 private slots:
  void initTestCase() { QVERIFY(dir_.isValid()); }

  void roundTripTwoSessionsFromTwoThreads() {
    const QString path = freshPath();
    RecordingWriterOptions options;
    options.blockRecords = 4096;
    RecordingWriter writer(options);
    std::string error;
    QVERIFY2(writer.open(path.toStdString(), &error), error.c_str());
    const int64_t a = writer.addSession(sessionInfo("a"));
    const int64_t b = writer.addSession(SessionInfo{"client", "b", 7, 2000, "--connections 100"});
    QVERIFY(a > 0 && b > 0 && a != b);
    const auto recordsA = echoLike(1, 100'000);
    const auto recordsB = noisy(2, 30'001, 5'000);
    std::thread other([&] {
      for (size_t i = 0; i < recordsB.size(); i += 777)
        writer.append(b, recordsB.data() + i, std::min<size_t>(777, recordsB.size() - i));
    });
    for (size_t i = 0; i < recordsA.size(); i += 1000) writer.append(a, recordsA.data() + i, 1000);
    other.join();
    writer.addEvent(a, EventInfo{1000, "conn 0 read", rs::EventKind::Io, 20, 10, "EchoServer::onRead"});
    writer.addEvent(a, EventInfo{1, "tick", rs::EventKind::Timer, -1, 0, "tick"});
    writer.addLog(a, 1500, 2, "accepted 127.0.0.1:5555");
    writer.addLog(a, 1600, 3, "closed");
    writer.addClientInterval(b, 3000, R"({"msgs":100})");
    writer.addKeyframe(a, 1'000'000'100, {1, 2, 3});
    writer.addKeyframe(a, 1'000'000'900, {4, 5});
    writer.endSession(a, 9'000'000'000);
    QVERIFY(writer.flush());
    QCOMPARE(writer.committedRecords(), uint64_t{130'001});
    writer.close();
    QCOMPARE(writer.dropped(), uint64_t{0});

    RecordingReader reader;
    QVERIFY2(reader.open(path.toStdString(), &error), error.c_str());
    QCOMPARE(reader.meta().formatVersion, 2);
    QVERIFY(!reader.meta().appVersion.empty());
    QVERIFY(!reader.meta().createdUtc.empty());
    QCOMPARE(reader.sessions().size(), size_t{2});
    const auto& sa = reader.sessions()[0];
    QCOMPARE(sa.info.kind, std::string("server"));
    QCOMPARE(sa.info.name, std::string("a"));
    QCOMPARE(sa.info.pid, int64_t{4242});
    QCOMPARE(sa.info.settings, std::string("--port 9000 --mode echo"));
    QCOMPARE(sa.endNs.value_or(-1), int64_t{9'000'000'000});
    QCOMPARE(sa.recordCount, uint64_t{100'000});
    QVERIFY(!reader.sessions()[1].endNs);

    std::vector<TraceRecord> back;
    QVERIFY2(reader.records(a, INT64_MIN, INT64_MAX, back, &error), error.c_str());
    QVERIFY(sameRecords(back, recordsA));
    QVERIFY2(reader.records(b, INT64_MIN, INT64_MAX, back, &error), error.c_str());
    QVERIFY(sameRecords(back, recordsB));
    TimeSpan span;
    QVERIFY(reader.span(a, span, &error));
    QVERIFY(!span.empty);
    QCOMPARE(span.firstNs, recordsA.front().tsNs);
    QCOMPARE(span.lastNs, recordsA.back().tsNs);

    std::vector<EventInfo> events;
    QVERIFY(reader.events(a, events, &error));
    QCOMPARE(events.size(), size_t{2});
    QCOMPARE(events[1].label, std::string("conn 0 read"));
    QCOMPARE(events[1].callback, std::string("EchoServer::onRead"));
    QCOMPARE(events[1].fd, 20);
    QCOMPARE(events[1].owner, 10u);
    QCOMPARE(events[0].kind, rs::EventKind::Timer);
    std::vector<LogEntry> log;
    QVERIFY(reader.log(a, 0, 1550, log, &error));
    QCOMPARE(log.size(), size_t{1});
    QCOMPARE(log[0].text, std::string("accepted 127.0.0.1:5555"));
    std::vector<ClientInterval> intervals;
    QVERIFY(reader.clientIntervals(b, 0, INT64_MAX, intervals, &error));
    QCOMPARE(intervals.size(), size_t{1});
    int64_t keyTs = 0;
    std::vector<uint8_t> state;
    QVERIFY(reader.keyframeAtOrBefore(a, 1'000'000'500, keyTs, state, &error));
    QCOMPARE(keyTs, int64_t{1'000'000'100});
    QCOMPARE(state, (std::vector<uint8_t>{1, 2, 3}));
    QVERIFY(!reader.keyframeAtOrBefore(a, 5, keyTs, state, &error));
    QVERIFY(error.empty());
  }

  void rangeQueriesReadOnlyOverlappingBlocks() {
    const auto records = echoLike(3, 50'000);
    const QString path = writeSmall(records);
    RecordingReader reader;
    std::string error;
    QVERIFY2(reader.open(path.toStdString(), &error), error.c_str());
    const int64_t s = reader.sessions().at(0).id;
    std::mt19937_64 rng(5);
    const int64_t first = records.front().tsNs, last = records.back().tsNs;
    std::vector<TraceRecord> back;
    for (int i = 0; i < 200; ++i) {
      int64_t from = first - 1000 + static_cast<int64_t>(rng() % static_cast<uint64_t>(last - first + 2000));
      int64_t to = from + static_cast<int64_t>(rng() % 2'000'000);
      QVERIFY2(reader.records(s, from, to, back, &error), error.c_str());
      QVERIFY(sameRecords(back, inRange(records, from, to)));
    }
    // One timestamp inside the file: one block read (two at a block boundary), of 50.
    const int64_t middle = records[25'500].tsNs;
    QVERIFY(reader.records(s, middle, middle, back, &error));
    QVERIFY(!back.empty());
    QVERIFY2(reader.lastBlocksRead() <= 2, qPrintable(QString::number(reader.lastBlocksRead())));
    QVERIFY(reader.records(s, last + 1, INT64_MAX, back, &error));
    QVERIFY(back.empty());
    QCOMPARE(reader.lastBlocksRead(), size_t{0});
    QVERIFY(reader.records(s, 10, 5, back, &error));  // empty range
    QVERIFY(back.empty());
    QVERIFY(!reader.records(99, 0, 1, back, &error));
    QVERIFY(QString::fromStdString(error).endsWith("no session 99"));
  }

  void killedWriterLeavesCommittedBlocks() {
    const QString path = freshPath();
    int reports[2];
    QVERIFY(pipe(reports) == 0);
    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) {  // the writer: append, flush, report the committed count; never ends by itself
      ::close(reports[0]);
      RecordingWriterOptions options;
      options.blockRecords = 1000;
      RecordingWriter writer(options);
      std::string error;
      if (!writer.open(path.toStdString(), &error)) _exit(3);
      const int64_t s = writer.addSession(sessionInfo("killed"));
      testing::EchoLikeRecords gen(9);
      std::vector<TraceRecord> chunk;
      for (int round = 0; round < 100'000; ++round) {
        chunk.clear();
        gen.generate(1000, chunk);
        writer.append(s, chunk.data(), chunk.size());
        if (round % 3 == 0) {
          if (!writer.flush()) _exit(4);
          const uint64_t committed = writer.committedRecords();
          if (write(reports[1], &committed, sizeof committed) != sizeof committed) _exit(5);
        }
      }
      _exit(6);
    }
    ::close(reports[1]);
    uint64_t committed = 0;
    for (int got = 0; got < 30;) {
      pollfd p{reports[0], POLLIN, 0};
      QVERIFY2(poll(&p, 1, 60'000) == 1, "the writer child reported nothing for 60 s");
      QCOMPARE(read(reports[0], &committed, sizeof committed), static_cast<ssize_t>(sizeof committed));
      ++got;
    }
    QVERIFY(kill(child, SIGKILL) == 0);
    int status = 0;
    QCOMPARE(waitpid(child, &status, 0), child);
    ::close(reports[0]);
    QVERIFY2(WIFSIGNALED(status), "the child ended before it was killed");

    RecordingReader reader;
    std::string error;
    QVERIFY2(reader.open(path.toStdString(), &error), error.c_str());
    QCOMPARE(reader.sessions().size(), size_t{1});
    std::vector<TraceRecord> back;
    QVERIFY2(reader.records(reader.sessions()[0].id, INT64_MIN, INT64_MAX, back, &error), error.c_str());
    QVERIFY2(back.size() >= committed, qPrintable(QString("%1 < %2").arg(back.size()).arg(committed)));
    QCOMPARE(reader.sessions()[0].recordCount, uint64_t{back.size()});
    // Exactly the writer's stream, in order, up to the last committed block.
    std::vector<TraceRecord> expected;
    testing::EchoLikeRecords gen(9);
    while (expected.size() < back.size()) gen.generate(1000, expected);
    expected.resize(back.size());
    QVERIFY(sameRecords(back, expected));
  }

  void readerRefusesWhatIsNotARecording() {
    QVERIFY(openError(dir_.filePath("absent.rsrec")).contains("cannot read it: No such file or directory"));
    QCOMPARE(openError(dir_.path()), QString("recording '%1': not a regular file").arg(dir_.path()));

    const QString empty = freshPath();
    QFile(empty).open(QIODevice::WriteOnly);
    QVERIFY(openError(empty).endsWith("the file is empty"));

    const QString text = freshPath();
    QFile f(text);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("hello, this is a text file and certainly not a recording\n");
    f.close();
    QVERIFY(openError(text).endsWith("not a ReactorScope recording (not an SQLite database)"));

    const QString otherDb = freshPath();
    execSql(otherDb, "CREATE TABLE t (x)");
    QVERIFY(openError(otherDb).endsWith("not a ReactorScope recording (SQLite application_id is 0)"));
  }

  void readerNamesVersionTableAndTruncation() {
    const auto records = noisy(4, 20'000, 100);
    QString path = writeSmall(records);
    QCOMPARE(openError(path), QString());
    execSql(path, "UPDATE meta SET value = '99' WHERE key = 'format_version'");
    QVERIFY(openError(path).endsWith("format version '99' is not supported (this build reads versions 1 to 2)"));

    path = writeSmall(records);
    execSql(path, "DROP TABLE keyframes");
    QVERIFY(openError(path).endsWith("table 'keyframes' is missing"));
    path = writeSmall(records);
    execSql(path, "ALTER TABLE blocks DROP COLUMN codec");
    QVERIFY(openError(path).endsWith("table 'blocks' has no column 'codec'"));
    path = writeSmall(records);
    execSql(path, "DELETE FROM meta WHERE key = 'format_version'");
    QVERIFY(openError(path).endsWith("meta has no format_version"));

    path = writeSmall(records);
    const qint64 size = QFileInfo(path).size();
    QVERIFY(size > 100'000);
    QVERIFY(QFile::resize(path, size / 2));
    QVERIFY(openError(path).contains("truncated: " + QString::number(size / 2) + " bytes, the SQLite header says " +
                                      QString::number(size)));
    QVERIFY(QFile::resize(path, 50));
    QVERIFY(openError(path).endsWith("truncated: 50 bytes, shorter than an SQLite header"));
  }

  // A file made by hand with a 2-million-character log line, label and
  // session name: each reads cut to its bound, ending in "…" (the app spent a
  // minute laying such text out, and would not quit meanwhile).
  void absurdTextsAreCutWhenRead() {
    const auto records = noisy(6, 2'000, 100);
    const QString path = writeSmall(records);
    execSql(path, "INSERT INTO events (session, event_id, label, kind, fd, owner, callback) "
                  "SELECT id, 424242, printf('%.*c', 2000000, 'x'), 0, -1, 0, '' FROM sessions");
    execSql(path, "INSERT INTO log (session, ts, level, text) SELECT id, 0, 1, printf('%.*c', 2000000, 'y') FROM sessions");
    execSql(path, "UPDATE sessions SET name = printf('%.*c', 2000000, 'z')");
    RecordingReader reader;
    std::string error;
    QVERIFY2(reader.open(path.toStdString(), &error), error.c_str());
    const int64_t s = reader.sessions()[0].id;
    QCOMPARE(QString::fromStdString(reader.sessions()[0].info.name), QString(RecordingReader::kMaxNameChars, 'z') + "…");
    std::vector<EventInfo> events;
    QVERIFY2(reader.events(s, events, &error), error.c_str());
    const auto huge = std::find_if(events.begin(), events.end(), [](const EventInfo& e) { return e.eventId == 424242; });
    QVERIFY(huge != events.end());
    QCOMPARE(QString::fromStdString(huge->label), QString(RecordingReader::kMaxLabelChars, 'x') + "…");
    std::vector<LogEntry> log;
    QVERIFY2(reader.log(s, INT64_MIN, INT64_MAX, log, &error), error.c_str());
    QCOMPARE(log.size(), size_t{1});
    QCOMPARE(QString::fromStdString(log[0].text), QString(RecordingReader::kMaxLogLineChars, 'y') + "…");
  }

  void corruptedBlockIsReportedNotDecoded() {
    const auto records = noisy(5, 5'000, 100);
    QString path = writeSmall(records);
    execSql(path, "UPDATE blocks SET data = x'52534231ffffffff0000000000000000' WHERE id = 2");
    RecordingReader reader;
    std::string error;
    QVERIFY2(reader.open(path.toStdString(), &error), error.c_str());
    std::vector<TraceRecord> back;
    const int64_t s = reader.sessions()[0].id;
    QVERIFY(!reader.records(s, INT64_MIN, INT64_MAX, back, &error));
    QVERIFY2(QString::fromStdString(error).contains("block 2 of session 1: bad block: record count 4294967295"),
             error.c_str());
    QVERIFY(reader.records(s, records[0].tsNs, records[10].tsNs, back, &error));  // block 1 still reads
    QCOMPARE(back.size(), size_t{11});

    path = writeSmall(records);
    execSql(path, "UPDATE blocks SET codec = 7 WHERE id = 1");
    QVERIFY(reader.open(path.toStdString(), &error));
    QVERIFY(!reader.records(s, INT64_MIN, INT64_MAX, back, &error));
    QVERIFY2(QString::fromStdString(error).endsWith("block 1 of session 1 uses unknown codec 7"), error.c_str());

    // Blocks carry zstd's content checksum (its last 4 bytes): damage that
    // still decompresses (a flipped bit in the literals did, silently, into
    // other records) is refused. Here the checksum itself is changed.
    path = writeSmall(records);
    execSql(path, "UPDATE blocks SET data = substr(data, 1, length(data) - 1) || "
                  "(CASE WHEN substr(data, length(data), 1) = x'00' THEN x'01' ELSE x'00' END) WHERE id = 1");
    QVERIFY(reader.open(path.toStdString(), &error));
    QVERIFY(!reader.records(s, INT64_MIN, INT64_MAX, back, &error));
    QVERIFY2(QString::fromStdString(error).contains("block 1 of session 1") &&
                 QString::fromStdString(error).contains("checksum"),
             error.c_str());

    path = writeSmall(records);
    execSql(path, "UPDATE blocks SET record_count = 3 WHERE id = 1");
    QVERIFY(reader.open(path.toStdString(), &error));
    QVERIFY(!reader.records(s, INT64_MIN, INT64_MAX, back, &error));
    QVERIFY(QString::fromStdString(error).endsWith("record_count 3 but the block holds 1000"));
  }

  // A short, bounded version of fuzz_recording_reader: random byte changes to a small
  // real recording; the reader refuses with a message or reads, never crashes.
  void mutatedFilesNeverCrash() {
    const QString original = writeSmall(echoLike(12, 3'000));
    execSql(original, "PRAGMA page_size = 512; VACUUM");  // small pages: mutations reach every table
    QFile f(original);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    f.close();
    QVERIFY(bytes.size() < 64 * 1024);
    std::mt19937 rng(13);
    int refused = 0, read = 0;
    std::vector<TraceRecord> back;
    for (int i = 0; i < 300; ++i) {
      QByteArray mutated = bytes;
      const int changes = 1 + static_cast<int>(rng() % 8);
      for (int c = 0; c < changes; ++c)
        mutated[static_cast<int>(rng() % static_cast<unsigned>(mutated.size()))] = static_cast<char>(rng());
      if (i % 10 == 0) mutated.truncate(static_cast<int>(rng() % static_cast<unsigned>(mutated.size())));
      const QString path = freshPath();
      QFile out(path);
      QVERIFY(out.open(QIODevice::WriteOnly));
      out.write(mutated);
      out.close();
      RecordingReader reader;
      std::string error;
      if (!reader.open(path.toStdString(), &error)) {
        QVERIFY2(QString::fromStdString(error).startsWith("recording '"), error.c_str());
        ++refused;
        continue;
      }
      ++read;
      for (const auto& session : reader.sessions()) {
        if (!reader.records(session.id, INT64_MIN, INT64_MAX, back, &error))
          QVERIFY2(QString::fromStdString(error).startsWith("recording '"), error.c_str());
      }
      QFile::remove(path);
    }
    qInfo("300 mutated files: %d refused at open, %d opened", refused, read);
  }

  void writerOpenErrorsAreClear() {
    RecordingWriter writer;
    std::string error;
    QVERIFY(!writer.open("/nonexistent-dir/x.rsrec", &error));
    QVERIFY2(QString::fromStdString(error).startsWith("cannot create recording '/nonexistent-dir/x.rsrec': "),
             error.c_str());
    QVERIFY(!writer.isOpen());
    QCOMPARE(writer.addSession(sessionInfo("x")), int64_t{0});
    const QString path = writeSmall(noisy(6, 10, 0));
    QVERIFY(!writer.open(path.toStdString(), &error));
    QCOMPARE(QString::fromStdString(error), QString("cannot create recording '%1': the file exists").arg(path));
    RecordingWriterOptions options;
    options.overwrite = true;
    RecordingWriter replacing(options);
    QVERIFY2(replacing.open(path.toStdString(), &error), error.c_str());
    replacing.close();
    RecordingReader reader;
    QVERIFY(reader.open(path.toStdString(), &error));
    QVERIFY(reader.sessions().empty());
  }

  // A reader that opens the file while the writer is still creating it (the app
  // recording while `reactorscope info` or a test polls the path) holds SQLite's shared
  // lock for a moment: the writer waits for it instead of failing with "database is
  // locked", and the reader never crashes on the half-made file.
  void writerCreatesItsFileWhileAReaderPolls() {
    for (int round = 0; round < 40; ++round) {
      const QString path = freshPath();
      std::atomic<bool> stop{false};
      std::atomic<int> opened{0};
      std::thread poller([&] {
        while (!stop.load()) {
          RecordingReader reader;
          std::string ignored;
          if (reader.open(path.toStdString(), &ignored)) opened.fetch_add(1);
          reader.close();
        }
      });
      RecordingWriter writer;
      std::string error;
      const bool created = writer.open(path.toStdString(), &error);
      if (created) {
        const int64_t s = writer.addSession(sessionInfo("polled"));
        const auto records = noisy(round, 100, 0);
        writer.append(s, records.data(), records.size());
        writer.close();
      }
      // A reader got in at least once (hang guard: 10 s).
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (opened.load() == 0 && created && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      stop = true;
      poller.join();
      QVERIFY2(created, qPrintable(QString("round %1: %2").arg(round).arg(QString::fromStdString(error))));
      QVERIFY(opened.load() > 0);
      QCOMPARE(openError(path), QString());
    }
  }

  // holdSnapshot(): a reader's pass over a file another connection changes (a
  // recording in progress whose keep-last mode deletes its oldest blocks) sees
  // the file as it was, counts and blocks alike; a reader opened after sees the change.
  void snapshotReadsOneConsistentFile() {
    const QString path = writeSmall(noisy(7, 5000, 0));  // five blocks
    execSql(path, "PRAGMA journal_mode=WAL");             // (as while the writer records)
    RecordingReader held;
    std::string error;
    QVERIFY2(held.open(path.toStdString(), &error) && held.holdSnapshot(&error), error.c_str());
    {
      Db db;
      QVERIFY2(db.open(path.toStdString(), Db::Mode::ReadWrite, &error) &&
                   db.exec("DELETE FROM blocks WHERE id = (SELECT MIN(id) FROM blocks); "
                           "UPDATE sessions SET record_count = record_count - 1000",
                           &error),
               error.c_str());
    }
    std::vector<TraceRecord> back;
    QVERIFY2(held.records(held.sessions()[0].id, INT64_MIN, INT64_MAX, back, &error), error.c_str());
    QCOMPARE(back.size(), size_t{5000});
    QCOMPARE(held.sessions()[0].recordCount, uint64_t{5000});
    RecordingReader after;
    QVERIFY2(after.open(path.toStdString(), &error), error.c_str());
    QVERIFY(after.records(after.sessions()[0].id, INT64_MIN, INT64_MAX, back, &error));
    QCOMPARE(back.size(), size_t{4000});
    QCOMPARE(after.sessions()[0].recordCount, uint64_t{4000});
  }

  // open() off the owner thread breaks the stated thread contract: the writer aborts
  // with a message instead of racing.
  void threadContractIsEnforced() {
#if defined(__SANITIZE_THREAD__)
    QSKIP("TSan cannot start a thread in a forked child of a threaded process");
#endif
    const QString path = freshPath();
    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) {
      signal(SIGABRT, SIG_DFL);  // not Qt Test's crash handler: just die
      RecordingWriter writer;
      std::thread other([&] {
        std::string error;
        writer.open(path.toStdString(), &error);
      });
      other.join();
      _exit(0);
    }
    int status = 0;
    QCOMPARE(waitpid(child, &status, 0), child);
    QVERIFY(WIFSIGNALED(status));
    QCOMPARE(WTERMSIG(status), SIGABRT);
    QVERIFY(!QFile::exists(path));
  }

  void dropsAreCountedWithATinyQueue() {
    const QString path = freshPath();
    RecordingWriterOptions options;
    options.queueCapacityRecords = 100;
    RecordingWriter writer(options);
    std::string error;
    QVERIFY(writer.open(path.toStdString(), &error));
    const int64_t s = writer.addSession(sessionInfo("tiny"));
    const auto records = noisy(7, 1000, 0);
    QCOMPARE(writer.append(s, records.data(), records.size()), size_t{100});
    QCOMPARE(writer.dropped(), uint64_t{900});
    QVERIFY(writer.flush());
    QCOMPARE(writer.append(s, records.data(), 50), size_t{50});
    QCOMPARE(writer.append(77, records.data(), 5), size_t{5});  // unknown session: dropped by the writer
    writer.close();
    QCOMPARE(writer.dropped(), uint64_t{905});
    RecordingReader reader;
    QVERIFY(reader.open(path.toStdString(), &error));
    QCOMPARE(reader.meta().droppedRecords, uint64_t{905});
    QCOMPARE(reader.sessions()[0].droppedRecords, uint64_t{900});
    QCOMPARE(reader.sessions()[0].recordCount, uint64_t{150});
  }

  void ringModeKeepsTheNewestBlocksUnderTheCap() {
    const QString path = freshPath();
    RecordingWriterOptions options;
    options.blockRecords = 1000;
    options.sizeCapBytes = 200'000;
    options.ringMode = true;
    RecordingWriter writer(options);
    std::string error;
    QVERIFY(writer.open(path.toStdString(), &error));
    const int64_t s = writer.addSession(sessionInfo("ring"));
    const auto records = noisy(8, 60'000, 0);
    for (size_t i = 0; i < records.size(); i += 1000) writer.append(s, records.data() + i, 1000);
    QVERIFY(writer.flush());
    QVERIFY(writer.storedBlockBytes() <= 200'000);
    writer.close();
    QCOMPARE(writer.dropped(), uint64_t{0});
    RecordingReader reader;
    QVERIFY(reader.open(path.toStdString(), &error));
    std::vector<TraceRecord> back;
    QVERIFY(reader.records(s, INT64_MIN, INT64_MAX, back, &error));
    QVERIFY(!back.empty() && back.size() < records.size());
    QCOMPARE(reader.sessions()[0].recordCount, uint64_t{back.size()});
    // What is left is the tail of the stream.
    QVERIFY(sameRecords(back, std::vector<TraceRecord>(records.end() - static_cast<long>(back.size()), records.end())));
  }

  void sizeCapWithoutRingDropsNewBlocks() {
    const QString path = freshPath();
    RecordingWriterOptions options;
    options.blockRecords = 1000;
    options.sizeCapBytes = 100'000;
    RecordingWriter writer(options);
    std::string error;
    QVERIFY(writer.open(path.toStdString(), &error));
    const int64_t s = writer.addSession(sessionInfo("capped"));
    const auto records = noisy(9, 30'000, 0);
    for (size_t i = 0; i < records.size(); i += 1000) writer.append(s, records.data() + i, 1000);
    writer.close();
    QVERIFY(writer.dropped() > 0);
    QCOMPARE(writer.committedRecords() + writer.dropped(), uint64_t{30'000});
    RecordingReader reader;
    QVERIFY(reader.open(path.toStdString(), &error));
    std::vector<TraceRecord> back;
    QVERIFY(reader.records(s, INT64_MIN, INT64_MAX, back, &error));
    QVERIFY(sameRecords(back, std::vector<TraceRecord>(records.begin(), records.begin() + static_cast<long>(back.size()))));
  }

  void writeErrorStopsRecordingAndKeepsWhatWasCommitted() {
    const QString path = freshPath();
    RecordingWriterOptions options;
    options.blockRecords = 1000;
    options.maxFileBytes = 2 << 20;  // stands in for a full disk
    RecordingWriter writer(options);
    std::string error;
    QVERIFY(writer.open(path.toStdString(), &error));
    const int64_t s = writer.addSession(sessionInfo("full"));
    const auto records = noisy(10, 200'000, 0);
    size_t i = 0;
    for (; i < records.size() && !writer.failed(); i += 1000) {
      writer.append(s, records.data() + i, 1000);
      writer.flush();
    }
    QVERIFY2(writer.failed(), "2 MiB of noisy records never filled the file");
    QVERIFY2(QString::fromStdString(writer.error()).startsWith("writing the recording failed: "),
             writer.error().c_str());
    QVERIFY2(QString::fromStdString(writer.error()).contains("full"), writer.error().c_str());
    QCOMPARE(writer.append(s, records.data(), 10), size_t{0});
    const uint64_t committed = writer.committedRecords();
    writer.close();
    QVERIFY(committed > 0);
    RecordingReader reader;
    QVERIFY2(reader.open(path.toStdString(), &error), error.c_str());
    std::vector<TraceRecord> back;
    QVERIFY(reader.records(s, INT64_MIN, INT64_MAX, back, &error));
    QCOMPARE(uint64_t{back.size()}, committed);
    QVERIFY(sameRecords(back, std::vector<TraceRecord>(records.begin(), records.begin() + static_cast<long>(committed))));
  }
};

QTEST_GUILESS_MAIN(TestRecordingFile)
#include "tst_recording_file.moc"
