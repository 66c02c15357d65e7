// "Run program…": starts PROGRAM [ARGS] in a working directory, with extra
// KEY=VALUE environment entries, under reactorscope-run (QProcess), pointed at
// this app's socket, so the program shows up as a traced-program session
// (ProgramSessions). Starting never blocks the GUI: start() checks the launch
// and returns; the process's started / errorOccurred signals say the rest
// (startFailed() and a log line when it cannot run). Its stdout and stderr
// (and reactorscope-run's own lines) go to the log, line by line, tagged with
// the program's name, and to outputLine() (the Program output pane); its exit
// code, or the signal that ended it, too. stop(): SIGTERM (reactorscope-run passes it on to the program), then,
// after kStopGraceMs, SIGKILL to the whole process group (the relay and the
// program: it runs in its own group).
// Thread contract: GUI thread only.
#pragma once
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <memory>

#include "model/SessionController.h"

namespace rs::gui {

struct ProgramLaunch {
  QString program;
  QStringList arguments;
  QString workingDirectory;  // empty: the app's
  QStringList environment;   // KEY=VALUE entries added to (or replacing in) the app's environment
  bool operator==(const ProgramLaunch&) const = default;
};

class ProgramLauncher : public QObject {
  Q_OBJECT
 public:
  static constexpr int kStopGraceMs = 3000;
  ProgramLauncher(SessionController* controller, QString appSocketPath, QObject* parent = nullptr);
  ~ProgramLauncher() override;

  // reactorscope-run found next to the app (build tree or installed), else on PATH.
  static QString defaultRunPath();
  void setRunPath(const QString& path) { runPath_ = path; }

  // Empty when every entry is KEY=VALUE with KEY a shell-style name; else
  // which entry is wrong and why (the one rule, used by the dialog too).
  static QString environmentError(const QStringList& entries);
  // Starts it without waiting; false with *error when the launch is refused
  // (not found, already running, a bad environment entry).
  bool start(const ProgramLaunch& launch, QString* error);
  bool running() const { return process_ && process_->state() != QProcess::NotRunning; }
  // reactorscope-run's pid (the peer the app's socket sees), 0 when not running.
  qint64 relayPid() const { return running() ? process_->processId() : 0; }
  void stop();

 signals:
  void started(const QString& title);  // "server 8888 (reactorscope-run pid 4242)"
  void startFailed(const QString& why);
  void outputLine(const QString& line, bool isStderr);
  void finished();

 private:
  void readOutput(QProcess::ProcessChannel channel);
  void log(LogLevel level, const QString& text);

  SessionController* controller_;
  QString socketPath_;
  QString runPath_;
  QString name_;  // the program's file name, in the log lines
  std::unique_ptr<QProcess> process_;
  QTimer killTimer_;
};

}  // namespace rs::gui
