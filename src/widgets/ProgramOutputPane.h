// The "Program output" pane: the stdout and stderr of the programs started
// from the Run dialog (ProgramLauncher::outputLine), each run under a heading
// naming it and its pid, stderr lines marked; bounded to kMaxLines lines (the
// oldest go). The shared log keeps its own copy of every line.
// Thread contract: GUI thread only.
#pragma once
#include <QPlainTextEdit>

namespace rs::gui {

class ProgramLauncher;

class ProgramOutputPane : public QPlainTextEdit {
  Q_OBJECT
 public:
  explicit ProgramOutputPane(QWidget* parent = nullptr);
  // Shows what `launcher` reports from now on (once per launcher).
  void follow(ProgramLauncher* launcher);
  static constexpr int kMaxLines = 10000;

 private:
  ProgramLauncher* followed_ = nullptr;
};

}  // namespace rs::gui
