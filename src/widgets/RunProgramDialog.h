// "Run program…": the program, its arguments (shell-like quoting), its
// working directory and extra environment (KEY=VALUE, one a line), checked
// before OK is taken (the program must be an executable file, the directory
// must exist, every environment line KEY=VALUE); the last kMaxRecent launches
// are remembered (QSettings) and picking one in Recent fills the form.
// installRunProgramActions() puts "Run program…" and "Stop programs" into a
// menu, runs the dialog's launch through ProgramSessions::launcher() (a
// listener must be up: else it says why; several programs may run at once)
// without waiting for the program to start, and, in a main window, adds the
// Program output pane (tabbed with the log) that shows a program's stdout and
// stderr (the one just launched, or the one whose session is selected).
// Thread contract: GUI thread only.
#pragma once
#include <QDialog>

#include "model/ProgramLauncher.h"

class QAction;
class QComboBox;
class QPlainTextEdit;
class QLabel;
class QLineEdit;
class QMenu;
class QDialogButtonBox;

namespace rs::gui {

class ProgramOutputPane;
class ProgramSessions;

class RunProgramDialog : public QDialog {
  Q_OBJECT
 public:
  static constexpr int kMaxRecent = 10;
  explicit RunProgramDialog(QWidget* parent = nullptr);

  ProgramLaunch launch() const;
  void setLaunch(const ProgramLaunch& launch);
  // Empty when the form can run; else what is wrong.
  QString errorText() const;
  // The recent launches (newest first) into Recent, the newest into the form.
  void loadSettings();
  // This launch first in the recent list (once), at most kMaxRecent kept.
  void saveSettings() const;
  const QList<ProgramLaunch>& recent() const { return recent_; }

  QLineEdit* programEdit() const { return program_; }
  QLineEdit* argumentsEdit() const { return arguments_; }
  QLineEdit* directoryEdit() const { return directory_; }
  QPlainTextEdit* environmentEdit() const { return environment_; }
  QComboBox* recentBox() const { return recentBox_; }

 private:
  void revalidate();

  QComboBox* recentBox_;
  QList<ProgramLaunch> recent_;
  QLineEdit* program_;
  QLineEdit* arguments_;
  QLineEdit* directory_;
  QPlainTextEdit* environment_;
  QLabel* error_;
  QDialogButtonBox* buttons_;
};

// Adds the two actions to `menu` before `before` (null: at the end); they act
// on `programs` (not owned). Returns the output pane (null outside a main window).
ProgramOutputPane* installRunProgramActions(QMenu* menu, QAction* before, ProgramSessions* programs, QWidget* parent);

}  // namespace rs::gui
