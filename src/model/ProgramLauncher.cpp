#include "model/ProgramLauncher.h"

#include <signal.h>
#include <unistd.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>

#include "live/AppSocket.h"

namespace rs::gui {

ProgramLauncher::ProgramLauncher(SessionController* controller, QString appSocketPath, QObject* parent)
    : QObject(parent), controller_(controller), socketPath_(std::move(appSocketPath)), runPath_(defaultRunPath()) {
  killTimer_.setSingleShot(true);
  connect(&killTimer_, &QTimer::timeout, this, [this] {
    if (!running()) return;
    log(LogLevel::Warning, QStringLiteral("%1 did not stop within %2 s: SIGKILL").arg(name_).arg(kStopGraceMs / 1000));
    ::kill(-static_cast<pid_t>(process_->processId()), SIGKILL);
  });
}

ProgramLauncher::~ProgramLauncher() {
  if (running()) {
    ::kill(-static_cast<pid_t>(process_->processId()), SIGKILL);
    process_->waitForFinished(2000);
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

bool ProgramLauncher::start(const ProgramLaunch& launch, QString* error) {
  if (running()) {
    *error = QStringLiteral("%1 is still running: stop it first").arg(name_);
    return false;
  }
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
  name_ = QFileInfo(launch.program).fileName();
  process_ = std::make_unique<QProcess>();
  process_->setProgram(runPath_);
  process_->setArguments(QStringList{QStringLiteral("--")} + QStringList{launch.program} + launch.arguments);
  if (!launch.workingDirectory.isEmpty()) process_->setWorkingDirectory(launch.workingDirectory);
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  for (const QString& entry : launch.environment) {
    const qsizetype eq = entry.indexOf(QLatin1Char('='));
    env.insert(entry.left(eq), entry.mid(eq + 1));
  }
  env.insert(QString::fromLatin1(live::kAppSocketEnv), socketPath_);  // this app, whatever else listens
  process_->setProcessEnvironment(env);
  process_->setChildProcessModifier([] { ::setpgid(0, 0); });  // its own group: stop() reaches the program too
  connect(process_.get(), &QProcess::readyReadStandardOutput, this, [this] { readOutput(QProcess::StandardOutput); });
  connect(process_.get(), &QProcess::readyReadStandardError, this, [this] { readOutput(QProcess::StandardError); });
  connect(process_.get(), &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
    killTimer_.stop();
    readOutput(QProcess::StandardOutput);
    readOutput(QProcess::StandardError);
    if (status == QProcess::NormalExit)
      log(code == 0 ? LogLevel::Info : LogLevel::Warning, QStringLiteral("%1 exited with code %2").arg(name_).arg(code));
    else
      log(LogLevel::Warning, QStringLiteral("%1 was ended by a signal").arg(name_));
    emit finished();
  });
  const QString title = (QStringList{name_} + launch.arguments).join(QLatin1Char(' '));
  connect(process_.get(), &QProcess::started, this, [this, title] {
    const QString named = QStringLiteral("%1 (reactorscope-run pid %2)").arg(title).arg(process_->processId());
    log(LogLevel::Info, QStringLiteral("started %1 under reactorscope-run").arg(named));
    emit started(named);
  });
  connect(process_.get(), &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
    if (e != QProcess::FailedToStart) return;
    const QString why = QStringLiteral("cannot start %1: %2").arg(runPath_, process_->errorString());
    log(LogLevel::Error, why);
    emit startFailed(why);
    emit finished();
  });
  process_->start();  // no wait: started / errorOccurred follow
  return true;
}

void ProgramLauncher::stop() {
  if (!running()) return;
  log(LogLevel::Info, QStringLiteral("stopping %1: SIGTERM").arg(name_));
  ::kill(static_cast<pid_t>(process_->processId()), SIGTERM);  // reactorscope-run passes it on
  killTimer_.start(kStopGraceMs);
}

void ProgramLauncher::readOutput(QProcess::ProcessChannel channel) {
  if (!process_) return;
  process_->setReadChannel(channel);
  const LogLevel level = channel == QProcess::StandardError ? LogLevel::Warning : LogLevel::Info;
  const QString tag = channel == QProcess::StandardError ? QStringLiteral("stderr") : QStringLiteral("stdout");
  const auto line = [&](const QByteArray& bytes) {
    const QString text = QString::fromLocal8Bit(bytes).trimmed();
    log(level, QStringLiteral("%1 %2: %3").arg(name_, tag, text));
    emit outputLine(text, channel == QProcess::StandardError);
  };
  while (process_->canReadLine()) line(process_->readLine());
  if (process_->state() == QProcess::NotRunning && process_->bytesAvailable() > 0) line(process_->readAll());
}

void ProgramLauncher::log(LogLevel level, const QString& text) {
  controller_->aggregator().appendLog({{QDateTime::currentDateTime(), level, 0, text}});
}

}  // namespace rs::gui
