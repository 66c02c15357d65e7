#include "widgets/RunProgramDialog.h"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QSettings>

#include "model/ProgramSessions.h"

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

}  // namespace

RunProgramDialog::RunProgramDialog(QWidget* parent)
    : QDialog(parent), program_(new QLineEdit(this)), arguments_(new QLineEdit(this)), directory_(new QLineEdit(this)),
      error_(new QLabel(this)), buttons_(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this)) {
  setWindowTitle(tr("Run program"));
  program_->setObjectName(QStringLiteral("programEdit"));
  arguments_->setObjectName(QStringLiteral("argumentsEdit"));
  directory_->setObjectName(QStringLiteral("directoryEdit"));
  program_->setPlaceholderText(tr("a program built against libevent, e.g. ./server"));
  arguments_->setPlaceholderText(tr("arguments, quoted as in a shell"));
  directory_->setPlaceholderText(tr("working directory (empty: the app's)"));
  error_->setStyleSheet(QStringLiteral("color: #b00020"));
  error_->setWordWrap(true);
  auto* form = new QFormLayout(this);
  form->addRow(tr("Program"), withBrowse(program_, this, false));
  form->addRow(tr("Arguments"), arguments_);
  form->addRow(tr("Working directory"), withBrowse(directory_, this, true));
  form->addRow(error_);
  form->addRow(buttons_);
  connect(buttons_, &QDialogButtonBox::accepted, this, [this] {
    if (errorText().isEmpty()) accept();
  });
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  for (QLineEdit* e : {program_, arguments_, directory_}) connect(e, &QLineEdit::textChanged, this, &RunProgramDialog::revalidate);
  revalidate();
}

ProgramLaunch RunProgramDialog::launch() const {
  return {program_->text().trimmed(), QProcess::splitCommand(arguments_->text()), directory_->text().trimmed()};
}

void RunProgramDialog::setLaunch(const ProgramLaunch& launch) {
  program_->setText(launch.program);
  QStringList quoted;
  for (const QString& a : launch.arguments)
    quoted << (a.contains(QLatin1Char(' ')) || a.isEmpty() ? QLatin1Char('"') + a + QLatin1Char('"') : a);
  arguments_->setText(quoted.join(QLatin1Char(' ')));
  directory_->setText(launch.workingDirectory);
}

QString RunProgramDialog::errorText() const {
  const ProgramLaunch l = launch();
  if (l.program.isEmpty()) return tr("Program: give the program to run.");
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

void RunProgramDialog::loadSettings() {
  QSettings s;
  setLaunch({s.value(QStringLiteral("runProgram/program")).toString(),
             s.value(QStringLiteral("runProgram/arguments")).toStringList(),
             s.value(QStringLiteral("runProgram/directory")).toString()});
}

void RunProgramDialog::saveSettings() const {
  QSettings s;
  const ProgramLaunch l = launch();
  s.setValue(QStringLiteral("runProgram/program"), l.program);
  s.setValue(QStringLiteral("runProgram/arguments"), l.arguments);
  s.setValue(QStringLiteral("runProgram/directory"), l.workingDirectory);
}

void installRunProgramActions(QMenu* menu, QAction* before, ProgramSessions* programs, QWidget* parent) {
  auto* run = new QAction(QObject::tr("Run program…"), menu);
  run->setObjectName(QStringLiteral("actionRunProgram"));
  auto* stop = new QAction(QObject::tr("Stop program"), menu);
  stop->setObjectName(QStringLiteral("actionStopProgram"));
  menu->insertActions(before, {run, stop});
  stop->setEnabled(false);
  QObject::connect(run, &QAction::triggered, parent, [programs, parent, stop] {
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
    QString error;
    if (!launcher->start(dialog.launch(), &error)) {
      QMessageBox::warning(parent, QObject::tr("Run program"), error);
      return;
    }
    stop->setEnabled(true);
    QObject::connect(launcher, &ProgramLauncher::finished, stop, [stop] { stop->setEnabled(false); },
                     Qt::SingleShotConnection);
  });
  QObject::connect(stop, &QAction::triggered, parent, [programs] {
    if (ProgramLauncher* launcher = programs->launcher()) launcher->stop();
  });
}

}  // namespace rs::gui
