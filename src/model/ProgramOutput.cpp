#include "model/ProgramOutput.h"

#include "model/SessionListModel.h"  // formatBytes

namespace rs::gui {

void ProgramOutput::append(const QString& text, bool isStderr) {
  QByteArray utf8 = text.toUtf8();
  QString kept = text;
  if (utf8.size() > kMaxLineBytes) {
    const qsizetype over = utf8.size() - kMaxLineBytes;
    utf8.truncate(kMaxLineBytes);
    kept = QString::fromUtf8(utf8) + QStringLiteral(" … (%1 more bytes cut)").arg(over);
  }
  const qsizetype lineBytes = kept.toUtf8().size() + 1;
  lines_.push_back({kept, isStderr, lineBytes});
  bytes_ += lineBytes;
  while (!lines_.empty() && (static_cast<qsizetype>(lines_.size()) > kMaxLines || bytes_ > kMaxBytes)) {
    bytes_ -= lines_.front().bytes;
    cutBytes_ += lines_.front().bytes;
    ++cutLines_;
    lines_.pop_front();
  }
}

void ProgramOutput::clear() {
  lines_.clear();
  bytes_ = 0;
  cutLines_ = 0;
  cutBytes_ = 0;
}

QString ProgramOutput::cutNotice() const {
  if (cutLines_ == 0) return {};
  return QStringLiteral("%1 earlier lines (%2) were cut: the last %3 lines or %4 are kept")
      .arg(cutLines_)
      .arg(formatBytes(static_cast<double>(cutBytes_)))
      .arg(kMaxLines)
      .arg(formatBytes(static_cast<double>(kMaxBytes)));
}

QString ProgramOutput::text() const {
  QString out;
  out.reserve(bytes_);
  for (const Line& l : lines_) {
    if (l.isStderr) out += stderrPrefix();
    out += l.text;
    out += QLatin1Char('\n');
  }
  return out;
}

}  // namespace rs::gui
