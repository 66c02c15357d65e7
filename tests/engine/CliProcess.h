// Test helpers that drive the reactorscope-cli binary as a user would: one run
// to completion, and a server process whose port is read from its first line.
// Header-only; the CLI tests include it with reactorscope-cli's path, tst_app_launch
// with the app's (runCli runs any program: the environment is a parameter).
#pragma once
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

namespace rs::test {

struct CliResult {
  int code = -1;  // -1: did not start, crashed or timed out
  QString out, err;
};

// Runs `cli args` to completion (killed after timeoutMs), in `env`.
inline CliResult runCli(const QString& cli, const QStringList& args, int timeoutMs,
                        const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
  QProcess p;
  p.setProcessEnvironment(env);
  p.start(cli, args);
  CliResult r;
  if (!p.waitForStarted(5000)) return r;
  if (!p.waitForFinished(timeoutMs)) {
    p.kill();
    p.waitForFinished();
    return r;
  }
  r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

// `cli server --port 0 extra...`; port 0 when it did not say where it listens
// within ~10 s. Terminated (then killed) when destroyed.
struct CliServer {
  QProcess p;
  int port = 0;
  CliServer(const QString& cli, const QStringList& extra) {
    p.start(cli, QStringList{"server", "--port", "0"} + extra);
    if (!p.waitForStarted(5000)) return;
    QString line;
    for (int i = 0; i < 100 && !line.contains('\n'); ++i) {
      p.waitForReadyRead(100);
      line += QString::fromUtf8(p.readAllStandardOutput());
    }
    const auto m = QRegularExpression(R"(listening on 127\.0\.0\.1:(\d+))").match(line);
    if (m.hasMatch()) port = m.captured(1).toInt();
  }
  ~CliServer() {
    if (p.state() != QProcess::NotRunning) {
      p.terminate();
      if (!p.waitForFinished(10000)) p.kill();
      p.waitForFinished();
    }
  }
  CliServer(const CliServer&) = delete;
  CliServer& operator=(const CliServer&) = delete;
  QString target() const { return QString("127.0.0.1:%1").arg(port); }
};

}  // namespace rs::test
