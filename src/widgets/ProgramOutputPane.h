// The "Program output" pane: the stdout and stderr of one program, the one
// whose session is selected in the Sessions panel (showSession(); every base
// of a program shows the same output: its stream's peer, the relay, is matched
// to a launch by pid) or the one just started from the Run dialog (the pane's
// dock, when it has one, is then brought in front of the Log). A heading
// names it (command line, relay pid), its status and what its bound cut
// (ProgramOutput: the last 10 000 lines / 1 MiB are kept); stderr lines are
// prefixed "stderr: " and red. A program started from a terminal gets one line
// saying its output is in that terminal. Clear forgets the shown program's
// output; Save as… writes it to a text file (the cut notice first).
// The shared log keeps its own copy of every line.
// Thread contract: GUI thread only.
#pragma once
#include <QPointer>
#include <QWidget>

class QAction;
class QLabel;
class QPlainTextEdit;

namespace rs::gui {

class ProgramLauncher;
class ProgramOutput;
class ProgramSessions;

class ProgramOutputPane : public QWidget {
  Q_OBJECT
 public:
  explicit ProgramOutputPane(QWidget* parent = nullptr);
  // Follows `programs`' sessions and its launcher (the launcher exists once
  // the app listens: it is looked for again at each showSession()).
  void follow(ProgramSessions* programs);
  // Shows the output of the program whose base is session `sessionId`
  // (0 or any other session: nothing to show).
  void showSession(int sessionId);
  void showLaunch(int launchId);
  int shownLaunch() const { return launch_; }

  // What the pane shows (heading apart), and its heading.
  QString text() const;
  QString heading() const;
  // Writes the shown program's output (cut notice first); false with *error.
  bool saveTo(const QString& path, QString* error) const;
  QAction* clearAction() const { return clear_; }
  QAction* saveAction() const { return save_; }
  QPlainTextEdit* view() const { return view_; }

 private:
  void followLauncher();
  void bringForward();
  const ProgramOutput* output() const;
  void render();
  void appendLine(const QString& text, bool isStderr);
  void updateHeading();
  void showMessage(const QString& heading, const QString& line);
  void saveAs();

  QPointer<ProgramSessions> programs_;
  QPointer<ProgramLauncher> launcher_;
  int launch_ = 0;  // the launch shown; 0: none
  qsizetype shownLines_ = 0;
  QLabel* heading_;
  QPlainTextEdit* view_;
  QAction* clear_;
  QAction* save_;
};

}  // namespace rs::gui
