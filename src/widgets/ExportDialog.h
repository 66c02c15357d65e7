// File > Export...: which recording (fixed to the replay window's own, else a file
// to pick), the format (Perfetto protobuf or Chrome trace-event JSON), the output
// file and an optional range (seconds from the recording's first record, either
// bound may be empty). OK stays disabled with the reason shown while the form is
// incomplete or a bound is not a number (or --to is before --from).
// Thread contract: GUI thread only.
#pragma once
#include <QDialog>

#include <optional>

#include "Exporter.h"

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace rs::gui {

class ExportDialog : public QDialog {
  Q_OBJECT
 public:
  // recordingPath: the replay window's file (fixed), or empty (the user picks one).
  explicit ExportDialog(const QString& recordingPath, QWidget* parent = nullptr);

  QString recordingPath() const;
  exporting::ExportFormat format() const;
  QString outputPath() const;
  std::optional<double> fromSec() const { return bound(from_); }
  std::optional<double> toSec() const { return bound(to_); }
  QString errorText() const;

  QLineEdit* recordingEdit() const { return recording_; }
  QComboBox* formatCombo() const { return format_; }
  QLineEdit* outputEdit() const { return output_; }
  QLineEdit* fromEdit() const { return from_; }
  QLineEdit* toEdit() const { return to_; }

 private:
  static std::optional<double> bound(const QLineEdit* edit);
  void revalidate();
  QLineEdit* recording_;
  QComboBox* format_;
  QLineEdit* output_;
  QLineEdit* from_;
  QLineEdit* to_;
  QLabel* error_;
  QDialogButtonBox* buttons_;
};

}  // namespace rs::gui
