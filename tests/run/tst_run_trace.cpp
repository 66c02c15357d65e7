// reactorscope-run --trace-text on the tutorial's servers: section 4.5 (plain
// events) built against Debian's libevent and against our library, section
// 5.2 (listener + bufferevents) built against Debian's libevent. Each runs
// under reactorscope-run, a real client talks to it over loopback, and the
// text trace must show the program's own callback names moving through the
// tutorial's states: the listening event pending; the accepted connection's
// read event non_pending -> pending -> active (fd ready) -> its callback
// (c_cb / read_cb) begins; each callback's source line and the connection's
// peer address; buffer levels for the bufferevent server; the run
// ends as the program does (5.2: SIGINT, a clean exit 0 with its base freed).
// Lifecycles: a forked child (also after event_base_new + event_reinit, a
// prefork server's shape) is traced on its own stream with its own pid; a
// program that execs another (same or other binary) goes on being traced.
// And a stream nobody reads never stops a loop: records are dropped and the
// drops counted in the stream. Every run is also recorded (--record next to
// --trace-text): the recording has a "run" session per base named like the app's,
// events labelled with the program's callbacks (tick_a, c_cb), their records, the
// program's log lines and how it ended.
// Waits are bounded hang guards, never timing assertions.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <cerrno>
#include <cstring>
#include <set>

#include "../compat/RequiredCase.h"
#include "RecordingReader.h"
#include "live/TraceDecoder.h"

#include "../compat/LoopbackClient.h"

namespace {

// Counts records and keeps the last drop totals.
struct DropSink : rs::live::TraceSink {
  bool hello_ = false;
  uint64_t records_ = 0, ringDropped = 0, streamDropped = 0;
  void hello(const rs::live::Hello&) override { hello_ = true; }
  void baseCreated(uint64_t, const std::string&) override {}
  void baseFreed(uint64_t) override {}
  void callback(const rs::live::CallbackInfo&) override {}
  void records(uint64_t, const rs::TraceRecord*, size_t n) override { records_ += n; }
  void log(int, const std::string&) override {}
  void dropped(const rs::live::DropCounts& d) override {
    ringDropped = d.ring;
    streamDropped = d.stream;
  }
};

// Reads fd until EOF, `until` seen (if given), or the guard expires; appends to *got.
void readFrom(int fd, QByteArray* got, const QByteArray& until, int guardMs) {
  QDeadlineTimer guard(guardMs);
  while (!guard.hasExpired() && (until.isEmpty() || !got->contains(until))) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[65536];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return;
    got->append(buf, static_cast<qsizetype>(n));
  }
}

// Empty when 0.0.0.0:port can be bound (the tutorial's servers hardcode their
// ports, and other worktrees' tests use them too), else why not.
QString portBusyReason(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return QString("socket: %1").arg(std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  QString reason;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    reason = QString("the tutorial's server needs port %1: %2").arg(port).arg(std::strerror(errno));
  ::close(fd);
  return reason;
}

// Skips (fails in CI) when the port is taken; after a server could not listen,
// also when it was taken meanwhile.
#define REQUIRE_PORT(port)                                         \
  do {                                                             \
    const QString busy = portBusyReason(port);                     \
    if (!busy.isEmpty()) RS_SKIP_OR_FAIL_IN_CI(busy);              \
  } while (false)

using Client = rs::test::LoopbackClient;

// reactorscope-run --trace-text <file> --record <file> PROGRAM, and its trace as it grows.
class TracedRun {
 public:
  explicit TracedRun(const QString& program, const QStringList& args = {})
      : path_(dir_.filePath("trace.txt")), recording_(dir_.filePath("trace.rsrec")) {
    proc_.setProgram(RUN_PATH);
    proc_.setArguments(QStringList{"--trace-text", path_, "--record", recording_, "--", program} + args);
    // Its own process group, which the program it runs joins: a case that fails
    // midway ends both (killing reactorscope-run alone would orphan the program).
    proc_.setChildProcessModifier([] { ::setpgid(0, 0); });
    proc_.start();
  }
  ~TracedRun() {
    if (proc_.state() != QProcess::NotRunning) {
      ::kill(-static_cast<pid_t>(proc_.processId()), SIGKILL);
      proc_.waitForFinished(10000);
    }
  }
  QProcess& proc() { return proc_; }
  QString trace() const {
    QFile f(path_);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
  }
  // The first match of `pattern` once the trace has it (10 s hang guard).
  QRegularExpressionMatch waitFor(const QString& pattern) {
    const QRegularExpression re(pattern, QRegularExpression::MultilineOption);
    QDeadlineTimer guard(10000);
    for (;;) {
      const QRegularExpressionMatch m = re.match(trace());
      if (m.hasMatch() || guard.hasExpired() || proc_.state() == QProcess::NotRunning) return m;
      QTest::qWait(20);
    }
  }
  bool ends() { return proc_.state() == QProcess::NotRunning || proc_.waitForFinished(15000); }
  QString recording() const { return recording_; }

 private:
  QTemporaryDir dir_;
  QString path_;
  QString recording_;
  QProcess proc_;
};

// The pids of the trace's streams, in the order their headers appear.
QStringList headerPids(const QString& trace) {
  QStringList pids;
  const QRegularExpression header(R"(^# pid (\d+) )", QRegularExpression::MultilineOption);
  for (auto it = header.globalMatch(trace); it.hasNext();) pids << it.next().captured(1);
  return pids;
}

// The pid of the relay's exit line (the program's main process).
QString exitedPid(const QString& trace) {
  return QRegularExpression(R"(^pid=(\d+) exited: )", QRegularExpression::MultilineOption).match(trace).captured(1);
}

// What a --record file holds per session: its summary, events and log lines.
struct RecordedSession {
  rs::recording::SessionSummary summary;
  std::vector<rs::recording::EventInfo> events;
  std::vector<rs::recording::LogEntry> log;
  size_t records = 0;
  std::vector<rs::TraceRecord> levels;  // its BufferLevel records
};

// Reads every session of the recording at `path` (empty with *error on failure).
std::vector<RecordedSession> readRecording(const QString& path, std::string* error) {
  rs::recording::RecordingReader reader;
  std::vector<RecordedSession> out;
  if (!reader.open(path.toStdString(), error)) return {};
  for (const auto& s : reader.sessions()) {
    RecordedSession r;
    r.summary = s;
    std::vector<rs::TraceRecord> records;
    if (!reader.events(s.id, r.events, error) || !reader.log(s.id, INT64_MIN, INT64_MAX, r.log, error) ||
        !reader.records(s.id, INT64_MIN, INT64_MAX, records, error))
      return {};
    r.records = records.size();
    for (const rs::TraceRecord& record : records)
      if (record.type == rs::TraceType::BufferLevel) r.levels.push_back(record);
    out.push_back(std::move(r));
  }
  return out;
}

bool hasEvent(const RecordedSession& s, const std::string& callback) {
  return std::any_of(s.events.begin(), s.events.end(), [&](const rs::recording::EventInfo& e) {
    return e.callback == callback && e.label.rfind(callback, 0) == 0;
  });
}

bool hasLog(const std::vector<RecordedSession>& sessions, const std::string& text) {
  for (const auto& s : sessions)
    for (const auto& l : s.log)
      if (l.text.find(text) != std::string::npos) return true;
  return false;
}

#define VERIFY_MATCH(m, what, run) \
  QVERIFY2((m).hasMatch(), qPrintable(QString(what) + " not in the trace:\n" + (run).trace()))

}  // namespace

class TestRunTrace : public QObject {
  Q_OBJECT

 private slots:
  void tutorial45_data() {
    QTest::addColumn<QString>("server");
    QTest::newRow("built with -levent (Debian's)") << QString(SERVER_4_5_LIBEVENT);
    QTest::newRow("linked to our libevent-2.1.so.7") << QString(SERVER_4_5_OURS);
  }

  // c_cb / s_cb are the tutorial 4.5's names for the client and server callbacks.
  void tutorial45() {
    QFETCH(QString, server);
    REQUIRE_PORT(8080);
    TracedRun run(server);
    QVERIFY2(run.proc().waitForStarted(10000), qPrintable(run.proc().errorString()));
    const auto listening = run.waitFor(R"(ev=(\d+) s_cb io fd=(\d+) non_pending -> pending \(event_add\))");
    if (!listening.hasMatch() && run.ends() && !portBusyReason(8080).isEmpty())
      RS_SKIP_OR_FAIL_IN_CI("port 8080 was taken meanwhile");
    VERIFY_MATCH(listening, "the listening event (s_cb) pending", run);
    QVERIFY(run.trace().contains(QRegularExpression("^# pid \\d+ \\(", QRegularExpression::MultilineOption)));

    Client client(8080);
    QVERIFY(client.connect());
    const QByteArray hello = "hello, traced server\n";
    QVERIFY(client.send(hello));
    QCOMPARE(client.receive(hello.size()), hello);

    const auto added = run.waitFor(R"(ev=(\d+) c_cb io fd=(\d+) non_pending -> pending \(event_add\))");
    VERIFY_MATCH(added, "the connection's event (c_cb) pending", run);
    const QString ev = added.captured(1);
    // The callback's source line (debug info, libdw) and the connection's peer (/proc).
    VERIFY_MATCH(run.waitFor("^pid=\\d+ base=1 ev=" + ev +
                             R"( callback c_cb \(event\) at server_4_5\.c:\d+, peer 127\.0\.0\.1:\d+$)"),
                 "c_cb's callback line with its source line and peer", run);
    const auto active = run.waitFor("ev=" + ev + R"( c_cb io fd=\d+ pending -> active \(fd ready: read\))");
    VERIFY_MATCH(active, "c_cb pending -> active (fd ready: read)", run);
    const auto begins = run.waitFor("ev=" + ev + R"( c_cb io fd=\d+ callback begin \(READ\))");
    VERIFY_MATCH(begins, "c_cb's callback", run);
    QVERIFY(added.capturedStart() < active.capturedStart());
    QVERIFY(active.capturedStart() < begins.capturedStart());

    // The client leaves: c_cb event_del()s its event.
    client.close();
    VERIFY_MATCH(run.waitFor("ev=" + ev + R"( c_cb io fd=\d+ pending -> non_pending \(event_del\))"),
                 "c_cb's event_del", run);

    // 4.5 has no clean way out: SIGTERM (passed on) ends it, and the run says so.
    run.proc().terminate();
    QVERIFY(run.ends());
    QCOMPARE(run.proc().exitStatus(), QProcess::CrashExit);
    // The relay's last line: how the program ended.
    QVERIFY2(run.trace().contains(QRegularExpression(R"(^pid=\d+ exited: signal 15 \(SIGTERM\)\n\z)",
                                                     QRegularExpression::MultilineOption)),
             qPrintable(run.trace().right(300)));

    // --record: one "run" session (base 1) with c_cb's and s_cb's events, and how it ended.
    std::string why;
    const auto recorded = readRecording(run.recording(), &why);
    QVERIFY2(recorded.size() == 1, why.c_str());
    QCOMPARE(recorded[0].summary.info.kind, std::string("run"));
    QVERIFY2(QString::fromStdString(recorded[0].summary.info.name).contains(QRegularExpression(R"(\[\d+\] base 1 \()")),
             recorded[0].summary.info.name.c_str());
    QVERIFY(hasEvent(recorded[0], "c_cb"));
    QVERIFY(hasEvent(recorded[0], "s_cb"));
    QVERIFY(recorded[0].records > 0);
    QVERIFY(hasLog(recorded, "ended: signal 15 (SIGTERM)"));
  }

  // 5.2: the listener's and the bufferevents' internal events carry the
  // program's callbacks (listener_cb; read_cb, write_cb, event_cb).
  void tutorial52() {
    REQUIRE_PORT(8888);
    TracedRun run(SERVER_5_2_LIBEVENT);
    QVERIFY2(run.proc().waitForStarted(10000), qPrintable(run.proc().errorString()));
    const auto listening = run.waitFor(R"(ev=\d+ listener_cb\[listener\] io fd=\d+ non_pending -> pending)");
    if (!listening.hasMatch() && run.ends() && run.proc().readAllStandardError().contains("evconnlistener"))
      RS_SKIP_OR_FAIL_IN_CI("port 8888 was taken meanwhile (the server could not listen)");
    VERIFY_MATCH(listening, "the listener's event (listener_cb) pending", run);
    VERIFY_MATCH(run.waitFor(R"(ev=\d+ signal_cb signal fd=2 non_pending -> pending \(event_add\))"),
                 "the SIGINT event (signal_cb) pending", run);

    Client client(8888);
    QVERIFY(client.connect());
    QVERIFY(client.receive(1).size() >= 1);  // the server's greeting
    QVERIFY(client.send("ping\n"));
    QVERIFY(client.receive(5).size() >= 5);  // echoed (the tutorial sends its whole buffer)

    const QString readLabel = R"(read_cb\[bufferevent-read,event_cb\])";
    const auto active = run.waitFor(R"(ev=(\d+) )" + readLabel + R"( io fd=\d+ pending -> active \(fd ready: read\))");
    VERIFY_MATCH(active, "read_cb's event pending -> active (fd ready: read)", run);
    const QString ev = active.captured(1);
    const QString where = R"( callback read_cb \(bufferevent readcb\) at server_5_2\.c:\d+, peer 127\.0\.0\.1:\d+$)";
    VERIFY_MATCH(run.waitFor("^pid=\\d+ base=1 ev=" + ev + where),
                 "read_cb's callback line with its source line and peer", run);
    VERIFY_MATCH(run.waitFor("ev=" + ev + " " + readLabel + R"( io fd=\d+ non_pending -> pending)"),
                 "read_cb's event pending", run);
    VERIFY_MATCH(run.waitFor("ev=" + ev + " " + readLabel + R"( io fd=\d+ callback begin)"), "read_cb's callback", run);
    VERIFY_MATCH(run.waitFor(R"(write_cb\[bufferevent-write\] io fd=\d+ )"), "write_cb's event", run);
    VERIFY_MATCH(run.waitFor(R"(buffer (input|output) = \d+ bytes)"), "a buffer level", run);

    client.close();
    // SIGINT to reactorscope-run reaches the program: signal_cb, a clean exit
    // two seconds later, the base freed, exit status 0.
    ::kill(static_cast<pid_t>(run.proc().processId()), SIGINT);
    QVERIFY(run.ends());
    QCOMPARE(run.proc().exitStatus(), QProcess::NormalExit);
    QCOMPARE(run.proc().exitCode(), 0);
    QVERIFY(run.proc().readAllStandardOutput().contains("done"));
    const QString trace = run.trace();
    QVERIFY2(trace.contains(QRegularExpression(R"(signal_cb signal fd=2 pending -> active \(signal\))")),
             qPrintable(trace));
    QVERIFY2(trace.contains(QRegularExpression(R"(^pid=\d+ base=1 freed$)", QRegularExpression::MultilineOption)),
             qPrintable(trace));
    QVERIFY2(trace.endsWith(" exited: exit code 0\n"), qPrintable(trace.right(300)));
    // The library's own events (the bufferevent's buffer sampler) say
    // "internal" from their first record, and there is no unlabelled timer the
    // program never made (the listener's backoff timer exists only once
    // accepting pauses): the app hides internal events by that kind.
    QVERIFY2(trace.contains(QRegularExpression(R"(ev=\d+ - internal fd=-1 invalid -> non_pending \(event_new\))")),
             qPrintable(trace));
    const auto unlabelledTimer = QRegularExpression(R"(^.*ev=\d+ - timer .*$)", QRegularExpression::MultilineOption).match(trace);
    QVERIFY2(!unlabelledTimer.hasMatch(), qPrintable(unlabelledTimer.captured(0)));
    // signal_cb's event_base_loopexit(base, 2 s) is a timer named after that
    // call; freed inside its own callback, it keeps its name for the
    // callback's end.
    QVERIFY2(trace.contains(QRegularExpression(R"(ev=\d+ event_base_loopexit timer fd=-1 pending -> active \(timeout\))")),
             qPrintable(trace.right(1500)));
    QVERIFY2(trace.contains(QRegularExpression(R"(ev=\d+ event_base_loopexit timer fd=-1 callback end)")),
             qPrintable(trace.right(1500)));
  }

  // Two bases on two threads are base 1 and base 2, each with its own
  // callbacks, both freed; a forked child is traced on its own stream (its
  // own pid, its base 3 created and freed) and exits cleanly; a libevent
  // warning arrives as a log line; the program's exit status is kept.
  void twoBasesAndAForkedChild() {
    TracedRun run(TWO_BASES);
    QVERIFY(run.ends());
    QCOMPARE(run.proc().exitStatus(), QProcess::NormalExit);
    QCOMPARE(run.proc().exitCode(), 0);
    QVERIFY(run.proc().readAllStandardOutput().contains("children done"));
    const QString trace = run.trace();
    const auto count = [&](const QString& pattern) {
      return trace.count(QRegularExpression(pattern, QRegularExpression::MultilineOption));
    };
    QStringList pids = headerPids(trace);
    QCOMPARE(pids.size(), 2);
    const QString parent = exitedPid(trace);
    QVERIFY(pids.removeAll(parent) == 1);
    const QString child = pids.front();
    QCOMPARE(count("^pid=" + parent + R"( base=1 created)"), 1);
    QCOMPARE(count("^pid=" + parent + R"( base=2 created)"), 1);
    QCOMPARE(count("^pid=" + parent + R"( base=[12] freed$)"), 2);
    QCOMPARE(count("^pid=" + child + R"( base=3 created)"), 1);  // (ids go on from the parent's)
    QCOMPARE(count("^pid=" + child + R"( base=3 freed$)"), 1);
    QCOMPARE(count("^pid=" + child + R"( base=[12] )"), 0);  // both were freed before the fork
    QCOMPARE(count(R"(base=1 ev=\d+ tick_a timer fd=-1 callback begin)"), 3);
    QCOMPARE(count(R"(base=2 ev=\d+ tick_b timer fd=-1 callback begin)"), 4);
    // The library's [warn] line is in the stream too (and still on stderr).
    QCOMPARE(count("^pid=" + parent + R"( log \[warn\] event_base_free_: no base to free$)"), 1);
    const QByteArray stderrText = run.proc().readAllStandardError();
    QVERIFY(stderrText.contains("[warn] event_base_free_: no base to free"));
    QVERIFY2(trace.endsWith("pid=" + parent + " exited: exit code 0\n"), qPrintable(trace.right(300)));

    // --record: the parent's two bases and the child's as "run" sessions (the
    // child's under its own pid), each with its own callback's timer events and
    // records, all ended (freed); the warning and the exit in the log.
    QVERIFY2(stderrText.contains("reactorscope-run: recorded "), stderrText.constData());
    std::string why;
    const auto recorded = readRecording(run.recording(), &why);
    QVERIFY2(recorded.size() == 3, why.c_str());
    for (const auto& [i, callback] : {std::pair{0, "tick_a"}, std::pair{1, "tick_b"}}) {
      const std::string name = "[" + parent.toStdString() + "] base " + std::to_string(i + 1) + " (";
      const auto it = std::find_if(recorded.begin(), recorded.end(),
                                   [&](const RecordedSession& r) { return r.summary.info.name.find(name) != std::string::npos; });
      QVERIFY2(it != recorded.end(), name.c_str());
      const RecordedSession& s = *it;
      QCOMPARE(s.summary.info.kind, std::string("run"));
      QVERIFY2(s.summary.info.name.find(" base " + std::to_string(i + 1) + " (") != std::string::npos,
               s.summary.info.name.c_str());
      QVERIFY2(hasEvent(s, callback), callback);
      QVERIFY(s.records > 0);
      QVERIFY(s.summary.endNs.has_value());
    }
    QVERIFY(hasLog(recorded, "[warn]") || hasLog(recorded, "no base to free"));
    QVERIFY(hasLog(recorded, "ended: exit code 0"));
    QVERIFY(std::any_of(recorded.begin(), recorded.end(), [&](const RecordedSession& r) {
      return r.summary.info.name.find("[" + child.toStdString() + "] base 3 (") != std::string::npos;
    }));
  }

  // fork after event_base_new, event_reinit in each worker: every worker is a
  // stream of its own (its pid), announcing the base it inherited (same id)
  // and the parent's callbacks set before the fork, then its own timer's
  // callbacks; the parent's records never carry a worker's pid.
  void forkedWorkersAreTracedEachWithItsPid() {
    TracedRun run(FORK_WORKERS);
    QVERIFY(run.ends());
    QCOMPARE(run.proc().exitStatus(), QProcess::NormalExit);
    QCOMPARE(run.proc().exitCode(), 0);
    QVERIFY(run.proc().readAllStandardOutput().contains("workers done"));
    const QString trace = run.trace();
    const auto count = [&](const QString& pattern) {
      return trace.count(QRegularExpression(pattern, QRegularExpression::MultilineOption));
    };
    QStringList pids = headerPids(trace);  // (in the order their hellos were read)
    QCOMPARE(pids.size(), 3);
    const QString parent = exitedPid(trace);
    QVERIFY(pids.removeAll(parent) == 1);
    QCOMPARE(count("^[0-9.]+ pid=" + parent + R"( base=1 ev=\d+ parent_tick timer fd=-1 callback begin)"), 2);
    QCOMPARE(count("^[0-9.]+ pid=" + parent + R"( base=1 ev=\d+ child_tick )"), 0);
    for (const QString& worker : pids) {
      QVERIFY(worker != parent);
      QCOMPARE(count("^pid=" + worker + R"( base=1 created \(epoll\)$)"), 1);  // inherited, announced
      QCOMPARE(count("^pid=" + worker + R"( base=1 ev=\d+ callback parent_tick \(event\))"), 1);
      QCOMPARE(count("^[0-9.]+ pid=" + worker + R"( base=1 ev=\d+ child_tick timer fd=-1 callback begin)"), 3);
      QCOMPARE(count("^[0-9.]+ pid=" + worker + R"( base=1 ev=\d+ parent_tick timer fd=-1 callback begin)"), 0);
      QCOMPARE(count("^pid=" + worker + R"( base=1 freed$)"), 1);
    }
    QCOMPARE(count("^pid=" + parent + R"( base=1 freed$)"), 1);
    QVERIFY2(trace.endsWith("pid=" + parent + " exited: exit code 0\n"), qPrintable(trace.right(300)));

    // Each process's connection: the same owner tags in the text form (each
    // process's own count), different ones in --record's file, so a replay
    // keeps the three connections' buffers apart.
    std::set<int> tagsInText;
    for (const QString& pid : headerPids(trace)) {
      std::set<int> tags;
      const QRegularExpression level("^[0-9.]+ pid=" + pid + R"( .* buffer \S+ = -?\d+ bytes \(owner (\d+)\)$)",
                                     QRegularExpression::MultilineOption);
      for (auto it = level.globalMatch(trace); it.hasNext();) tags.insert(it.next().captured(1).toInt());
      QVERIFY2(!tags.empty(), qPrintable("no buffer levels of pid " + pid + ":\n" + trace));
      if (tagsInText.empty()) tagsInText = tags;
      QVERIFY2(tags == tagsInText, qPrintable("pid " + pid + "'s owner tags differ from the first process's"));
    }
    std::string why;
    const auto recorded = readRecording(run.recording(), &why);
    QVERIFY2(recorded.size() == 3, why.c_str());
    std::set<quint32> tagsInFile;
    for (const RecordedSession& r : recorded) {
      std::set<quint32> tags;
      for (const rs::TraceRecord& record : r.levels) tags.insert(record.owner);
      QVERIFY2(!tags.empty() && !tags.count(0), r.summary.info.name.c_str());
      for (const quint32 tag : tags) QVERIFY2(tagsInFile.insert(tag).second, r.summary.info.name.c_str());
      // The file's events table names the connection of pair_read's event,
      // though the bufferevent tagged it after event_new.
      QVERIFY2(std::any_of(r.events.begin(), r.events.end(),
                           [&](const rs::recording::EventInfo& e) { return e.callback == "pair_read" && tags.count(e.owner); }),
               r.summary.info.name.c_str());
    }
  }

  // The trace stream is out of the traced program's reach: its descriptor
  // table holds only its own sockets once its first base exists, and none of
  // reactorscope-run's files (--trace-text, --record); a socket it
  // opened before and closes then ends at once (the collector thread holds no
  // copy of it); closing every descriptor it does not know takes nothing from
  // the trace (a second base's callbacks, its free and the exit all arrive).
  // The collector thread blocks every signal (a signal for the process runs
  // the program's handler on a thread of the program's).
  void closingEveryDescriptorKeepsTheTrace() {
    TracedRun run(CLOSES_DESCRIPTORS);
    QVERIFY(run.ends());
    QCOMPARE(run.proc().exitStatus(), QProcess::NormalExit);
    QCOMPARE(run.proc().exitCode(), 0);
    const QByteArray out = run.proc().readAllStandardOutput();
    QVERIFY2(!out.contains("/trace.txt\n") && !out.contains("/trace.rsrec\n"), out.constData());  // (--trace-text, --record)
    QVERIFY2(out.contains("sockets: 2\n") && out.contains("eof: yes\n") && out.contains("others block signals: yes\n") &&
                 out.contains("done\n"),
             out.constData());
    const QString trace = run.trace();
    const auto count = [&](const QString& pattern) {
      return trace.count(QRegularExpression(pattern, QRegularExpression::MultilineOption));
    };
    const QString pid = exitedPid(trace);
    QVERIFY2(!pid.isEmpty(), qPrintable(trace.right(300)));
    QCOMPARE(count("^pid=" + pid + R"( base=2 created)"), 1);
    QCOMPARE(count(R"(base=2 ev=\d+ after_close timer fd=-1 callback begin)"), 3);
    QCOMPARE(count("^pid=" + pid + R"( base=2 freed$)"), 1);
    QVERIFY2(trace.endsWith("pid=" + pid + " exited: exit code 0\n"), qPrintable(trace.right(300)));
  }

  // A program whose SIGINT handler calls exit(), interrupted inside the
  // library while it notes an event's callback (it creates events as fast as
  // it can): it exits at once with its handler's code. Eight runs, the signal
  // 10..80 ms in: before the fix about half of such runs hung for good (the
  // exit waited for the collector thread, which waited for a lock the
  // interrupted thread held). Interrupted inside the library, the exit sends
  // nothing more, as a crash would: the trace may then end without the last
  // records and without the exit line (its stream ended inside a frame).
  void exitFromASignalHandlerEndsTheProgram() {
    for (int run = 1; run <= 8; ++run) {
      TracedRun traced(EXIT_IN_HANDLER, {QString::number(10 * run)});
      QVERIFY2(traced.ends(), qPrintable(QString("run %1 did not end: %2").arg(run).arg(traced.trace().right(300))));
      QCOMPARE(traced.proc().exitStatus(), QProcess::NormalExit);
      QCOMPARE(traced.proc().exitCode(), 0);
      QVERIFY(traced.proc().readAllStandardOutput().contains("ready\n"));
      const QString trace = traced.trace();
      const QString pid = exitedPid(trace);
      QVERIFY2(pid.isEmpty() || trace.endsWith("pid=" + pid + " exited: exit code 0\n"), qPrintable(trace.right(300)));
    }
  }

  // A program crashing inside a callback (a null write; abort() from a failed
  // assertion): the trace holds the crashing callback's begin (the collector
  // sends what the rings hold before the signal takes its course; it was lost
  // with the last ~8 ms of records) and ends with the signal. Three runs each.
  void crashKeepsTheCrashingCallback_data() {
    QTest::addColumn<QString>("mode");
    QTest::addColumn<int>("signal");
    QTest::newRow("null write") << "segv" << SIGSEGV;
    QTest::newRow("abort") << "abort" << SIGABRT;
  }
  void crashKeepsTheCrashingCallback() {
    QFETCH(QString, mode);
    QFETCH(int, signal);
    for (int run = 1; run <= 3; ++run) {
      TracedRun traced(CRASH_IN_CALLBACK, {mode});
      QVERIFY2(traced.ends(), qPrintable(traced.trace().right(300)));
      QCOMPARE(traced.proc().exitStatus(), QProcess::CrashExit);  // (the relay ends with the program's signal)
      QVERIFY(traced.proc().readAllStandardOutput().contains("tick 5\n"));
      const QString trace = traced.trace();
      const QString pid = exitedPid(trace);
      QVERIFY2(!pid.isEmpty(), qPrintable(trace.right(300)));
      QCOMPARE(trace.count(QRegularExpression(R"(ev=\d+ tick_cb timer fd=-1 callback begin)")), 5);
      const QString how = QStringLiteral("exited: signal %1 (SIG%2)").arg(signal).arg(QString::fromLatin1(::sigabbrev_np(signal)));
      QVERIFY2(trace.endsWith("pid=" + pid + " " + how + "\n"), qPrintable(trace.right(300)));
    }
  }

  // Callbacks set before bufferevent_socket_connect: connecting gives the
  // bufferevent new events, named after the same callbacks (they were
  // unnamed: "-" for the connection's whole life); its write event, with no
  // writecb, still reads as the bufferevent's write event.
  void bufferEventConnectingKeepsItsCallbackNames() {
    TracedRun run(CONNECT_AFTER_SETCB);
    QVERIFY(run.ends());
    QCOMPARE(run.proc().exitCode(), 0);
    QVERIFY(run.proc().readAllStandardOutput().contains("read: hi\n"));
    const QString trace = run.trace();
    QVERIFY2(trace.contains(QRegularExpression(R"(ev=\d+ on_read\[bufferevent-read,on_event\] io fd=\d+ callback begin \(READ\))")),
             qPrintable(trace));
    QVERIFY2(trace.contains(QRegularExpression(R"(ev=\d+ -\[bufferevent-write\] io fd=\d+ )")), qPrintable(trace));
    const auto unnamedIo = QRegularExpression(R"(^.*ev=\d+ - io .*$)", QRegularExpression::MultilineOption).match(trace);
    QVERIFY2(!unnamedIo.hasMatch(), qPrintable(unnamedIo.captured(0)));
  }

  // Two timers made before either is added keep one id each from event_new
  // to the program's event_free; no event_free shows before it calls one (the
  // base used to reclaim the first one's idle record for the second: a trace
  // of four events, two of them "freed" while the program held them).
  void eventsMadeBeforeTheyAreAddedKeepTheirIds() {
    TracedRun run(IDLE_EVENTS);
    QVERIFY(run.ends());
    QCOMPARE(run.proc().exitCode(), 0);
    const QString trace = run.trace();
    QSet<QString> ids;
    const QRegularExpression timerLine(R"(^\S+ pid=\d+ base=1 ev=(\d+) on_timer timer .*$)", QRegularExpression::MultilineOption);
    for (auto it = timerLine.globalMatch(trace); it.hasNext();) ids.insert(it.next().captured(1));
    QVERIFY2(ids.size() == 2, qPrintable(QStringList(ids.values()).join(',') + "\n" + trace));
    for (const QString& id : ids) {
      const QRegularExpression freed("ev=" + id + R"( on_timer timer .*-> invalid \(event_free\))");
      QCOMPARE(trace.count(freed), 1);  // the program's own event_free, once
      QVERIFY2(trace.contains(QRegularExpression("ev=" + id + R"( on_timer timer .*callback begin)")), qPrintable(trace));
    }
  }

  void execKeepsTracing_data() {
    QTest::addColumn<QString>("next");
    QTest::addColumn<QString>("nextCallback");
    QTest::addColumn<int>("nextCalls");
    QTest::newRow("the same binary") << QString(EXEC_NEXT) << "after_exec" << 1;
    QTest::newRow("another binary") << QString(TWO_BASES) << "tick_a" << 3;
  }

  // A traced program execs another libevent program: the new image (same
  // pid) opens a stream of its own, its callbacks resolved in the new binary;
  // the exit message follows the last image.
  void execKeepsTracing() {
    QFETCH(QString, next);
    QFETCH(QString, nextCallback);
    QFETCH(int, nextCalls);
    TracedRun run(EXEC_NEXT, {next});
    QVERIFY(run.ends());
    QCOMPARE(run.proc().exitStatus(), QProcess::NormalExit);
    QCOMPARE(run.proc().exitCode(), 0);
    const QString trace = run.trace();
    const auto count = [&](const QString& pattern) {
      return trace.count(QRegularExpression(pattern, QRegularExpression::MultilineOption));
    };
    const QRegularExpression header(R"(^# pid (\d+) \(\S+\) (\S+), trace protocol)", QRegularExpression::MultilineOption);
    QList<QRegularExpressionMatch> images;
    for (auto it = header.globalMatch(trace); it.hasNext();) images << it.next();
    QVERIFY2(images.size() >= 2, qPrintable(trace));
    const QString pid = images[0].captured(1);
    QCOMPARE(images[1].captured(1), pid);  // same process, new image
    QCOMPARE(images[0].captured(2), QFileInfo(EXEC_NEXT).canonicalFilePath());
    QCOMPARE(images[1].captured(2), QFileInfo(next).canonicalFilePath());
    QCOMPARE(count("^[0-9.]+ pid=" + pid + R"( base=1 ev=\d+ before_exec timer fd=-1 callback begin)"), 1);
    QCOMPARE(count("^[0-9.]+ pid=" + pid + " base=1 ev=\\d+ " + nextCallback + " timer fd=-1 callback begin"), nextCalls);
    QVERIFY2(trace.endsWith("pid=" + pid + " exited: exit code 0\n"), qPrintable(trace.right(300)));
  }


  // --record to a file that cannot be created: exit 2 with one line naming it, the program never runs.
  void recordToAnUnwritableFile() {
    QProcess proc;
    proc.start(RUN_PATH, {"--record", "/nonexistent-dir/x.rsrec", "--", TWO_BASES});
    QVERIFY(proc.waitForFinished(30000));
    QCOMPARE(proc.exitCode(), 2);
    const QByteArray err = proc.readAllStandardError();
    QVERIFY2(err.contains("--record") && err.contains("/nonexistent-dir/x.rsrec"), err.constData());
    QVERIFY(!proc.readAllStandardOutput().contains("children done"));
  }

  // A bad --record-cap is a usage error naming the option.
  void badRecordOptionIsAUsageError() {
    QProcess proc;
    proc.start(RUN_PATH, {"--record", "x.rsrec", "--record-cap", "lots", "--", TWO_BASES});
    QVERIFY(proc.waitForFinished(30000));
    QCOMPARE(proc.exitCode(), 2);
    QVERIFY2(proc.readAllStandardError().contains("--record-cap: 'lots'"), "no message naming --record-cap");
  }

  // The stream's reader takes nothing while the program spins through 300 000
  // callbacks: the loop still finishes (the collector never blocks it), the
  // records it could not send are counted and the count arrives in the stream.
  void aReaderThatDoesNotReadNeverBlocksTheLoop() {
    int stream[2], out[2];
    QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, stream) == 0);
    QVERIFY(::pipe2(out, O_CLOEXEC) == 0);
    const pid_t child = ::fork();
    QVERIFY(child >= 0);
    if (child == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      const std::string fd = std::to_string(::dup(stream[1]));
      ::setenv("REACTORSCOPE_TRACE_FD", fd.c_str(), 1);
      ::execl(BUSY_LOOP, BUSY_LOOP, "300000", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(stream[1]);
    ::close(out[1]);
    QByteArray printed;
    readFrom(out[0], &printed, "looped 300000", 120000);
    QVERIFY2(printed.contains("looped 300000"), printed.constData());

    QByteArray bytes;
    readFrom(stream[0], &bytes, {}, 60000);
    int status = 0;
    QCOMPARE(::waitpid(child, &status, 0), child);
    ::close(stream[0]);
    ::close(out[0]);
    QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    rs::live::TraceDecoder decoder;
    DropSink sink;
    QVERIFY2(decoder.feed(bytes.constData(), static_cast<size_t>(bytes.size()), sink) && decoder.finish(),
             decoder.error().c_str());
    qInfo("records delivered %llu, dropped in the ring %llu, by the collector %llu",
          static_cast<unsigned long long>(sink.records_), static_cast<unsigned long long>(sink.ringDropped),
          static_cast<unsigned long long>(sink.streamDropped));
    QVERIFY(sink.hello_);
    QVERIFY(sink.records_ > 0);
    QVERIFY2(sink.streamDropped > 0, qPrintable(QString("records %1, dropped in ring %2, by the collector %3")
                                                    .arg(sink.records_).arg(sink.ringDropped).arg(sink.streamDropped)));
    // Every callback leaves at least three records (active, begin, end): each
    // was delivered or counted.
    QVERIFY(sink.records_ + sink.ringDropped + sink.streamDropped >= 3u * 300000u);
  }
};

QTEST_MAIN(TestRunTrace)
#include "tst_run_trace.moc"
