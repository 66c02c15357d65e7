#include "widgets/ExportDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace rs::gui {

namespace {

// The output's default name: the recording's, with the format's extension.
QString defaultOutput(const QString& recording, exporting::ExportFormat format) {
  if (recording.isEmpty()) return {};
  const QFileInfo info(recording);
  return info.dir().filePath(info.completeBaseName() +
                             (format == exporting::ExportFormat::Perfetto ? QStringLiteral(".pftrace")
                                                                          : QStringLiteral(".json")));
}

}  // namespace

ExportDialog::ExportDialog(const QString& recordingPath, QWidget* parent) : QDialog(parent) {
  setObjectName(QStringLiteral("exportDialog"));
  setWindowTitle(tr("Export recording"));
  recording_ = new QLineEdit(recordingPath, this);
  recording_->setObjectName(QStringLiteral("exportRecording"));
  recording_->setReadOnly(!recordingPath.isEmpty());
  auto* pick = new QPushButton(tr("Browse..."), this);
  pick->setEnabled(recordingPath.isEmpty());
  connect(pick, &QPushButton::clicked, this, [this] {
    const QString p = QFileDialog::getOpenFileName(this, tr("Recording to export"), QString(),
                                                   tr("ReactorScope recordings (*.rsrec);;All files (*)"));
    if (!p.isEmpty()) recording_->setText(p);
  });
  auto* recordingRow = new QHBoxLayout;
  recordingRow->addWidget(recording_, 1);
  recordingRow->addWidget(pick);
  format_ = new QComboBox(this);
  format_->setObjectName(QStringLiteral("exportFormat"));
  format_->addItem(tr("Perfetto trace (protobuf)"), static_cast<int>(exporting::ExportFormat::Perfetto));
  format_->addItem(tr("Chrome trace-event JSON"), static_cast<int>(exporting::ExportFormat::ChromeJson));
  output_ = new QLineEdit(defaultOutput(recordingPath, exporting::ExportFormat::Perfetto), this);
  output_->setObjectName(QStringLiteral("exportOutput"));
  from_ = new QLineEdit(this);
  from_->setObjectName(QStringLiteral("exportFrom"));
  from_->setPlaceholderText(tr("start"));
  to_ = new QLineEdit(this);
  to_->setObjectName(QStringLiteral("exportTo"));
  to_->setPlaceholderText(tr("end"));
  error_ = new QLabel(this);
  error_->setObjectName(QStringLiteral("exportError"));
  error_->setStyleSheet(QStringLiteral("color:#c02020"));

  auto* form = new QFormLayout;
  form->addRow(tr("Recording:"), recordingRow);
  form->addRow(tr("Format:"), format_);
  form->addRow(tr("Output:"), output_);
  form->addRow(tr("From (s):"), from_);
  form->addRow(tr("To (s):"), to_);
  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons_->button(QDialogButtonBox::Ok)->setText(tr("Export"));
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* column = new QVBoxLayout(this);
  column->addLayout(form);
  column->addWidget(error_);
  column->addWidget(buttons_);

  connect(format_, &QComboBox::currentIndexChanged, this, [this] {
    // Follow the format while the output still has a default name.
    const auto other = format() == exporting::ExportFormat::Perfetto ? exporting::ExportFormat::ChromeJson
                                                                    : exporting::ExportFormat::Perfetto;
    if (output_->text().isEmpty() || output_->text() == defaultOutput(recording_->text(), other))
      output_->setText(defaultOutput(recording_->text(), format()));
  });
  for (QLineEdit* e : {recording_, output_, from_, to_}) connect(e, &QLineEdit::textChanged, this, &ExportDialog::revalidate);
  revalidate();
}

QString ExportDialog::recordingPath() const { return recording_->text().trimmed(); }
QString ExportDialog::outputPath() const { return output_->text().trimmed(); }

exporting::ExportFormat ExportDialog::format() const {
  return static_cast<exporting::ExportFormat>(format_->currentData().toInt());
}

std::optional<double> ExportDialog::bound(const QLineEdit* edit) {
  bool ok = false;
  const double v = edit->text().trimmed().toDouble(&ok);
  return ok ? std::optional(v) : std::nullopt;
}

QString ExportDialog::errorText() const {
  if (recordingPath().isEmpty()) return tr("Pick the recording to export");
  if (outputPath().isEmpty()) return tr("Name the output file");
  for (const QLineEdit* e : {from_, to_})
    if (!e->text().trimmed().isEmpty() && !bound(e))
      return tr("'%1' is not a number of seconds").arg(e->text().trimmed());
  if (fromSec() && toSec() && *toSec() < *fromSec()) return tr("'To' is before 'From'");
  return {};
}

void ExportDialog::revalidate() {
  const QString why = errorText();
  error_->setText(why);
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(why.isEmpty());
}

}  // namespace rs::gui
