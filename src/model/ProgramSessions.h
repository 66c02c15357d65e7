// The app's traced programs: a LiveTargetServer on the per-user socket and a
// ProgramSession for each program that connects (each of its event bases a
// session in the controller). Listening failures and rejected peers go to the
// log; a program's end leaves its sessions (ended) in the models. Stop on a
// program's session (SessionController::stopSession) stops that program
// (ProgramSession::stop: SIGTERM, then SIGKILL after a grace period).
// Thread contract: GUI thread only.
#pragma once
#include <QObject>
#include <QString>

#include <map>
#include <memory>
#include <vector>

#include "model/LiveTargetServer.h"
#include "model/ProgramLauncher.h"
#include "model/ProgramSession.h"

namespace rs::gui {

class ProgramSessions : public QObject {
  Q_OBJECT
 public:
  explicit ProgramSessions(SessionController* controller, QObject* parent = nullptr);

  // Listens at `socketPath` (live::appSocketPath() in the app); false, with
  // the reason in the log and in *error, when it cannot.
  bool listen(const QString& socketPath, QString* error = nullptr);
  LiveTargetServer& server() { return server_; }
  // "Run program…": runs a program under reactorscope-run aimed at this
  // listener (null until listen() succeeded).
  ProgramLauncher* launcher() { return launcher_.get(); }
  // Programs connected so far (ended ones included), oldest first.
  const std::vector<ProgramSession*>& programs() const { return programs_; }
  // The program whose base is `session`; null when it is no program's.
  const ProgramSession* programOf(int session) const;
  // The pid of the peer that streamed `program` (reactorscope-run, the relay;
  // ProgramLauncher::launchOfRelay maps it to a launch); 0 when unknown.
  qint64 relayPidOf(const ProgramSession* program) const;

 private:
  void log(LogLevel level, const QString& text);

  SessionController* controller_;
  LiveTargetServer server_;
  std::vector<ProgramSession*> programs_;  // children of this object
  std::map<const ProgramSession*, qint64> relayPids_;
  std::unique_ptr<ProgramLauncher> launcher_;
};

}  // namespace rs::gui
