// The output of one program started from the app (ProgramLauncher): its
// stdout and stderr lines in order, bounded to kMaxLines lines and kMaxBytes
// bytes (UTF-8, a newline each); past either bound the oldest lines go and are
// counted (cutLines(), cutBytes()), and cutNotice() says so. A line longer
// than kMaxLineBytes is shortened, saying by how much. text() is the saved
// form: one line each, stderr lines prefixed "stderr: ".
// Thread contract: GUI thread only (a plain value, no signals).
#pragma once
#include <QString>

#include <deque>

namespace rs::gui {

class ProgramOutput {
 public:
  static constexpr qsizetype kMaxLines = 10000;
  static constexpr qsizetype kMaxBytes = qsizetype{1} << 20;
  static constexpr qsizetype kMaxLineBytes = qsizetype{16} << 10;

  struct Line {
    QString text;
    bool isStderr = false;
    qsizetype bytes = 0;  // UTF-8, with its newline
  };

  // The form of a stderr line in text() and in the pane.
  static QString stderrPrefix() { return QStringLiteral("stderr: "); }

  void append(const QString& text, bool isStderr);
  // Forgets every line and the cut counts (the pane's Clear).
  void clear();

  const std::deque<Line>& lines() const { return lines_; }
  qsizetype bytes() const { return bytes_; }
  qint64 cutLines() const { return cutLines_; }
  qint64 cutBytes() const { return cutBytes_; }
  // "" when nothing was cut; else how many earlier lines (and bytes) went.
  QString cutNotice() const;
  QString text() const;

 private:
  std::deque<Line> lines_;
  qsizetype bytes_ = 0;
  qint64 cutLines_ = 0;
  qint64 cutBytes_ = 0;
};

}  // namespace rs::gui
