#include "widgets/RecordDialog.h"

#include <QCheckBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace rs::gui {

RecordDialog::RecordDialog(int selectedCount, QWidget* parent) : QDialog(parent) {
  setObjectName(QStringLiteral("recordDialog"));
  setWindowTitle(tr("Record sessions"));
  path_ = new QLineEdit(defaultPath(), this);
  path_->setObjectName(QStringLiteral("recordPath"));
  auto* browse = new QPushButton(tr("Browse..."), this);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString p = QFileDialog::getSaveFileName(this, tr("Record to"), path_->text(),
                                                   tr("ReactorScope recordings (*.rsrec);;All files (*)"));
    if (!p.isEmpty()) path_->setText(p);
  });
  auto* pathRow = new QHBoxLayout;
  pathRow->addWidget(path_, 1);
  pathRow->addWidget(browse);

  all_ = new QRadioButton(tr("All sessions (and those started later)"), this);
  selected_ = new QRadioButton(tr("The %n selected session(s)", nullptr, selectedCount), this);
  selected_->setObjectName(QStringLiteral("recordSelectedOnly"));
  selected_->setEnabled(selectedCount > 0);
  all_->setChecked(true);

  capMiB_ = new QSpinBox(this);
  capMiB_->setObjectName(QStringLiteral("recordCapMiB"));
  capMiB_->setRange(0, 1 << 20);
  capMiB_->setSuffix(tr(" MiB"));
  capMiB_->setSpecialValueText(tr("no cap"));
  lastMinutes_ = new QDoubleSpinBox(this);
  lastMinutes_->setObjectName(QStringLiteral("recordLastMinutes"));
  lastMinutes_->setRange(0, 7 * 24 * 60);
  lastMinutes_->setDecimals(1);
  lastMinutes_->setSuffix(tr(" min"));
  lastMinutes_->setSpecialValueText(tr("everything"));
  lastMinutes_->setToolTip(tr("Ring mode: keep only the last N minutes of the recording"));
  stopAfter_ = new QDoubleSpinBox(this);
  stopAfter_->setObjectName(QStringLiteral("recordStopAfter"));
  stopAfter_->setRange(0, 7 * 24 * 60);
  stopAfter_->setDecimals(2);
  stopAfter_->setSuffix(tr(" min"));
  stopAfter_->setSpecialValueText(tr("until stopped"));
  overwrite_ = new QCheckBox(tr("Replace the file if it exists"), this);
  overwrite_->setObjectName(QStringLiteral("recordOverwrite"));

  auto* form = new QFormLayout;
  form->addRow(tr("File:"), pathRow);
  form->addRow(tr("Record:"), all_);
  form->addRow(QString(), selected_);
  form->addRow(tr("Size cap:"), capMiB_);
  form->addRow(tr("Stop after:"), stopAfter_);
  form->addRow(tr("Keep the last:"), lastMinutes_);
  form->addRow(QString(), overwrite_);
  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons_->button(QDialogButtonBox::Ok)->setText(tr("Record"));
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(path_, &QLineEdit::textChanged, this, [this](const QString& text) {
    buttons_->button(QDialogButtonBox::Ok)->setEnabled(!text.trimmed().isEmpty());
  });
  auto* column = new QVBoxLayout(this);
  column->addLayout(form);
  column->addWidget(buttons_);
}

QString RecordDialog::defaultPath() {
  return QDir::home().filePath(
      QStringLiteral("reactorscope-%1.rsrec").arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"))));
}

recording::RecordOptions RecordDialog::options() const {
  recording::RecordOptions o;
  o.path = QDir::cleanPath(path_->text().trimmed()).toStdString();
  o.capBytes = int64_t{capMiB_->value()} << 20;
  o.keepLastMinutes = lastMinutes_->value();
  o.overwrite = overwrite_->isChecked();
  return o;
}

bool RecordDialog::selectedOnly() const { return selected_->isChecked(); }

double RecordDialog::stopAfterMinutes() const { return stopAfter_->value(); }

}  // namespace rs::gui
