#include "model/ProgramLauncher.h"

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

#include <QCoreApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSocketNotifier>
#include <QStandardPaths>
#include <QTimer>

#include "live/AppSocket.h"
#include "live/TraceDecoder.h"

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
  // The program's stdout and stderr terminals (master ends; -1: pipes), and
  // what arrived after each one's last full line.
  int terminal[2] = {-1, -1};
  std::unique_ptr<QSocketNotifier> terminalNotifier[2];
  QByteArray partial[2];
  bool running() const { return process && process->state() != QProcess::NotRunning; }
  // (A launch forgotten, or one that never started: its terminals close with it.
  // The process's signals are cut first: its end must not reach a half-gone launch.)
  ~Launched() {
    if (process) process->disconnect();
    for (int i = 0; i < 2; ++i) {
      terminalNotifier[i].reset();
      if (terminal[i] >= 0) ::close(terminal[i]);
    }
  }
};

namespace {
// A pseudo-terminal in raw mode (no newline translation, no echo), both ends
// close-on-exec (the child's dup2 onto 1 and 2 clears that); false: none.
bool openTerminal(int* master, int* slave) {
  if (::openpty(master, slave, nullptr, nullptr, nullptr) != 0) return false;
  termios mode{};
  if (::tcgetattr(*slave, &mode) == 0) {
    ::cfmakeraw(&mode);
    ::tcsetattr(*slave, TCSANOW, &mode);
  }
  ::fcntl(*master, F_SETFD, FD_CLOEXEC);
  ::fcntl(*slave, F_SETFD, FD_CLOEXEC);
  ::fcntl(*master, F_SETFL, ::fcntl(*master, F_GETFL) | O_NONBLOCK);
  return true;
}
}  // namespace

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
    log(LogLevel::Warning, QStringLiteral("%1 did not stop within %2 s: SIGKILL").arg(l->name, QString::number(kStopGraceMs / 1000)));
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
  int slaves[2] = {-1, -1};
  for (int i = 0; i < 2; ++i) {
    if (openTerminal(&l->terminal[i], &slaves[i])) continue;
    for (int j = 0; j < i; ++j) {
      ::close(l->terminal[j]);
      ::close(slaves[j]);
      l->terminal[j] = -1;
      slaves[j] = -1;
    }
    break;
  }
  // Its own group (stop() reaches the program too); the terminals as 1 and 2.
  process->setChildProcessModifier([out = slaves[0], err = slaves[1]] {
    ::setpgid(0, 0);
    if (out >= 0 && err >= 0) {
      ::dup2(out, STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
    }
  });
  connect(process, &QProcess::readyReadStandardOutput, this, [this, l] { readOutput(*l, QProcess::StandardOutput); });
  connect(process, &QProcess::readyReadStandardError, this, [this, l] { readOutput(*l, QProcess::StandardError); });
  connect(process, &QProcess::finished, this, [this, l](int code, QProcess::ExitStatus status) {
    l->killTimer.stop();
    readOutput(*l, QProcess::StandardOutput);
    readOutput(*l, QProcess::StandardError);
    closeTerminals(*l);
    // (After a crash QProcess's exit code is the signal that ended the process:
    // reactorscope-run ends itself with the program's signal.)
    l->status = status == QProcess::NormalExit
                    ? QStringLiteral("exited with code %1").arg(code)
                    : QStringLiteral("was ended by %1").arg(QString::fromStdString(live::exitText({true, code})));
    log(status == QProcess::NormalExit && code == 0 ? LogLevel::Info : LogLevel::Warning,
        QStringLiteral("%1 %2").arg(l->name, l->status));
    emit finished(l->id);
  });
  connect(process, &QProcess::started, this, [this, l] {
    l->relayPid = l->process->processId();
    l->title = QStringLiteral("%1 (reactorscope-run pid %2)").arg(l->title, QString::number(l->relayPid));
    l->status = QStringLiteral("running");
    log(LogLevel::Info, QStringLiteral("started %1 under reactorscope-run").arg(l->title));
    emit started(l->id, l->title);
  });
  connect(process, &QProcess::errorOccurred, this, [this, l](QProcess::ProcessError e) {
    if (e != QProcess::FailedToStart) return;
    closeTerminals(*l);
    const QString why = QStringLiteral("cannot start %1: %2").arg(runPath_, l->process->errorString());
    l->status = QStringLiteral("could not start");
    l->output.append(why, true);
    log(LogLevel::Error, why);
    emit startFailed(l->id, why);
    emit finished(l->id);
  });
  process->start();  // no wait: started / errorOccurred follow (the fork is done)
  for (int i = 0; i < 2; ++i) {
    if (slaves[i] >= 0) ::close(slaves[i]);
    if (l->terminal[i] < 0) continue;
    l->terminalNotifier[i] = std::make_unique<QSocketNotifier>(static_cast<qintptr>(l->terminal[i]), QSocketNotifier::Read);
    connect(l->terminalNotifier[i].get(), &QSocketNotifier::activated, this, [this, l, i] { readTerminal(*l, i, false); });
  }
  return true;
}

// What the program wrote on a terminal: whole lines out; the rest waits (a
// line longer than 64 KiB goes out in parts). At most 64 KiB per call (1 MiB
// at the end: what a process left behind, not a flood from one that still
// holds the terminal): a program printing without pause does not keep its
// other channel (or the GUI) waiting; the notifier calls again.
void ProgramLauncher::readTerminal(Launched& l, int channel, bool atTheEnd) {
  const int fd = l.terminal[channel];
  if (fd < 0) return;
  constexpr qsizetype kLongestLine = 64 * 1024;
  char bytes[4096];
  for (int reads = 0; reads < (atTheEnd ? 256 : 16); ++reads) {
    const ssize_t n = ::read(fd, bytes, sizeof bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // EAGAIN: for now. EIO (every slave closed) or 0: the end.
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (l.terminalNotifier[channel]) l.terminalNotifier[channel]->setEnabled(false);  // (closeTerminals() frees it)
      return;
    }
    QByteArray& partial = l.partial[channel];
    const qsizetype scanned = partial.size();
    partial.append(bytes, n);
    qsizetype from = 0;
    for (qsizetype newline; (newline = partial.indexOf('\n', std::max(from, scanned))) >= 0; from = newline + 1)
      takeLine(l, partial.mid(from, newline + 1 - from), channel == 1);
    partial.remove(0, from);
    if (partial.size() > kLongestLine) takeLine(l, std::exchange(partial, {}), channel == 1);
  }
}

// At the process's end: what is left on the terminals, then they close.
void ProgramLauncher::closeTerminals(Launched& l) {
  for (int i = 0; i < 2; ++i) {
    if (l.terminal[i] < 0) continue;
    l.terminalNotifier[i].reset();
    readTerminal(l, i, true);
    if (!l.partial[i].isEmpty()) takeLine(l, std::exchange(l.partial[i], {}), i == 1);
    ::close(l.terminal[i]);
    l.terminal[i] = -1;
  }
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
  while (process->canReadLine()) takeLine(l, process->readLine(), isStderr);
  if (process->state() == QProcess::NotRunning && process->bytesAvailable() > 0) takeLine(l, process->readAll(), isStderr);
}

// One line of the program's output: to its pane and the log.
void ProgramLauncher::takeLine(Launched& l, QByteArray bytes, bool isStderr) {
  QString text = QString::fromLocal8Bit(bytes);
  while (text.endsWith(QLatin1Char('\n')) || text.endsWith(QLatin1Char('\r'))) text.chop(1);
  log(isStderr ? LogLevel::Warning : LogLevel::Info,
      QStringLiteral("%1 %2: %3").arg(l.name, isStderr ? QStringLiteral("stderr") : QStringLiteral("stdout"), text));
  l.output.append(text, isStderr);
  emit outputLine(l.id, text, isStderr);
}

void ProgramLauncher::log(LogLevel level, const QString& text) {
  controller_->aggregator().appendLog({{QDateTime::currentDateTime(), level, 0, text}});
}

}  // namespace rs::gui
