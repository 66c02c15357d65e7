// "Run program…": starts PROGRAM [ARGS] in a working directory under
// reactorscope-run (QProcess), pointed at this app's socket, so the program
// shows up as a traced-program session (ProgramSessions). Its stdout and
// stderr (and reactorscope-run's own lines) go to the log, line by line,
// tagged with the program's name; its exit code, or the signal that ended it,
// too. stop(): SIGTERM (reactorscope-run passes it on to the program), then,
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

  // Starts it; false with *error when it cannot (not found, already running).
  bool start(const ProgramLaunch& launch, QString* error);
  bool running() const { return process_ && process_->state() != QProcess::NotRunning; }
  // reactorscope-run's pid (the peer the app's socket sees), 0 when not running.
  qint64 relayPid() const { return running() ? process_->processId() : 0; }
  void stop();

 signals:
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
