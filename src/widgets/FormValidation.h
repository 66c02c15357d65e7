// The New server / New client forms show validate()'s message (WorkloadSpec.h)
// under their fields, and OK is enabled only when there is none.
// Thread contract: GUI thread only.
#pragma once
#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QString>

namespace rs::gui {

inline void showFormError(QLabel* errorLabel, QDialogButtonBox* buttons, const QString& error) {
  errorLabel->setText(error);
  errorLabel->setVisible(!error.isEmpty());
  buttons->button(QDialogButtonBox::Ok)->setEnabled(error.isEmpty());
}

}  // namespace rs::gui
