// "Record": where the app records its live sessions and how much it keeps: the
// file (default ~/reactorscope-<yyyyMMdd-HHmmss>.rsrec), all sessions or only the
// ones selected in the Sessions panel, a size cap (MiB of trace blocks, 0 = none),
// a duration cap ("stop after N minutes", 0 = until unchecked), a ring ("keep the
// last N minutes", 0 = all; with a cap the oldest blocks make room) and whether an
// existing file may be replaced. OK stays disabled while the
// path is empty (the writer's own checks name anything else at start).
// Thread contract: GUI thread only.
#pragma once
#include <QDialog>

#include "RecordOptions.h"

class QCheckBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLineEdit;
class QRadioButton;
class QSpinBox;

namespace rs::gui {

class RecordDialog : public QDialog {
  Q_OBJECT
 public:
  // selectedCount: sessions selected in the Sessions panel (0 disables "selected").
  explicit RecordDialog(int selectedCount, QWidget* parent = nullptr);

  static QString defaultPath();
  recording::RecordOptions options() const;
  bool selectedOnly() const;
  double stopAfterMinutes() const;  // 0: until Record is unchecked

  QLineEdit* pathEdit() const { return path_; }
  QSpinBox* capEdit() const { return capMiB_; }
  QDoubleSpinBox* lastMinutesEdit() const { return lastMinutes_; }
  QDoubleSpinBox* stopAfterEdit() const { return stopAfter_; }
  QCheckBox* overwriteCheck() const { return overwrite_; }
  QRadioButton* selectedOnlyButton() const { return selected_; }

 private:
  QLineEdit* path_;
  QRadioButton* all_;
  QRadioButton* selected_;
  QSpinBox* capMiB_;
  QDoubleSpinBox* lastMinutes_;
  QDoubleSpinBox* stopAfter_;
  QCheckBox* overwrite_;
  QDialogButtonBox* buttons_;
};

}  // namespace rs::gui
