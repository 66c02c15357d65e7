#include "model/ProgramLauncher.h"

#include <signal.h>
#include <unistd.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTimer>

#include "live/AppSocket.h"

namespace rs::gui {

struct ProgramLauncher::Launched {
  int id = 0;
  QString name;   // the program's file name, in the log lines
  QString title;  // its command line and the relay's pid, once started
  QString status;
  qint64 relayPid = 0;
  std::unique_ptr<QProcess> process;
  QTimer killTimer;
  ProgramOutput output;
  bool running() const { return process && process->state() != QProcess::NotRunning; }
};

ProgramLauncher::ProgramLauncher(SessionController* controller, QString appSocketPath, QObject* parent)
    : QObject(parent), controller_(controller), socketPath_(std::move(appSocketPath)), runPath_(defaultRunPath()) {}

ProgramLauncher::~ProgramLauncher() {
  for (const auto& l : launched_) {
    if (!l->running()) continue;
    ::kill(-static_cast<pid_t>(l->process->processId()), SIGKILL);
    l->process->waitForFinished(2000);
  }
}

QString ProgramLauncher::defaultRunPath() {
  const QString dir = QCoreApplication::applicationDirPath();
  for (const QString& candidate : {dir + QStringLiteral("/run/reactorscope-run"), dir + QStringLiteral("/reactorscope-run")})
    if (QFileInfo(candidate).isExecutable()) return candidate;
  return QStandardPaths::findExecutable(QStringLiteral("reactorscope-run"));
}

QString ProgramLauncher::environmentError(const QStringList& entries) {
  static const QRegularExpression name(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
  for (const QString& entry : entries) {
    const qsizetype eq = entry.indexOf(QLatin1Char('='));
    if (eq < 0) return QStringLiteral("'%1' is not KEY=VALUE").arg(entry);
    if (!name.match(entry.left(eq)).hasMatch())
      return QStringLiteral("'%1' is not a variable name (letters, digits, _; not first a digit)").arg(entry.left(eq));
  }
  return {};
}

bool ProgramLauncher::start(const ProgramLaunch& launch, QString* error, int* launchId) {
  if (launch.program.trimmed().isEmpty()) {
    *error = QStringLiteral("no program given");
    return false;
  }
  if (runPath_.isEmpty() || !QFileInfo(runPath_).isExecutable()) {
    *error = QStringLiteral("reactorscope-run was not found next to the app nor on PATH");
    return false;
  }
  if (!launch.workingDirectory.isEmpty() && !QFileInfo(launch.workingDirectory).isDir()) {
    *error = QStringLiteral("working directory %1 does not exist").arg(launch.workingDirectory);
    return false;
  }
  if (const QString bad = environmentError(launch.environment); !bad.isEmpty()) {
    *error = QStringLiteral("environment: %1").arg(bad);
    return false;
  }
  auto owned = std::make_unique<Launched>();
  Launched* l = owned.get();
  l->id = ++lastLaunchId_;
  l->name = QFileInfo(launch.program).fileName();
  l->title = (QStringList{l->name} + launch.arguments).join(QLatin1Char(' '));
  l->status = QStringLiteral("starting");
  launched_.push_back(std::move(owned));
  forgetOldLaunches();
  if (launchId) *launchId = l->id;

  l->killTimer.setSingleShot(true);
  connect(&l->killTimer, &QTimer::timeout, this, [this, l] {
    if (!l->running()) return;
    log(LogLevel::Warning, QStringLiteral("%1 did not stop within %2 s: SIGKILL").arg(l->name).arg(kStopGraceMs / 1000));
    ::kill(-static_cast<pid_t>(l->process->processId()), SIGKILL);
  });
  l->process = std::make_unique<QProcess>();
  QProcess* process = l->process.get();
  process->setProgram(runPath_);
  process->setArguments(QStringList{QStringLiteral("--")} + QStringList{launch.program} + launch.arguments);
  if (!launch.workingDirectory.isEmpty()) process->setWorkingDirectory(launch.workingDirectory);
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  for (const QString& entry : launch.environment) {
    const qsizetype eq = entry.indexOf(QLatin1Char('='));
    env.insert(entry.left(eq), entry.mid(eq + 1));
  }
  env.insert(QString::fromLatin1(live::kAppSocketEnv), socketPath_);  // this app, whatever else listens
  process->setProcessEnvironment(env);
  process->setChildProcessModifier([] { ::setpgid(0, 0); });  // its own group: stop() reaches the program too
  connect(process, &QProcess::readyReadStandardOutput, this, [this, l] { readOutput(*l, QProcess::StandardOutput); });
  connect(process, &QProcess::readyReadStandardError, this, [this, l] { readOutput(*l, QProcess::StandardError); });
  connect(process, &QProcess::finished, this, [this, l](int code, QProcess::ExitStatus status) {
    l->killTimer.stop();
    readOutput(*l, QProcess::StandardOutput);
    readOutput(*l, QProcess::StandardError);
    l->status = status == QProcess::NormalExit ? QStringLiteral("exited with code %1").arg(code)
                                               : QStringLiteral("was ended by a signal");
    log(status == QProcess::NormalExit && code == 0 ? LogLevel::Info : LogLevel::Warning,
        QStringLiteral("%1 %2").arg(l->name, l->status));
    emit finished(l->id);
  });
  connect(process, &QProcess::started, this, [this, l] {
    l->relayPid = l->process->processId();
    l->title = QStringLiteral("%1 (reactorscope-run pid %2)").arg(l->title).arg(l->relayPid);
    l->status = QStringLiteral("running");
    log(LogLevel::Info, QStringLiteral("started %1 under reactorscope-run").arg(l->title));
    emit started(l->id, l->title);
  });
  connect(process, &QProcess::errorOccurred, this, [this, l](QProcess::ProcessError e) {
    if (e != QProcess::FailedToStart) return;
    const QString why = QStringLiteral("cannot start %1: %2").arg(runPath_, l->process->errorString());
    l->status = QStringLiteral("could not start");
    l->output.append(why, true);
    log(LogLevel::Error, why);
    emit startFailed(l->id, why);
    emit finished(l->id);
  });
  process->start();  // no wait: started / errorOccurred follow
  return true;
}

bool ProgramLauncher::running() const {
  for (const auto& l : launched_)
    if (l->running()) return true;
  return false;
}

qint64 ProgramLauncher::relayPid() const {
  for (auto it = launched_.rbegin(); it != launched_.rend(); ++it)
    if ((*it)->running()) return (*it)->process->processId();
  return 0;
}

void ProgramLauncher::stop() {
  for (const auto& l : launched_) {
    if (!l->running() || l->killTimer.isActive()) continue;
    log(LogLevel::Info, QStringLiteral("stopping %1: SIGTERM").arg(l->name));
    ::kill(static_cast<pid_t>(l->process->processId()), SIGTERM);  // reactorscope-run passes it on
    l->killTimer.start(kStopGraceMs);
  }
}

ProgramLauncher::Launched* ProgramLauncher::find(int launchId) const {
  for (const auto& l : launched_)
    if (l->id == launchId) return l.get();
  return nullptr;
}

const ProgramOutput* ProgramLauncher::output(int launchId) const {
  const Launched* l = find(launchId);
  return l ? &l->output : nullptr;
}

QString ProgramLauncher::title(int launchId) const {
  const Launched* l = find(launchId);
  return l ? l->title : QString();
}

QString ProgramLauncher::status(int launchId) const {
  const Launched* l = find(launchId);
  return l ? l->status : QString();
}

void ProgramLauncher::clearOutput(int launchId) {
  if (Launched* l = find(launchId)) l->output.clear();
}

int ProgramLauncher::launchOfRelay(qint64 relayPid) const {
  if (relayPid <= 0) return 0;
  for (auto it = launched_.rbegin(); it != launched_.rend(); ++it)  // a reused pid: the newest
    if ((*it)->relayPid == relayPid) return (*it)->id;
  return 0;
}

void ProgramLauncher::forgetOldLaunches() {
  // (The newest, just added, is never a candidate.)
  for (auto it = launched_.begin(); launched_.size() > kMaxKeptLaunches && it != std::prev(launched_.end());)
    it = (*it)->running() ? std::next(it) : launched_.erase(it);
}

void ProgramLauncher::readOutput(Launched& l, QProcess::ProcessChannel channel) {
  QProcess* process = l.process.get();
  process->setReadChannel(channel);
  const bool isStderr = channel == QProcess::StandardError;
  const LogLevel level = isStderr ? LogLevel::Warning : LogLevel::Info;
  const QString tag = isStderr ? QStringLiteral("stderr") : QStringLiteral("stdout");
  const auto line = [&](const QByteArray& bytes) {
    QString text = QString::fromLocal8Bit(bytes);
    while (text.endsWith(QLatin1Char('\n')) || text.endsWith(QLatin1Char('\r'))) text.chop(1);
    log(level, QStringLiteral("%1 %2: %3").arg(l.name, tag, text));
    l.output.append(text, isStderr);
    emit outputLine(l.id, text, isStderr);
  };
  while (process->canReadLine()) line(process->readLine());
  if (process->state() == QProcess::NotRunning && process->bytesAvailable() > 0) line(process->readAll());
}

void ProgramLauncher::log(LogLevel level, const QString& text) {
  controller_->aggregator().appendLog({{QDateTime::currentDateTime(), level, 0, text}});
}

}  // namespace rs::gui
