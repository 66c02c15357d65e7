#include "widgets/ProgramOutputPane.h"

#include <QAction>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QTextBlock>
#include <QTextCursor>
#include <QToolBar>
#include <QVBoxLayout>

#include "model/ProgramLauncher.h"
#include "model/ProgramSessions.h"

namespace rs::gui {

namespace {
const QColor kStderrColor(0xc0, 0x1c, 0x28);
const QColor kNoteColor(0x70, 0x70, 0x70);
}  // namespace

ProgramOutputPane::ProgramOutputPane(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("programOutputPane"));
  heading_ = new QLabel(this);
  heading_->setObjectName(QStringLiteral("programOutputHeading"));
  heading_->setWordWrap(true);
  heading_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* bar = new QToolBar(this);
  bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
  clear_ = bar->addAction(tr("Clear"));
  clear_->setObjectName(QStringLiteral("actionClearProgramOutput"));
  clear_->setToolTip(tr("Forget this program's output so far"));
  save_ = bar->addAction(tr("Save as…"));
  save_->setObjectName(QStringLiteral("actionSaveProgramOutput"));
  save_->setToolTip(tr("Write this program's output to a text file"));
  view_ = new QPlainTextEdit(this);
  view_->setObjectName(QStringLiteral("programOutput"));
  view_->setReadOnly(true);
  view_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  view_->setPlaceholderText(tr("Select a program's session, or start one with Session > Run program…, to see its output here."));
  auto* top = new QHBoxLayout;
  top->addWidget(heading_, 1);
  top->addWidget(bar);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addLayout(top);
  layout->addWidget(view_, 1);
  connect(clear_, &QAction::triggered, this, [this] {
    if (!launcher_ || !output()) return;
    launcher_->clearOutput(launch_);
    render();
  });
  connect(save_, &QAction::triggered, this, &ProgramOutputPane::saveAs);
  showMessage(tr("Program output"), {});
}

void ProgramOutputPane::follow(ProgramSessions* programs) {
  programs_ = programs;
  followLauncher();
}

void ProgramOutputPane::followLauncher() {
  ProgramLauncher* launcher = programs_ ? programs_->launcher() : nullptr;
  if (!launcher || launcher == launcher_) return;
  launcher_ = launcher;
  // A program just started (or failed to): its output is what the user looks for next.
  connect(launcher, &ProgramLauncher::started, this, [this](int id, const QString&) {
    showLaunch(id);
    bringForward();
  });
  connect(launcher, &ProgramLauncher::startFailed, this, [this](int id, const QString&) {
    showLaunch(id);
    bringForward();
  });
  connect(launcher, &ProgramLauncher::finished, this, [this](int id) {
    if (id == launch_) updateHeading();
  });
  connect(launcher, &ProgramLauncher::outputLine, this, [this](int id, const QString& line, bool isStderr) {
    if (id == launch_) appendLine(line, isStderr);
  });
}

void ProgramOutputPane::bringForward() {
  auto* dock = qobject_cast<QDockWidget*>(parentWidget());
  if (!dock) return;
  dock->show();
  dock->raise();  // (its tab in front of the Log's)
}

void ProgramOutputPane::showSession(int sessionId) {
  followLauncher();
  const ProgramSession* program = programs_ ? programs_->programOf(sessionId) : nullptr;
  if (!program) {
    launch_ = 0;
    showMessage(tr("Program output"), {});
    return;
  }
  const qint64 relay = programs_->relayPidOf(program);
  if (const int id = launcher_ ? launcher_->launchOfRelay(relay) : 0) {
    showLaunch(id);
    return;
  }
  launch_ = 0;
  const QString who = program->processName().isEmpty() ? tr("This program") : program->processName();
  showMessage(tr("%1 (reactorscope-run pid %2), started outside the app").arg(who, QString::number(relay)),
              tr("Its output is in the terminal that started it: only programs started with Session > Run program… "
                 "have their output here."));
}

void ProgramOutputPane::showLaunch(int launchId) {
  launch_ = launchId;
  render();
}

const ProgramOutput* ProgramOutputPane::output() const {
  return launcher_ && launch_ ? launcher_->output(launch_) : nullptr;
}

QString ProgramOutputPane::text() const { return view_->toPlainText(); }

QString ProgramOutputPane::heading() const { return heading_->text(); }

void ProgramOutputPane::showMessage(const QString& heading, const QString& line) {
  heading_->setText(heading);
  view_->clear();
  shownLines_ = 0;
  if (!line.isEmpty()) {
    QTextCharFormat note;
    note.setForeground(kNoteColor);
    QTextCursor(view_->document()).insertText(line, note);
  }
  clear_->setEnabled(false);
  save_->setEnabled(false);
}

void ProgramOutputPane::render() {
  const ProgramOutput* out = output();
  if (!out) {
    launch_ = 0;
    showMessage(tr("Program output"), {});
    return;
  }
  view_->clear();
  shownLines_ = 0;
  view_->setUpdatesEnabled(false);
  for (const ProgramOutput::Line& l : out->lines()) appendLine(l.text, l.isStderr);
  view_->setUpdatesEnabled(true);
  clear_->setEnabled(true);
  save_->setEnabled(true);
  updateHeading();
}

void ProgramOutputPane::appendLine(const QString& text, bool isStderr) {
  QTextCursor cursor(view_->document());
  cursor.movePosition(QTextCursor::End);
  if (shownLines_ > 0) cursor.insertBlock();
  QTextCharFormat format;
  if (isStderr) format.setForeground(kStderrColor);
  cursor.insertText(isStderr ? ProgramOutput::stderrPrefix() + text : text, format);
  ++shownLines_;
  // The stored output's bound, in the view too: its oldest lines go.
  const ProgramOutput* out = output();
  const qsizetype kept = out ? static_cast<qsizetype>(out->lines().size()) : shownLines_;
  if (shownLines_ <= kept) return;
  QTextCursor first(view_->document());
  first.movePosition(QTextCursor::NextBlock, QTextCursor::KeepAnchor, static_cast<int>(shownLines_ - kept));
  first.removeSelectedText();
  shownLines_ = kept;
  updateHeading();
}

void ProgramOutputPane::updateHeading() {
  const ProgramOutput* out = output();
  if (!out) return;
  QString text = QStringLiteral("%1: %2").arg(launcher_->title(launch_), launcher_->status(launch_));
  if (const QString cut = out->cutNotice(); !cut.isEmpty()) text += QStringLiteral(" — ") + cut;
  heading_->setText(text);
}

bool ProgramOutputPane::saveTo(const QString& path, QString* error) const {
  const ProgramOutput* out = output();
  if (!out) {
    *error = tr("no program's output is shown");
    return false;
  }
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
    *error = tr("cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  QByteArray bytes;
  if (const QString cut = out->cutNotice(); !cut.isEmpty()) bytes += "(" + cut.toUtf8() + ")\n";
  bytes += out->text().toUtf8();
  if (file.write(bytes) != bytes.size() || !file.flush()) {
    *error = tr("cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  return true;
}

void ProgramOutputPane::saveAs() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save program output"), QStringLiteral("program-output.txt"),
                                                    tr("Text files (*.txt);;All files (*)"));
  if (path.isEmpty()) return;
  QString error;
  if (!saveTo(path, &error)) QMessageBox::warning(this, tr("Save program output"), error);
}

}  // namespace rs::gui
