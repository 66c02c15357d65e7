#include "model/ProgramSessions.h"

#include <QDateTime>

namespace rs::gui {

ProgramSessions::ProgramSessions(SessionController* controller, QObject* parent)
    : QObject(parent), controller_(controller) {
  connect(&server_, &LiveTargetServer::message, this, &ProgramSessions::log);
  connect(&server_, &LiveTargetServer::targetConnected, this, [this](int fd, qint64 peerPid) {
    programs_.push_back(new ProgramSession(fd, controller_, this));
    relayPids_[programs_.back()] = peerPid;
  });
  connect(controller_, &SessionController::externalStopRequested, this, [this](int id) {
    for (ProgramSession* p : programs_)
      if (p->owns(id)) p->stop();
  });
}

bool ProgramSessions::listen(const QString& socketPath, QString* error) {
  QString why;
  if (server_.listen(socketPath, &why)) {
    launcher_ = std::make_unique<ProgramLauncher>(controller_, socketPath);
    log(LogLevel::Info, QStringLiteral("traced programs: listening at %1 (run one with reactorscope-run PROGRAM)").arg(socketPath));
    return true;
  }
  log(LogLevel::Warning, why);
  if (error) *error = why;
  return false;
}

const ProgramSession* ProgramSessions::programOf(int session) const {
  for (const ProgramSession* p : programs_)
    if (p->owns(session)) return p;
  return nullptr;
}

qint64 ProgramSessions::relayPidOf(const ProgramSession* program) const {
  const auto it = relayPids_.find(program);
  return it == relayPids_.end() ? 0 : it->second;
}

void ProgramSessions::log(LogLevel level, const QString& text) {
  controller_->aggregator().appendLog({{QDateTime::currentDateTime(), level, 0, text}});
}

}  // namespace rs::gui
