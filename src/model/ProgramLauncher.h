// "Run program…": starts PROGRAM [ARGS] in a working directory, with extra
// KEY=VALUE environment entries, under reactorscope-run (QProcess), pointed at
// this app's socket, so the program shows up as a traced-program session
// (ProgramSessions). Several programs may run at once; each launch has an id
// (1, 2, …) and its own bounded output (ProgramOutput: its stdout and stderr
// line by line, reactorscope-run's own lines too), kept after it ended (the
// last kMaxKeptLaunches launches). Starting never blocks the GUI: start()
// checks the launch and returns; the process's started / errorOccurred
// signals say the rest (startFailed() and a log line when it cannot run).
// The program's stdout and stderr are pseudo-terminals (raw mode: bytes as
// written), as in a terminal: its C library then flushes printf's output at
// each line, so the pane shows it as it is printed (with pipes it came in
// 4 KiB blocks, and what a stopped program had not flushed was lost). Where
// no pseudo-terminal can be had, pipes.
// Each output line also goes to the log, tagged with the program's name; its
// exit code, or the signal that ended it, too (and into its status()).
// The relay's pid is what the app's socket sees as the peer of each of the
// program's streams (forked children included): launchOfRelay() maps a
// session's peer back to its launch. stop(): SIGTERM to every running
// launch (reactorscope-run passes it on to the program), then, after
// kStopGraceMs, SIGKILL to its whole process group (the relay and the
// program: it runs in its own group).
// Thread contract: GUI thread only.
#pragma once
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

#include "model/ProgramOutput.h"
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
  static constexpr size_t kMaxKeptLaunches = 32;  // ended ones beyond go, oldest first
  ProgramLauncher(SessionController* controller, QString appSocketPath, QObject* parent = nullptr);
  ~ProgramLauncher() override;

  // reactorscope-run found next to the app (build tree or installed), else on PATH.
  static QString defaultRunPath();
  void setRunPath(const QString& path) { runPath_ = path; }

  // Empty when every entry is KEY=VALUE with KEY a shell-style name; else
  // which entry is wrong and why (the one rule, used by the dialog too).
  static QString environmentError(const QStringList& entries);
  // Starts it without waiting; false with *error when the launch is refused
  // (not found, no program, a bad directory or environment entry). *launchId:
  // the new launch's id.
  bool start(const ProgramLaunch& launch, QString* error, int* launchId = nullptr);
  // Whether any launch is running.
  bool running() const;
  // The newest running launch's reactorscope-run pid, 0 when none runs.
  qint64 relayPid() const;
  void stop();

  // A kept launch's output, title ("server 8888 (reactorscope-run pid 4242)")
  // and status ("running", "exited with code 0", …); null / "" when unknown.
  const ProgramOutput* output(int launchId) const;
  QString title(int launchId) const;
  QString status(int launchId) const;
  void clearOutput(int launchId);
  // The launch whose reactorscope-run had pid `relayPid`; 0 when none.
  int launchOfRelay(qint64 relayPid) const;

 signals:
  void started(int launchId, const QString& title);
  void startFailed(int launchId, const QString& why);
  void outputLine(int launchId, const QString& line, bool isStderr);
  void finished(int launchId);

 private:
  struct Launched;
  Launched* find(int launchId) const;
  void readOutput(Launched& l, QProcess::ProcessChannel channel);
  void readTerminal(Launched& l, int channel, bool atTheEnd);  // 0 stdout, 1 stderr
  void closeTerminals(Launched& l);
  void takeLine(Launched& l, QByteArray bytes, bool isStderr);
  void forgetOldLaunches();
  void log(LogLevel level, const QString& text);

  SessionController* controller_;
  QString socketPath_;
  QString runPath_;
  int lastLaunchId_ = 0;
  std::vector<std::unique_ptr<Launched>> launched_;  // oldest first
};

}  // namespace rs::gui
