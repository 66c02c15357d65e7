#include "widgets/RunProgramDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QPlainTextEdit>
#include <QMenu>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QSettings>

#include "model/ProgramSessions.h"
#include "widgets/ProgramOutputPane.h"

namespace rs::gui {

namespace {

// A line edit with a "Browse…" button that fills it.
QWidget* withBrowse(QLineEdit* edit, QWidget* parent, bool directory) {
  auto* row = new QWidget(parent);
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(edit);
  auto* browse = new QPushButton(QObject::tr("Browse…"), row);
  layout->addWidget(browse);
  QObject::connect(browse, &QPushButton::clicked, row, [edit, parent, directory] {
    const QString chosen = directory ? QFileDialog::getExistingDirectory(parent, QObject::tr("Working directory"), edit->text())
                                     : QFileDialog::getOpenFileName(parent, QObject::tr("Program"), edit->text());
    if (!chosen.isEmpty()) edit->setText(chosen);
  });
  return row;
}

// Arguments as the Arguments field takes them (QProcess::splitCommand's quoting).
QString quoted(const QStringList& arguments) {
  QStringList out;
  for (const QString& a : arguments)
    out << (a.contains(QLatin1Char(' ')) || a.isEmpty() ? QLatin1Char('"') + a + QLatin1Char('"') : a);
  return out.join(QLatin1Char(' '));
}

}  // namespace

RunProgramDialog::RunProgramDialog(QWidget* parent)
    : QDialog(parent), recentBox_(new QComboBox(this)), program_(new QLineEdit(this)), arguments_(new QLineEdit(this)),
      directory_(new QLineEdit(this)), environment_(new QPlainTextEdit(this)), error_(new QLabel(this)), buttons_(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this)) {
  setWindowTitle(tr("Run program"));
  program_->setObjectName(QStringLiteral("programEdit"));
  arguments_->setObjectName(QStringLiteral("argumentsEdit"));
  directory_->setObjectName(QStringLiteral("directoryEdit"));
  environment_->setObjectName(QStringLiteral("environmentEdit"));
  recentBox_->setObjectName(QStringLiteral("recentBox"));
  environment_->setPlaceholderText(tr("extra environment, one KEY=VALUE a line"));
  environment_->setTabChangesFocus(true);
  environment_->setMaximumHeight(fontMetrics().lineSpacing() * 5);
  program_->setPlaceholderText(tr("a program built against libevent, e.g. ./server"));
  arguments_->setPlaceholderText(tr("arguments, quoted as in a shell"));
  directory_->setPlaceholderText(tr("working directory (empty: the app's)"));
  error_->setStyleSheet(QStringLiteral("color: #b00020"));
  error_->setWordWrap(true);
  auto* form = new QFormLayout(this);
  form->addRow(tr("Recent"), recentBox_);
  form->addRow(tr("Program"), withBrowse(program_, this, false));
  form->addRow(tr("Arguments"), arguments_);
  form->addRow(tr("Working directory"), withBrowse(directory_, this, true));
  form->addRow(tr("Environment"), environment_);
  form->addRow(error_);
  form->addRow(buttons_);
  connect(buttons_, &QDialogButtonBox::accepted, this, [this] {
    if (errorText().isEmpty()) accept();
  });
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  for (QLineEdit* e : {program_, arguments_, directory_}) connect(e, &QLineEdit::textChanged, this, &RunProgramDialog::revalidate);
  connect(environment_, &QPlainTextEdit::textChanged, this, &RunProgramDialog::revalidate);
  connect(recentBox_, &QComboBox::activated, this, [this](int i) {
    if (i >= 0 && i < recent_.size()) setLaunch(recent_[i]);
  });
  revalidate();
}

ProgramLaunch RunProgramDialog::launch() const {
  QStringList environment;
  for (const QString& line : environment_->toPlainText().split(QLatin1Char('\n')))
    if (!line.trimmed().isEmpty()) environment << line.trimmed();
  return {program_->text().trimmed(), QProcess::splitCommand(arguments_->text()), directory_->text().trimmed(),
          environment};
}

void RunProgramDialog::setLaunch(const ProgramLaunch& launch) {
  program_->setText(launch.program);
  arguments_->setText(quoted(launch.arguments));
  directory_->setText(launch.workingDirectory);
  environment_->setPlainText(launch.environment.join(QLatin1Char('\n')));
}

QString RunProgramDialog::errorText() const {
  const ProgramLaunch l = launch();
  if (l.program.isEmpty()) return tr("Program: give the program to run.");
  if (const QString bad = ProgramLauncher::environmentError(l.environment); !bad.isEmpty())
    return tr("Environment: %1.").arg(bad);
  const QFileInfo dir(l.workingDirectory);
  if (!l.workingDirectory.isEmpty() && !dir.isDir()) return tr("Working directory: %1 does not exist.").arg(l.workingDirectory);
  QFileInfo program(l.program);
  if (program.isRelative() && !l.workingDirectory.isEmpty()) program = QFileInfo(QDir(l.workingDirectory), l.program);
  if (l.program.contains(QLatin1Char('/')) && !(program.isFile() && program.isExecutable()))
    return tr("Program: %1 is not an executable file.").arg(l.program);
  return {};
}

void RunProgramDialog::revalidate() {
  const QString error = errorText();
  error_->setText(error);
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(error.isEmpty());
}

namespace {

constexpr char kRecentKey[] = "runProgram/recent";

QVariantMap toVariant(const ProgramLaunch& l) {
  return {{QStringLiteral("program"), l.program},
          {QStringLiteral("arguments"), l.arguments},
          {QStringLiteral("directory"), l.workingDirectory},
          {QStringLiteral("environment"), l.environment}};
}

ProgramLaunch fromVariant(const QVariantMap& m) {
  return {m.value(QStringLiteral("program")).toString(), m.value(QStringLiteral("arguments")).toStringList(),
          m.value(QStringLiteral("directory")).toString(), m.value(QStringLiteral("environment")).toStringList()};
}

QString recentText(const ProgramLaunch& l) {
  QString text = l.arguments.isEmpty() ? l.program : l.program + QLatin1Char(' ') + quoted(l.arguments);
  if (!l.workingDirectory.isEmpty()) text += QStringLiteral("  (in %1)").arg(l.workingDirectory);
  if (!l.environment.isEmpty()) text += QStringLiteral("  [%1]").arg(l.environment.join(QLatin1Char(' ')));
  return text;
}

QList<ProgramLaunch> readRecent() {
  QList<ProgramLaunch> out;
  for (const QVariant& v : QSettings().value(QString::fromLatin1(kRecentKey)).toList()) {
    const ProgramLaunch l = fromVariant(v.toMap());
    if (!l.program.isEmpty()) out << l;
  }
  return out;
}

}  // namespace

void RunProgramDialog::loadSettings() {
  recent_ = readRecent();
  recentBox_->clear();
  for (const ProgramLaunch& l : recent_) recentBox_->addItem(recentText(l));
  recentBox_->setEnabled(!recent_.isEmpty());
  if (!recent_.isEmpty()) setLaunch(recent_.front());
}

void RunProgramDialog::saveSettings() const {
  const ProgramLaunch now = launch();
  QList<ProgramLaunch> list = readRecent();
  list.removeAll(now);
  list.prepend(now);
  QVariantList stored;
  for (qsizetype i = 0; i < list.size() && i < kMaxRecent; ++i) stored << toVariant(list[i]);
  QSettings().setValue(QString::fromLatin1(kRecentKey), stored);
}

namespace {

// In a main window: the Program output pane, a dock tabbed with the log
// (objectName "logDock") when there is one; its toggle in `menu`.
ProgramOutputPane* addOutputPane(QMenu* menu, QAction* before, QWidget* parent) {
  auto* window = qobject_cast<QMainWindow*>(parent);
  if (!window) return nullptr;
  auto* pane = new ProgramOutputPane(window);
  auto* dock = new QDockWidget(QObject::tr("Program output"), window);
  dock->setObjectName(QStringLiteral("programOutputDock"));
  dock->setWidget(pane);
  window->addDockWidget(Qt::BottomDockWidgetArea, dock);
  if (auto* log = window->findChild<QDockWidget*>(QStringLiteral("logDock"))) {
    window->tabifyDockWidget(log, dock);
    log->raise();
  }
  menu->insertAction(before, dock->toggleViewAction());
  return pane;
}

}  // namespace

ProgramOutputPane* installRunProgramActions(QMenu* menu, QAction* before, ProgramSessions* programs, QWidget* parent) {
  auto* run = new QAction(QObject::tr("Run program…"), menu);
  run->setObjectName(QStringLiteral("actionRunProgram"));
  auto* stop = new QAction(QObject::tr("Stop programs"), menu);
  stop->setObjectName(QStringLiteral("actionStopProgram"));
  stop->setToolTip(QObject::tr("Stop every program started with Run program… (SIGTERM, then SIGKILL)"));
  menu->insertActions(before, {run, stop});
  stop->setEnabled(false);
  ProgramOutputPane* output = addOutputPane(menu, before, parent);
  if (output) output->follow(programs);
  QObject::connect(run, &QAction::triggered, parent, [programs, parent, stop, output] {
    ProgramLauncher* launcher = programs->launcher();
    if (!launcher) {
      QMessageBox::warning(parent, QObject::tr("Run program"),
                           QObject::tr("The app is not listening for traced programs (see the log)."));
      return;
    }
    RunProgramDialog dialog(parent);
    dialog.loadSettings();
    if (dialog.exec() != QDialog::Accepted) return;
    dialog.saveSettings();
    if (output) output->follow(programs);
    QString error;
    if (!launcher->start(dialog.launch(), &error)) {
      QMessageBox::warning(parent, QObject::tr("Run program"), error);
      return;
    }
    stop->setEnabled(true);
    QObject::connect(launcher, &ProgramLauncher::finished, stop, [stop, launcher] { stop->setEnabled(launcher->running()); },
                     Qt::SingleShotConnection);  // one per launch: the last finish disables it
  });
  QObject::connect(stop, &QAction::triggered, parent, [programs] {
    if (ProgramLauncher* launcher = programs->launcher()) launcher->stop();
  });
  return output;
}

}  // namespace rs::gui
