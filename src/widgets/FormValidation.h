// The New server / New client forms show validate()'s message (WorkloadSpec.h)
// under their fields, and OK is enabled only when there is none.
// Thread contract: GUI thread only.
#pragma once
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QString>

namespace rs::gui {

inline void showFormError(QLabel* errorLabel, QDialogButtonBox* buttons, const QString& error) {
  errorLabel->setText(error);
  errorLabel->setVisible(!error.isEmpty());
  buttons->button(QDialogButtonBox::Ok)->setEnabled(error.isEmpty());
}

// Spin boxes do not clamp what the user types (size 0 silently becoming 1,
// 999999 connections becoming 100000): their ranges are opened wide and the
// form's validate() judges the value, with its message, as for the text fields.
// Call once after setupUi, before any value is set.
inline void openSpinRanges(QWidget* form) {
  constexpr int kMaxInt = 2'000'000'000;
  constexpr double kMaxDouble = 1e10;
  for (QSpinBox* spin : form->findChildren<QSpinBox*>()) spin->setRange(0, kMaxInt);
  for (QDoubleSpinBox* spin : form->findChildren<QDoubleSpinBox*>()) spin->setRange(0, kMaxDouble);
}

}  // namespace rs::gui
