// reactorscope-cli with recordings, run as a user runs it (QProcess):
//   - `client --record FILE` against a loopback server: the file reads back with
//     the counts of the run's report (records the CLI says it stored, one client
//     interval per reported interval, the connections' events, nothing dropped);
//   - `server --record` ends its session cleanly on SIGTERM;
//   - an unwritable --record path: one clear error, the run still passes;
//   - `info FILE [--json]`, and exit 1 with a message for a file it cannot read;
//   - `export --format perfetto`: the generated Perfetto parser reads the file; its
//     tracks, balanced slices, flows from ready to callback and counter tracks;
//   - `export --format chrome-json`: QJsonDocument parses it, B/E balance per
//     thread, every flow start has its end, counters; --from/--to narrow the range;
//   - kill -9 of a recording client leaves a file that opens with its blocks;
//   - `client --hdr-log FILE`: one HdrHistogram interval per reported interval, each
//     decoded by an independent decoder (HdrLogDecoder.h) to the interval's message
//     count, p50/p99 and max; `export --format hdr-log` writes the same histograms
//     from the recording; --hdr-log on a server is a usage error.
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>

#include <signal.h>

#include <fstream>
#include <map>
#include <set>

#include <sys/stat.h>

#include "SqliteDb.h"
#include "HdrLogDecoder.h"
#include "Keyframes.h"
#include "RecordingReader.h"
#include "perfetto_trace.pb.h"

using namespace rs::recording;

#include "../engine/CliProcess.h"

namespace {

QString cliPath() { return QStringLiteral(REACTORSCOPE_CLI_PATH); }

// An HdrHistogram interval log's lines; its header must be complete.
std::vector<rs::test::HdrLogLine> readHdrLog(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  QStringList headers;
  QString legend;
  auto lines = rs::test::parseHdrLog(QString::fromUtf8(f.readAll()), &headers, &legend);
  const bool complete = headers.filter("#[StartTime: ").size() == 1 && headers.filter("#[BaseTime: ").size() == 1 &&
                        headers.contains("#[MaxValueDivisor: 1000000.0]") && legend.startsWith("\"StartTimestamp\"");
  return complete ? lines : std::vector<rs::test::HdrLogLine>{};
}

using Result = rs::test::CliResult;
Result run(const QStringList& args, int timeoutMs = 60000) { return rs::test::runCli(cliPath(), args, timeoutMs); }

// A server process; the port is read from its first line.
struct ServerProcess : rs::test::CliServer {
  explicit ServerProcess(const QStringList& extra = {}) : CliServer(cliPath(), extra) {}
};

// An existing output for an export to replace: `path` holding `bytes`.
bool writeFile(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

}  // namespace

class TestCliRecording : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  ServerProcess* server_ = nullptr;
  QString recorded_;     // the client's recording, made once in initTestCase
  QString hdrLog_;       // its --hdr-log
  QJsonObject report_;   // its --json report
  quint64 storedRecords_ = 0;

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    server_ = new ServerProcess();
    QVERIFY2(server_->port > 0, "the server did not start");
    recorded_ = dir_.filePath("client.rsrec");
    hdrLog_ = dir_.filePath("client.hlog");
    // Bounded in count and time: 4 connections, 3000 messages, 10 s at most.
    const Result r = run({"client", server_->target(), "--connections", "4", "--count", "3000", "--duration", "10",
                          "--size", "64", "--json", "--record", recorded_, "--hdr-log", hdrLog_});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    report_ = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QVERIFY(report_.value("passed").toBool());
    const auto m = QRegularExpression(R"(recorded (\d+) trace records \((\d+) dropped\))").match(r.err);
    QVERIFY2(m.hasMatch(), qPrintable(r.err));
    storedRecords_ = m.captured(1).toULongLong();
    QCOMPARE(m.captured(2), QString("0"));
  }

  void cleanupTestCase() { delete server_; }

  void recordingMatchesTheRunsReport() {
    RecordingReader reader;
    std::string error;
    QVERIFY2(reader.open(recorded_.toStdString(), &error), error.c_str());
    QCOMPARE(reader.sessions().size(), size_t{1});
    const SessionSummary& s = reader.sessions()[0];
    QCOMPARE(QString::fromStdString(s.info.kind), QString("client"));
    QVERIFY(s.endNs.has_value());
    QVERIFY(QString::fromStdString(s.info.settings).contains("--connections 4"));
    QCOMPARE(s.recordCount, storedRecords_);
    QCOMPARE(s.droppedRecords, quint64{0});
    std::vector<rs::TraceRecord> records;
    QVERIFY(reader.records(s.id, INT64_MIN, INT64_MAX, records, &error));
    QCOMPARE(quint64{records.size()}, storedRecords_);
    // One stored interval per reported interval.
    std::vector<ClientInterval> intervals;
    QVERIFY(reader.clientIntervals(s.id, INT64_MIN, INT64_MAX, intervals, &error));
    QCOMPARE(intervals.size(), size_t(report_.value("intervals").toArray().size()));
    quint64 messages = 0;
    for (const auto& iv : intervals) messages += QJsonDocument::fromJson(QByteArray::fromStdString(iv.json))
                                                     .object().value("messages").toVariant().toULongLong();
    QCOMPARE(messages, report_.value("messages_received").toVariant().toULongLong());
    // Every event whose records were stored is described; the 4 connections' fds among them.
    std::vector<EventInfo> events;
    QVERIFY(reader.events(s.id, events, &error));
    std::set<uint64_t> described, seen;
    std::set<int32_t> ioFds;
    for (const auto& e : events) described.insert(e.eventId);
    for (const auto& r : records)
      if (r.eventId) seen.insert(r.eventId);
    QVERIFY(std::includes(described.begin(), described.end(), seen.begin(), seen.end()));
    for (const auto& r : records)
      if (r.type == rs::TraceType::CallbackBegin && r.kind == rs::EventKind::Io) ioFds.insert(r.fd);
    QVERIFY2(ioFds.size() >= 4, qPrintable(QString::number(ioFds.size())));
    // Records are the run's: the span lies within the run's elapsed time (3x slack).
    TimeSpan span;
    QVERIFY(reader.span(s.id, span, &error));
    QVERIFY(!span.empty);
    QVERIFY(span.lastNs - span.firstNs <= static_cast<int64_t>(3e9 * (report_.value("elapsed_s").toDouble() + 1)));
    // Keyframes: the state before a time in the run exists once the run is longer than 1 s.
    int64_t keyTs = 0;
    std::vector<uint8_t> state;
    if (span.lastNs - span.firstNs > 1'100'000'000) {
      QVERIFY(reader.keyframeAtOrBefore(s.id, span.lastNs, keyTs, state, &error));
      QVERIFY(!state.empty());
    }
  }

  // The log's lines against the --json report's intervals.
  void hdrLogMatchesTheRunsIntervals() {
    const auto lines = readHdrLog(hdrLog_);
    const QJsonArray intervals = report_.value("intervals").toArray();
    QCOMPARE(lines.size(), size_t(intervals.size()));
    quint64 total = 0;
    for (size_t i = 0; i < lines.size(); ++i) {
      const QJsonObject iv = intervals[static_cast<int>(i)].toObject();
      const auto d = rs::test::decodeHdrBase64(lines[i].histogram);
      QVERIFY2(d.error.empty(), d.error.c_str());
      QCOMPARE(lines[i].tag, QString("client"));
      QCOMPARE(lines[i].startSec, iv.value("start_s").toDouble());
      QCOMPARE(d.total, iv.value("messages").toVariant().toULongLong());
      total += d.total;
      if (d.total == 0) continue;
      for (const auto& [p, key] : {std::pair{50.0, "p50_ns"}, std::pair{99.0, "p99_ns"}}) {
        const qint64 want = iv.value(key).toVariant().toLongLong(), got = d.percentile(p);
        QVERIFY2(std::llabs(got - want) <= want / 100 + 1,
                 qPrintable(QString("interval %1 p%2: log %3, report %4").arg(i).arg(p).arg(got).arg(want)));
      }
      QVERIFY(std::abs(lines[i].max - iv.value("max_ns").toDouble() / 1e6) <= iv.value("max_ns").toDouble() / 1e8 + 1e-3);
    }
    QCOMPARE(total, report_.value("latency_ns").toObject().value("count").toVariant().toULongLong());
  }

  void hdrLogExportFromTheRecording() {
    const QString out = dir_.filePath("exported.hlog");
    const Result r = run({"export", recorded_, "--format", "hdr-log", "-o", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto exported = readHdrLog(out), written = readHdrLog(hdrLog_);
    QCOMPARE(exported.size(), written.size());
    for (size_t i = 0; i < exported.size(); ++i) {
      QCOMPARE(exported[i].histogram, written[i].histogram);
      QCOMPARE(exported[i].tag, QString("client#1"));
    }
    // --hdr-log is the client's; a range is not taken.
    QCOMPARE(run({"server", "--port", "0", "--hdr-log", out}).code, 2);
    QCOMPARE(run({"export", recorded_, "--format", "hdr-log", "-o", out, "--from", "1"}).code, 2);
  }

  void serverRecordingEndsOnSigterm() {
    const QString path = dir_.filePath("server.rsrec");
    {
      ServerProcess server({"--record", path});
      QVERIFY(server.port > 0);
      QVERIFY(run({"client", server.target(), "--connections", "2", "--count", "200", "--duration", "10"}).code == 0);
      server.p.terminate();
      QVERIFY(server.p.waitForFinished(30000));
      QVERIFY(QString::fromUtf8(server.p.readAllStandardError()).contains("recorded "));
    }
    RecordingReader reader;
    std::string error;
    QVERIFY2(reader.open(path.toStdString(), &error), error.c_str());
    QCOMPARE(reader.sessions().size(), size_t{1});
    QCOMPARE(QString::fromStdString(reader.sessions()[0].info.kind), QString("server"));
    QVERIFY(reader.sessions()[0].endNs.has_value());
    QVERIFY(reader.sessions()[0].recordCount > 0);
  }

  void unwritablePathIsOneErrorAndTheRunGoesOn() {
    const Result r = run({"client", server_->target(), "--connections", "2", "--count", "100", "--duration", "10",
                          "--record", "/nonexistent-dir/x.rsrec"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.err.contains("--record: cannot create recording '/nonexistent-dir/x.rsrec'"), qPrintable(r.err));
    QVERIFY(r.err.contains("the run goes on without recording"));
    QVERIFY(r.out.contains("PASS"));
    QCOMPARE(r.err.count('\n'), 1);
    // An existing file is refused, not overwritten (unless asked).
    const Result again = run({"client", server_->target(), "--count", "10", "--record", recorded_});
    QVERIFY(again.err.contains("the file exists"));
    QCOMPARE(run({"client", server_->target(), "--record-cap", "1M"}).code, 2);
    QCOMPARE(run({"client", server_->target(), "--record", "x", "--record-last", "-1"}).code, 2);
  }

  void infoReportsSessionsAndRefusesBadFiles() {
    const Result text = run({"info", recorded_});
    QCOMPARE(text.code, 0);
    QVERIFY(text.out.contains("1 session(s), " + QString::number(storedRecords_) + " trace records, 0 dropped"));
    const Result json = run({"info", recorded_, "--json"});
    QCOMPARE(json.code, 0);
    QJsonParseError perr;
    const QJsonObject o = QJsonDocument::fromJson(json.out.toUtf8(), &perr).object();
    QCOMPARE(perr.error, QJsonParseError::NoError);
    QCOMPARE(o.value("records").toVariant().toULongLong(), storedRecords_);
    QCOMPARE(o.value("sessions").toArray().size(), 1);
    QCOMPARE(o.value("sessions").toArray()[0].toObject().value("client_intervals").toInt(),
             report_.value("intervals").toArray().size());

    const QString junk = dir_.filePath("junk.rsrec");
    std::ofstream(junk.toStdString()) << "not a recording at all, but long enough to have a header......";
    const Result bad = run({"info", junk});
    QCOMPARE(bad.code, 1);
    QVERIFY2(bad.err.contains("not a ReactorScope recording"), qPrintable(bad.err));
    QCOMPARE(run({"info", dir_.filePath("absent.rsrec")}).code, 1);
    QCOMPARE(run({"info"}).code, 2);
  }

  void perfettoExportParses() {
    const QString out = dir_.filePath("trace.pftrace");
    const Result r = run({"export", recorded_, "--format", "perfetto", "-o", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    std::ifstream in(out.toStdString(), std::ios::binary);
    perfetto::protos::Trace trace;
    QVERIFY(trace.ParseFromIstream(&in));
    QVERIFY(trace.packet_size() > 0);
    std::map<uint64_t, const perfetto::protos::TrackDescriptor*> tracks;
    std::map<uint64_t, int> depth;
    std::set<uint64_t> flowsStarted;
    int processes = 0, counterTracks = 0, counters = 0, slices = 0, flowsEnded = 0;
    for (const auto& p : trace.packet()) {
      QCOMPARE(p.trusted_packet_sequence_id(), 1u);
      if (p.has_track_descriptor()) {
        const auto& d = p.track_descriptor();
        QVERIFY(d.uuid() != 0 && !tracks.count(d.uuid()));
        QVERIFY(!d.has_parent_uuid() || tracks.count(d.parent_uuid()));
        tracks[d.uuid()] = &d;
        processes += d.has_process();
        counterTracks += d.has_counter();
        continue;
      }
      QVERIFY(p.has_track_event());
      const auto& e = p.track_event();
      QVERIFY2(tracks.count(e.track_uuid()), "an event on an undeclared track");
      const bool counterTrack = tracks[e.track_uuid()]->has_counter();
      QCOMPARE(counterTrack, e.type() == perfetto::protos::TrackEvent::TYPE_COUNTER);
      switch (e.type()) {
        case perfetto::protos::TrackEvent::TYPE_SLICE_BEGIN:
          ++depth[e.track_uuid()];
          ++slices;
          for (auto id : e.terminating_flow_ids()) {
            QVERIFY2(flowsStarted.count(id), "a flow ends that never started");
            ++flowsEnded;
          }
          break;
        case perfetto::protos::TrackEvent::TYPE_SLICE_END:
          QVERIFY2(--depth[e.track_uuid()] >= 0, "a slice ends that never began");
          break;
        case perfetto::protos::TrackEvent::TYPE_INSTANT:
          for (auto id : e.flow_ids()) flowsStarted.insert(id);
          break;
        case perfetto::protos::TrackEvent::TYPE_COUNTER:
          ++counters;
          break;
        default:
          QFAIL("unexpected track event type");
      }
    }
    for (const auto& [track, d] : depth) QCOMPARE(d, 0);
    QCOMPARE(processes, 1);
    QVERIFY(slices > 100);
    QVERIFY2(flowsEnded > 0, "no flow from a ready event to its callback");
    QVERIFY(counterTracks >= 4 && counters > 0);  // the connections' buffers
    // The track names say what they are.
    int callbackTracks = 0, stateTracks = 0;
    for (const auto& [uuid, d] : tracks) {
      callbackTracks += QString::fromStdString(d->name()).endsWith(" callbacks");
      stateTracks += QString::fromStdString(d->name()).endsWith(" states");
    }
    QVERIFY(callbackTracks >= 4);
    QCOMPARE(callbackTracks, stateTracks);
  }

  void chromeJsonExportParsesAndHonoursTheRange() {
    const QString out = dir_.filePath("trace.json");
    const Result r = run({"export", recorded_, "--format", "chrome-json", "-o", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &perr);
    QVERIFY2(perr.error == QJsonParseError::NoError, qPrintable(perr.errorString()));
    const QJsonArray events = doc.object().value("traceEvents").toArray();
    QVERIFY(events.size() > 100);
    std::map<qint64, int> depth;
    std::set<qint64> flowStarts;
    int flowEnds = 0, counters = 0, names = 0;
    double minTs = 1e300, maxTs = -1;
    for (const auto& v : events) {
      const QJsonObject e = v.toObject();
      const QString ph = e.value("ph").toString();
      const qint64 tid = e.value("tid").toVariant().toLongLong();
      if (ph != "M") {
        minTs = std::min(minTs, e.value("ts").toDouble());
        maxTs = std::max(maxTs, e.value("ts").toDouble());
      }
      if (ph == "B") ++depth[tid];
      else if (ph == "E") QVERIFY(--depth[tid] >= 0);
      else if (ph == "s") flowStarts.insert(e.value("id").toVariant().toLongLong());
      else if (ph == "f") {
        QVERIFY(flowStarts.count(e.value("id").toVariant().toLongLong()));
        ++flowEnds;
      } else if (ph == "C") {
        ++counters;
        QVERIFY(e.value("args").toObject().contains("bytes"));
      } else if (ph == "M") {
        ++names;
      }
    }
    for (const auto& [tid, d] : depth) QCOMPARE(d, 0);
    QVERIFY(flowEnds > 0 && counters > 0 && names > 4);

    // --from/--to: only records in the window, in seconds from the first record.
    const QString part = dir_.filePath("part.json");
    QVERIFY(run({"export", recorded_, "--format", "chrome-json", "-o", part, "--from", "0", "--to", "0.2"}).code ==
            0);
    QFile pf(part);
    QVERIFY(pf.open(QIODevice::ReadOnly));
    double partMax = -1;
    for (const auto& v : QJsonDocument::fromJson(pf.readAll()).object().value("traceEvents").toArray())
      if (v.toObject().value("ph").toString() != "M") partMax = std::max(partMax, v.toObject().value("ts").toDouble());
    QVERIFY(partMax >= minTs && partMax <= minTs + 200'000 + 1);

    QCOMPARE(run({"export", recorded_, "--format", "svg", "-o", part}).code, 2);
    QCOMPARE(run({"export", recorded_, "--format", "perfetto"}).code, 2);
    const Result unwritable = run({"export", recorded_, "--format", "perfetto", "-o", "/nonexistent-dir/t.pftrace"});
    QCOMPARE(unwritable.code, 1);
    QVERIFY(unwritable.err.contains("cannot write '/nonexistent-dir/t.pftrace'"));
  }

  // A file edited or damaged so that records its session row counts cannot be
  // read (blocks moved to another session; a block's stored times shifted, so
  // the time index no longer finds its records) still exports what is
  // readable, and says how many of which session's records it could read.
  void exportSaysWhenASessionsRecordsAreNotAllReadable_data() {
    QTest::addColumn<QString>("damage");
    QTest::newRow("blocks moved to no session") << "UPDATE blocks SET session = 99 WHERE session = 1";
    QTest::newRow("a block's times shifted") << "UPDATE blocks SET first_ts = first_ts + 1000000000, last_ts = "
                                                "last_ts + 1000000000 WHERE id = (SELECT MIN(id) FROM blocks)";
  }
  void exportSaysWhenASessionsRecordsAreNotAllReadable() {
    QFETCH(QString, damage);
    const QString copy = dir_.filePath("damaged.rsrec");
    QFile::remove(copy);
    QVERIFY(QFile::copy(recorded_, copy));
    const QString out = dir_.filePath("damaged.json");
    const Result whole = run({"export", copy, "--format", "chrome-json", "-o", out});
    QVERIFY2(whole.code == 0 && !whole.err.contains("warning"), qPrintable(whole.err));
    {
      rs::recording::Db db;
      std::string error;
      QVERIFY2(db.open(copy.toStdString(), rs::recording::Db::Mode::ReadWrite, &error) &&
                   db.exec(damage.toStdString(), &error),
               error.c_str());
    }
    const Result r = run({"export", copy, "--format", "chrome-json", "-o", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    static const QRegularExpression warning(
        "reactorscope-cli: warning: session 1: (\\d+) of the (\\d+) records its session row counts were readable "
        "\\(the file was edited or damaged");
    const auto m = warning.match(r.err);
    QVERIFY2(m.hasMatch(), qPrintable(r.err));
    QVERIFY(m.captured(1).toULongLong() < m.captured(2).toULongLong());
    QCOMPARE(m.captured(2).toULongLong(), storedRecords_);
    QVERIFY2(r.err.contains(QStringLiteral("exported %1 records").arg(m.captured(1))), qPrintable(r.err));
  }

  // An export that cannot be written whole (here: the file size limit is 0, as
  // on a full disk every write fails) fails, says why, and leaves neither a
  // partial file nor a changed output: an existing one keeps its content, a new
  // one is not created. Every format, the HdrHistogram log too.
  void failedWriteLeavesNoPartialOutput_data() {
    QTest::addColumn<QString>("format");
    QTest::newRow("perfetto") << "perfetto";
    QTest::newRow("chrome-json") << "chrome-json";
    QTest::newRow("hdr-log") << "hdr-log";
  }
  void failedWriteLeavesNoPartialOutput() {
    QFETCH(QString, format);
    QTemporaryDir out;
    const QString existing = out.filePath("existing"), fresh = out.filePath("fresh");
    QVERIFY(writeFile(existing, "old content\n"));
    for (const QString& target : {existing, fresh}) {
      // sh: no file may grow (ulimit -f 0), and the write fails with EFBIG instead of SIGXFSZ.
      const Result r = rs::test::runCli(
          "/bin/sh", {"-c", "ulimit -f 0; trap '' XFSZ; exec \"$0\" \"$@\"", cliPath(), "export", recorded_,
                      "--format", format, "-o", target},
          60000);
      QVERIFY2(r.code == 1 && r.err.contains("File too large"), qPrintable(QString("exit %1: %2").arg(r.code).arg(r.err)));
    }
    QFile kept(existing);
    QVERIFY(kept.open(QIODevice::ReadOnly));
    QCOMPARE(kept.readAll(), QByteArray("old content\n"));
    QCOMPARE(QDir(out.path()).entryList(QDir::Files | QDir::Hidden), QStringList{"existing"});
  }

  // An export over an existing file keeps that file's permission bits (it is
  // written beside it and renamed over it: a private 0600 file stayed private
  // only by luck of the umask); a new file gets the umask's.
  void exportOverAFileKeepsItsMode() {
    QTemporaryDir out;
    const QString existing = out.filePath("private.json");
    QVERIFY(writeFile(existing, "old\n"));
    for (const mode_t mode : {mode_t{0600}, mode_t{0640}}) {
      QCOMPARE(::chmod(existing.toLocal8Bit().constData(), mode), 0);
      for (const char* format : {"chrome-json", "hdr-log"}) {
        const Result r = run({"export", recorded_, "--format", format, "-o", existing});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        struct stat st {};
        QCOMPARE(::stat(existing.toLocal8Bit().constData(), &st), 0);
        QCOMPARE(st.st_mode & 07777, mode);
        QVERIFY(QFileInfo(existing).size() > 4);
      }
    }
  }

  // The export never destroys what its -o names: the recording itself is
  // refused (it used to be replaced, exit 0); a FIFO is written into (it used
  // to become a regular file); a symbolic link keeps naming its file, which
  // gets the export; "-" is standard output.
  void exportOutputIsNeverTheRecordingOrAReplacedSpecialFile() {
    const QString copy = dir_.filePath("copy.rsrec");
    QVERIFY(QFile::copy(recorded_, copy));
    const QByteArray before = [&] { QFile f(copy); return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray(); }();
    const Result self = run({"export", copy, "--format", "perfetto", "-o", copy});
    QCOMPARE(self.code, 1);
    QVERIFY2(self.err.contains("is the recording being exported"), qPrintable(self.err));
    // Nor through its temporary name (X.partial exported to X), nor as an HdrHistogram log.
    const QString partial = dir_.filePath("rec.partial");
    QVERIFY(QFile::copy(copy, partial));
    const Result viaPartial = run({"export", partial, "--format", "perfetto", "-o", dir_.filePath("rec")});
    QCOMPARE(viaPartial.code, 1);
    QVERIFY2(viaPartial.err.contains("is the recording being exported"), qPrintable(viaPartial.err));
    QCOMPARE(QFileInfo(partial).size(), QFileInfo(copy).size());
    const Result hdrSelf = run({"export", copy, "--format", "hdr-log", "-o", copy});
    QCOMPARE(hdrSelf.code, 1);
    QVERIFY2(hdrSelf.err.contains("is the recording being exported"), qPrintable(hdrSelf.err));
    QFile again(copy);
    QVERIFY(again.open(QIODevice::ReadOnly));
    QCOMPARE(again.readAll(), before);

    const QString fifo = dir_.filePath("out.fifo");
    QCOMPARE(::mkfifo(fifo.toLocal8Bit().constData(), 0600), 0);
    const QString drained = dir_.filePath("from-fifo.json");
    QProcess reader;  // (into a file: a QProcess pipe is read only while an event loop runs)
    reader.start("sh", {"-c", "exec cat \"$1\" > \"$2\"", "sh", fifo, drained});
    QVERIFY(reader.waitForStarted());
    const Result viaFifo = run({"export", copy, "--format", "chrome-json", "-o", fifo}, 30000);
    QCOMPARE(viaFifo.code, 0);
    QVERIFY(reader.waitForFinished(20000));
    QFile got(drained);
    QVERIFY(got.open(QIODevice::ReadOnly));
    QVERIFY(QJsonDocument::fromJson(got.readAll()).object().contains("traceEvents"));
    struct stat st {};
    QCOMPARE(::lstat(fifo.toLocal8Bit().constData(), &st), 0);
    QVERIFY(S_ISFIFO(st.st_mode));

    const QString target = dir_.filePath("target.json"), link = dir_.filePath("link.json");
    QVERIFY(QFile(target).open(QIODevice::WriteOnly));
    QVERIFY(QFile::link(target, link));
    QCOMPARE(run({"export", copy, "--format", "chrome-json", "-o", link}).code, 0);
    QVERIFY(QFileInfo(link).isSymLink());
    QVERIFY(QFileInfo(target).size() > 100);

    const Result toStdout = run({"export", copy, "--format", "chrome-json", "-o", "-"});
    QCOMPARE(toStdout.code, 0);
    QVERIFY(QJsonDocument::fromJson(toStdout.out.toUtf8()).object().contains("traceEvents"));
    QVERIFY(!QFileInfo::exists(QDir::current().filePath("-")));
  }

  void killedRecordingClientLeavesAReadableFile() {
    const QString path = dir_.filePath("killed.rsrec");
    QProcess c;
    // Bounded: it would end by itself after 20 s; killed after its first second.
    c.start(cliPath(), {"client", server_->target(), "--connections", "4", "--duration", "20", "--record", path});
    QVERIFY(c.waitForStarted(5000));
    QString out;
    for (int i = 0; i < 150 && out.count("msgs/s") < 2; ++i) {
      c.waitForReadyRead(100);
      out += QString::fromUtf8(c.readAllStandardOutput());
    }
    QVERIFY2(out.count("msgs/s") >= 2, qPrintable(out));
    ::kill(static_cast<pid_t>(c.processId()), SIGKILL);
    QVERIFY(c.waitForFinished(10000));
    QCOMPARE(c.exitStatus(), QProcess::CrashExit);
    RecordingReader reader;
    std::string error;
    QVERIFY2(reader.open(path.toStdString(), &error), error.c_str());
    QCOMPARE(reader.sessions().size(), size_t{1});
    QVERIFY(!reader.sessions()[0].endNs.has_value());
    std::vector<rs::TraceRecord> records;
    QVERIFY2(reader.records(reader.sessions()[0].id, INT64_MIN, INT64_MAX, records, &error), error.c_str());
    QVERIFY(!records.empty());
    QCOMPARE(quint64{records.size()}, reader.sessions()[0].recordCount);
    QCOMPARE(run({"info", path}).code, 0);
    // Its keyframes (every 250 ms of a 2 s run) make a seek: the state at the end from one of them.
    EventStates state;
    SeekCost cost;
    QVERIFY2(stateAt(reader, reader.sessions()[0].id, records.back().tsNs, state, &error, &cost), error.c_str());
    QVERIFY(cost.keyframeTsNs > 0);
    QVERIFY(cost.recordsReplayed < records.size());
    QVERIFY(state.events().size() >= 4);
  }
};

QTEST_GUILESS_MAIN(TestCliRecording)
#include "tst_cli_recording.moc"
