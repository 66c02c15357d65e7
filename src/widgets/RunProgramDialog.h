// "Run program…": the program, its arguments (shell-like quoting) and its
// working directory, checked before OK is taken (the program must be an
// executable file, the directory must exist); the last entries are
// remembered. installRunProgramActions() puts "Run program…" and "Stop
// program" into a menu and runs the dialog's launch through
// ProgramSessions::launcher() (a listener must be up: else it says why).
// Thread contract: GUI thread only.
#pragma once
#include <QDialog>

#include "model/ProgramLauncher.h"

class QAction;
class QLabel;
class QLineEdit;
class QMenu;
class QDialogButtonBox;

namespace rs::gui {

class ProgramSessions;

class RunProgramDialog : public QDialog {
  Q_OBJECT
 public:
  explicit RunProgramDialog(QWidget* parent = nullptr);

  ProgramLaunch launch() const;
  void setLaunch(const ProgramLaunch& launch);
  // Empty when the form can run; else what is wrong.
  QString errorText() const;
  void loadSettings();
  void saveSettings() const;

  QLineEdit* programEdit() const { return program_; }
  QLineEdit* argumentsEdit() const { return arguments_; }
  QLineEdit* directoryEdit() const { return directory_; }

 private:
  void revalidate();

  QLineEdit* program_;
  QLineEdit* arguments_;
  QLineEdit* directory_;
  QLabel* error_;
  QDialogButtonBox* buttons_;
};

// Adds the two actions to `menu` before `before` (null: at the end); they act
// on `programs` (not owned).
void installRunProgramActions(QMenu* menu, QAction* before, ProgramSessions* programs, QWidget* parent);

}  // namespace rs::gui
