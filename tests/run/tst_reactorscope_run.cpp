// reactorscope-run as a user meets it: a program built against Debian's
// libevent runs unmodified on ReactorScope's (same output, same exit status,
// the library it loaded is ours), a script's programs inherit the setup, and
// every program it cannot run gets one message naming the cause and the fix;
// --trace-text changes neither the program's output nor its exit status.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <string>

#include "compat/LiveProtocol.h"
#include "live/Handoff.h"

namespace {

struct Result {
  int exitCode = -1;
  QString out;
  QString err;
};

Result run(const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
  QProcess p;
  p.setProcessEnvironment(env);
  p.start(RUN_PATH, args);
  Result r;
  if (!p.waitForFinished(30000)) {
    p.kill();
    p.waitForFinished();
    r.err = "timed out";
    return r;
  }
  r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

// Everything `fd` gives until its end (or the deadline).
QByteArray readToEnd(int fd, const QDeadlineTimer& guard) {
  QByteArray bytes;
  while (!guard.hasExpired()) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[65536];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) break;
    bytes.append(buf, static_cast<qsizetype>(n));
  }
  return bytes;
}

// Writes `bytes` to `path` as an executable file; `path`, or "" when it cannot.
QString writeExecutable(const QString& path, const QByteArray& bytes) {
  QFile out(path);
  if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size()) return QString();
  out.close();
  return out.setPermissions(out.permissions() | QFileDevice::ExeUser) ? path : QString();
}

QString runDirectly(const QString& program) {
  QProcess p;
  p.start(program, {});
  p.waitForFinished(30000);
  return QString::fromUtf8(p.readAllStandardOutput());
}

}  // namespace

class TestReactorscopeRun : public QObject {
  Q_OBJECT

 private slots:
  void runsDebianBuiltProgramOnOurLibrary() {
    const Result r = run({FOREIGN_PROGRAM});
    QCOMPARE(r.exitCode, 0);
    // The program names the object its event_base_new came from.
    QVERIFY2(r.err.contains(QStringLiteral("library: %1/libevent-2.1.so.7").arg(COMPAT_DIR)), qPrintable(r.err));
    QCOMPARE(r.out, runDirectly(FOREIGN_PROGRAM));
    QVERIFY(r.out.count('\n') >= 12);
  }

  // --trace-text: the same output and exit status as untraced, the trace in
  // the file; a program without libevent runs (an empty trace); a missing or
  // unwritable file name is a usage error with its own message.
  void traceTextKeepsOutputAndStatus() {
    QTemporaryDir dir;
    const QString trace = dir.filePath("trace.txt");
    const Result r = run({"--trace-text", trace, FOREIGN_PROGRAM});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, runDirectly(FOREIGN_PROGRAM));
    QFile file(trace);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(file.readAll());
    QVERIFY2(text.startsWith("# pid ") && text.contains("base=1 created (epoll)"), qPrintable(text));
    QCOMPARE(run({"--force", "--trace-text", trace, NO_LIBEVENT, "7"}).exitCode, 7);

    const Result missing = run({"--trace-text"});
    QCOMPARE(missing.exitCode, 2);
    QVERIFY2(missing.err.contains("--trace-text needs a file name"), qPrintable(missing.err));
    const Result unwritable = run({"--trace-text", "/nonexistent-dir/trace.txt", FOREIGN_PROGRAM});
    QCOMPARE(unwritable.exitCode, 2);
    QVERIFY2(unwritable.err.contains("cannot write the trace to /nonexistent-dir/trace.txt"),
             qPrintable(unwritable.err));
  }

  // No app listening: one line saying how to start it, and the program runs
  // (traced, the relay looking for an app); --no-app does not look. An app listening gets the stream's
  // bytes (its first frame the hello) until the program ends.
  void appStreamingOrHowToStartTheApp() {
    QTemporaryDir dir;
    const QString socketPath = dir.filePath("app.sock");
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("REACTORSCOPE_APP_SOCKET", socketPath);
    const Result noApp = run({FOREIGN_PROGRAM}, env);
    QCOMPARE(noApp.exitCode, 0);
    QCOMPARE(noApp.out, runDirectly(FOREIGN_PROGRAM));
    QVERIFY2(noApp.err.contains("start one with `reactorscope &`"), qPrintable(noApp.err));
    const Result notLooking = run({"--no-app", FOREIGN_PROGRAM}, env);
    QCOMPARE(notLooking.exitCode, 0);
    QVERIFY2(!notLooking.err.contains("reactorscope &"), qPrintable(notLooking.err));

    const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", qPrintable(socketPath));
    QVERIFY(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(listener, 4) == 0);
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(RUN_PATH, {FOREIGN_PROGRAM});
    pollfd pl{listener, POLLIN, 0};
    QVERIFY(::poll(&pl, 1, 30000) == 1);
    const int app = ::accept(listener, nullptr, nullptr);
    QVERIFY(app >= 0);
    // As the app does (live/Handoff.h): the connection's first frame hands the
    // program's own stream over; the stream is read from that descriptor to its
    // end, then the connection gives what the relay said after it.
    QDeadlineTimer guard(30000);
    rs::live::ConnectionOpening opening;
    std::string error;
    rs::live::OpeningKind what = rs::live::OpeningKind::Incomplete;
    while (what == rs::live::OpeningKind::Incomplete && !guard.hasExpired()) {
      pollfd pa{app, POLLIN, 0};
      if (::poll(&pa, 1, 100) <= 0) continue;
      if (rs::live::receiveOpening(app, &opening) <= 0) break;
      what = rs::live::classifyOpening(opening, &error);
    }
    QCOMPARE(what, rs::live::OpeningKind::HandedOff);
    QVERIFY2(rs::live::checkHandedOffStream(opening.fd, &error), error.c_str());
    const QByteArray stream = readToEnd(opening.fd, guard);
    const QByteArray after = QByteArray::fromStdString(opening.bytes.substr(8)) + readToEnd(app, guard);
    ::close(opening.fd);
    ::close(app);
    ::close(listener);
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    QVERIFY2(!p.readAllStandardError().contains("reactorscope &"), "it found the app");
    QVERIFY(stream.size() > 8);
    QCOMPARE(static_cast<int>(stream.at(4)), 1);  // the stream's first frame: hello
    QCOMPARE(after, QByteArray::fromStdString(rs::live::encodeExit(false, 0)));  // then the relay's exit
  }

  void keepsTheProgramsExitStatusAndArguments() {
    QCOMPARE(run({"--force", NO_LIBEVENT, "7"}).exitCode, 7);
    QCOMPARE(run({"--force", "--", NO_LIBEVENT, "3"}).out, QStringLiteral("no libevent here\n"));
  }

  void checkSaysItRuns() {
    const Result r = run({"--check", FOREIGN_PROGRAM});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("links libevent 2.1 (libevent_core-2.1.so.7)") && r.out.contains("all provided"),
             qPrintable(r.out));
  }

  void refusesWithTheCauseAndTheFix_data() {
    QTest::addColumn<QString>("program");
    QTest::addColumn<QString>("message");
    QTest::newRow("no libevent") << QString(NO_LIBEVENT) << QString("does not use libevent");
    QTest::newRow("static libevent") << QString(STATIC_LIBEVENT)
                                     << QString("is statically linked with libevent: its libevent is inside the "
                                                "binary");
    QTest::newRow("evhttp") << QString(USES_EVHTTP) << QString("that ReactorScope's libevent does not provide: evhttp_* (");
  }
  void refusesWithTheCauseAndTheFix() {
    QFETCH(QString, program);
    QFETCH(QString, message);
    const Result checked = run({"--check", program});
    QCOMPARE(checked.exitCode, 1);
    QVERIFY2(checked.out.contains(message), qPrintable(checked.out));
    const Result ran = run({program});
    QCOMPARE(ran.exitCode, 1);
    QVERIFY2(ran.err.startsWith("reactorscope-run: ") && ran.err.contains(message), qPrintable(ran.err));
    QVERIFY(ran.out.isEmpty());  // the program did not run
  }

  void listsTheMissingFunctions() {
    const Result r = run({"--check", USES_EVHTTP});
    QVERIFY2(r.out.contains("  missing: evhttp_new\n") && r.out.contains("  missing: evhttp_free\n"), qPrintable(r.out));
  }

  void refusesAnotherLibeventVersion() {
    // foreign_program with its DT_NEEDED renamed to libevent 2.0's soname (same length).
    QTemporaryDir dir;
    QFile in(FOREIGN_PROGRAM);
    QVERIFY(in.open(QIODevice::ReadOnly));
    QByteArray bytes = in.readAll();
    const QByteArray from = "libevent_core-2.1.so.7", to = "libevent_core-2.0.so.5";
    QVERIFY(bytes.contains(from));
    bytes.replace(from, to);
    const QString path = writeExecutable(dir.filePath("built_against_2_0"), bytes);
    QVERIFY(!path.isEmpty());
    const Result r = run({"--check", path});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.out.contains("is built against libevent 2.0 (libevent_core-2.0.so.5)"), qPrintable(r.out));
  }

  // A copy without execute permission is refused as such (it was "all
  // provided", then failed to start); a cut copy is named truncated (it read
  // as a statically linked program).
  void refusesNonExecutableAndTruncatedCopies() {
    QTemporaryDir dir;
    QFile in(FOREIGN_PROGRAM);
    QVERIFY(in.open(QIODevice::ReadOnly));
    const QByteArray bytes = in.readAll();
    const auto copy = [&](const QString& name, qsizetype size, bool executable) {
      const QString path = dir.filePath(name);
      QFile out(path);
      if (!out.open(QIODevice::WriteOnly)) return QString();
      out.write(bytes.left(size));
      out.close();
      out.setPermissions(executable ? QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner
                                    : QFileDevice::ReadOwner | QFileDevice::WriteOwner);
      return path;
    };
    const QString noExec = copy("no_exec", bytes.size(), false);
    Result r = run({"--check", noExec});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.out.contains("is not executable") && r.out.contains("chmod +x"), qPrintable(r.out));
    const QString cut = copy("cut", 200, true);
    r = run({"--check", cut});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.out.contains("is truncated or damaged") && !r.out.contains("statically linked"), qPrintable(r.out));
  }

  // A program whose section headers were stripped (sstrip, some packers) runs
  // as before -- the loader reads program headers only -- so its libraries and
  // imports are read from its dynamic segment: the same verdict as the original,
  // with the GNU symbol hash (foreign_program) and the SysV one.
  void sectionHeadersStrippedReadsTheDynamicSegment_data() {
    QTest::addColumn<QString>("program");
    QTest::addColumn<QString>("expected");
    QTest::newRow("gnu hash") << QString(FOREIGN_PROGRAM) << QString("all provided");
    QTest::newRow("sysv hash") << QString(USES_EVHTTP_SYSV_HASH) << QString("  missing: evhttp_new\n");
  }
  void sectionHeadersStrippedReadsTheDynamicSegment() {
    QFETCH(QString, program);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    QFile in(program);
    QVERIFY(in.open(QIODevice::ReadOnly));
    QByteArray bytes = in.readAll();
    QVERIFY(bytes.size() > 64 && bytes.startsWith("\x7f" "ELF\x02"));  // ELF64
    bytes.replace(0x28, 8, QByteArray(8, '\0'));  // e_shoff
    bytes.replace(0x3a, 6, QByteArray(6, '\0'));  // e_shentsize, e_shnum, e_shstrndx
    const QString path = writeExecutable(dir.filePath("no_section_headers"), bytes);
    QVERIFY(!path.isEmpty());
    const Result original = run({"--check", program});
    const Result stripped = run({"--check", path});
    QVERIFY2(stripped.out.contains(expected), qPrintable(stripped.out));
    QCOMPARE(stripped.exitCode, original.exitCode);
    QCOMPARE(QString(stripped.out).replace(path, "PROGRAM"), QString(original.out).replace(program, "PROGRAM"));
  }

  void scriptsAreExplainedAndTheirProgramsRunOnOurs() {
    QTemporaryDir dir;
    const QString path = dir.filePath("wrapper.sh");
    QFile script(path);
    QVERIFY(script.open(QIODevice::WriteOnly));
    script.write(QByteArray("#!/bin/sh\nexec ") + FOREIGN_PROGRAM + "\n");
    script.close();
    script.setPermissions(script.permissions() | QFileDevice::ExeUser);
    QVERIFY(run({"--check", path}).out.contains("is a script (#!/bin/sh)"));
    const Result r = run({path});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.err.contains(QStringLiteral("library: %1/").arg(COMPAT_DIR)), qPrintable(r.err));
  }

  void badInvocations() {
    const Result missing = run({"/nonexistent/program"});
    QCOMPARE(missing.exitCode, 127);
    QVERIFY(missing.err.contains("no such program"));
    QCOMPARE(run({}).exitCode, 2);
    QCOMPARE(run({"--bogus", NO_LIBEVENT}).exitCode, 2);
    const Result help = run({"--help"});
    QCOMPARE(help.exitCode, 0);
    QVERIFY(help.out.startsWith("usage: reactorscope-run"));
    QTemporaryDir dir;
    const QString text = dir.filePath("notes.txt");
    QFile f(text);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not a program\n");
    f.close();
    const Result notElf = run({"--check", text});
    QCOMPARE(notElf.exitCode, 1);
    QVERIFY2(notElf.out.contains("is not an ELF executable"), qPrintable(notElf.out));
  }

  void libraryDirectoryCanBeOverridden() {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("REACTORSCOPE_LIBEVENT_DIR", COMPAT_DIR);
    QCOMPARE(run({"--check", FOREIGN_PROGRAM}, env).exitCode, 0);
  }
};

QTEST_GUILESS_MAIN(TestReactorscopeRun)
#include "tst_reactorscope_run.moc"
