#include "widgets/ProgramOutputPane.h"

#include <QFontDatabase>

#include "model/ProgramLauncher.h"

namespace rs::gui {

ProgramOutputPane::ProgramOutputPane(QWidget* parent) : QPlainTextEdit(parent) {
  setObjectName(QStringLiteral("programOutput"));
  setReadOnly(true);
  setMaximumBlockCount(kMaxLines);
  setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  setPlaceholderText(tr("The output of a program started with Session > Run program… appears here."));
}

void ProgramOutputPane::follow(ProgramLauncher* launcher) {
  if (!launcher || launcher == followed_) return;
  followed_ = launcher;
  connect(launcher, &ProgramLauncher::started, this,
          [this](const QString& title) { appendPlainText(QStringLiteral("── %1 ──").arg(title)); });
  connect(launcher, &ProgramLauncher::startFailed, this, [this](const QString& why) { appendPlainText(why); });
  connect(launcher, &ProgramLauncher::outputLine, this, [this](const QString& line, bool isStderr) {
    appendPlainText(isStderr ? QStringLiteral("stderr: ") + line : line);
  });
}

}  // namespace rs::gui
