#include "widgets/NewClientDialog.h"

#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>

#include "model/SessionSpec.h"
#include "widgets/FormValidation.h"
#include "widgets/Resources.h"
#include "workload/WorkloadSpec.h"
#include "ui_NewClientDialog.h"

namespace rs::gui {

namespace {
template <size_t N>
void fillNames(QComboBox* combo, const char* const (&names)[N]) {
  for (const char* name : names) combo->addItem(QString::fromLatin1(name));
}
}  // namespace

NewClientDialog::NewClientDialog(QWidget* parent) : QDialog(parent), ui_(std::make_unique<Ui::NewClientDialog>()) {
  ensureResources();
  ui_->setupUi(this);
  setWindowIcon(QIcon(QStringLiteral(":/icons/client.svg")));
  openSpinRanges(this);
  fillNames(ui_->faultCombo, kFaultNames);
  runLengthLabel_ = new QLabel(this);
  runLengthLabel_->setObjectName(QStringLiteral("runLengthLabel"));
  runLengthLabel_->setWordWrap(true);
  runLengthLabel_->setStyleSheet(QStringLiteral("color: palette(dark);"));
  int countRow = 0;
  QFormLayout::ItemRole role{};
  ui_->form->getWidgetPosition(ui_->countSpin, &countRow, &role);
  ui_->form->insertRow(countRow + 1, QString(), runLengthLabel_);
  fillNames(ui_->serverModeCombo, kServerModeNames);
  ui_->targetEdit->setEditText(QStringLiteral("127.0.0.1:9000"));
  connect(ui_->buttonBox, &QDialogButtonBox::accepted, this, [this] {
    if (isValid()) accept();
  });
  connect(ui_->buttonBox, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(ui_->targetEdit, &QComboBox::editTextChanged, this, &NewClientDialog::revalidate);
  connect(ui_->connSpin, &QSpinBox::valueChanged, this, &NewClientDialog::revalidate);
  connect(ui_->sizeSpin, &QSpinBox::valueChanged, this, &NewClientDialog::revalidate);
  connect(ui_->payloadCombo, &QComboBox::currentIndexChanged, this, &NewClientDialog::revalidate);
  connect(ui_->payloadEdit, &QLineEdit::textChanged, this, &NewClientDialog::revalidate);
  connect(ui_->loopCombo, &QComboBox::currentIndexChanged, this, &NewClientDialog::revalidate);
  connect(ui_->rateSpin, &QDoubleSpinBox::valueChanged, this, &NewClientDialog::revalidate);
  connect(ui_->durationSpin, &QDoubleSpinBox::valueChanged, this, &NewClientDialog::revalidate);
  connect(ui_->countSpin, &QSpinBox::valueChanged, this, &NewClientDialog::revalidate);
  connect(ui_->faultCombo, &QComboBox::currentIndexChanged, this, &NewClientDialog::revalidate);
  connect(ui_->serverModeCombo, &QComboBox::currentIndexChanged, this, &NewClientDialog::revalidate);
  connect(ui_->rstEverySpin, &QDoubleSpinBox::valueChanged, this, &NewClientDialog::revalidate);
  revalidate();
}

NewClientDialog::~NewClientDialog() = default;

QString NewClientDialog::runLengthText(const LoadClientConfig& c) {
  const QString stays = tr(" Its figures, events and timelines stay to inspect until you remove the session.");
  if (c.fault == LoadClientConfig::Fault::ClosedPort) return tr("Tries to connect to a closed port, then ends.");
  if (c.durationSec > 0 && c.messageCount > 0)
    return tr("Runs until %1 messages are answered or %2 s have passed, whichever comes first.")
               .arg(c.messageCount)
               .arg(c.durationSec) +
           stays;
  if (c.durationSec > 0) return tr("Runs for %1 s, then stops by itself.").arg(c.durationSec) + stays;
  if (c.messageCount > 0)
    return tr("Runs until %1 messages are answered (at most %2 s).")
               .arg(c.messageCount)
               .arg(LoadClientConfig::kCountOnlyTimeLimitSec) +
           stays;
  return {};
}

void NewClientDialog::setSuggestedTargets(const QStringList& targets) {
  const QString current = ui_->targetEdit->currentText();
  ui_->targetEdit->clear();
  ui_->targetEdit->addItems(targets);
  ui_->targetEdit->setEditText(targets.isEmpty() ? current : targets.first());
}

LoadClientConfig NewClientDialog::config() const {
  LoadClientConfig c;
  QString e;
  parseHostPort(ui_->targetEdit->currentText(), &c.host, &c.port, &e, false);
  c.connections = ui_->connSpin->value();
  c.messageSize = static_cast<size_t>(ui_->sizeSpin->value());
  switch (ui_->payloadCombo->currentIndex()) {
    case 1: c.payload = LoadClientConfig::PayloadKind::Text; break;
    case 2: c.payload = LoadClientConfig::PayloadKind::Hex; break;
    default: c.payload = LoadClientConfig::PayloadKind::Random; break;
  }
  c.payloadSpec = ui_->payloadEdit->text().toStdString();
  c.loopMode = ui_->loopCombo->currentIndex() == 1 ? LoadClientConfig::LoopMode::Open : LoadClientConfig::LoopMode::Closed;
  c.rate = c.loopMode == LoadClientConfig::LoopMode::Open ? ui_->rateSpin->value() : 0;
  c.durationSec = ui_->durationSpin->value();
  c.messageCount = static_cast<uint64_t>(ui_->countSpin->value());
  c.fault = parseFault(ui_->faultCombo->currentText().toStdString()).value_or(LoadClientConfig::Fault::None);
  if (c.fault == LoadClientConfig::Fault::AbortRst) c.rstIntervalSec = ui_->rstEverySpin->value();
  c.serverMode =
      parseServerMode(ui_->serverModeCombo->currentText().toStdString()).value_or(LoadClientConfig::ServerMode::Echo);
  return c;
}

void NewClientDialog::setConfig(const LoadClientConfig& c) {
  ui_->targetEdit->setEditText(QStringLiteral("%1:%2").arg(QString::fromStdString(c.host), QString::number(c.port)));
  ui_->connSpin->setValue(c.connections);
  ui_->sizeSpin->setValue(static_cast<int>(c.messageSize));
  ui_->payloadCombo->setCurrentIndex(c.payload == LoadClientConfig::PayloadKind::Text  ? 1
                                     : c.payload == LoadClientConfig::PayloadKind::Hex ? 2
                                                                                        : 0);
  ui_->payloadEdit->setText(QString::fromStdString(c.payloadSpec));
  ui_->loopCombo->setCurrentIndex(c.loopMode == LoadClientConfig::LoopMode::Open ? 1 : 0);
  if (c.rate > 0) ui_->rateSpin->setValue(c.rate);
  ui_->durationSpin->setValue(c.durationSec);
  ui_->countSpin->setValue(static_cast<int>(std::min<uint64_t>(c.messageCount, 2000000000)));
  ui_->faultCombo->setCurrentText(QString::fromLatin1(toString(c.fault)));
  ui_->rstEverySpin->setValue(c.rstIntervalSec);
  ui_->serverModeCombo->setCurrentText(QString::fromLatin1(toString(c.serverMode)));
  revalidate();
}

QString NewClientDialog::errorText() const {
  LoadClientConfig c;
  QString e;
  if (!parseHostPort(ui_->targetEdit->currentText(), &c.host, &c.port, &e, false)) return tr("Target: %1.").arg(e);
  return validationMessage(config());
}

void NewClientDialog::revalidate() {
  ui_->rateSpin->setEnabled(ui_->loopCombo->currentIndex() == 1);
  ui_->payloadEdit->setEnabled(ui_->payloadCombo->currentIndex() != 0);
  const auto fault = parseFault(ui_->faultCombo->currentText().toStdString()).value_or(LoadClientConfig::Fault::None);
  ui_->faultHelpLabel->setText(QString::fromUtf8(describeFault(fault)));
  runLengthLabel_->setText(runLengthText(config()));
  const bool rst = fault == LoadClientConfig::Fault::AbortRst;
  ui_->rstEveryLabel->setVisible(rst);
  ui_->rstEverySpin->setVisible(rst);
  showFormError(ui_->errorLabel, ui_->buttonBox, errorText());
}

void NewClientDialog::loadSettings() {
  QSettings s;
  s.beginGroup(QStringLiteral("forms/client"));
  if (!s.contains(QStringLiteral("target"))) return;
  ui_->targetEdit->setEditText(s.value(QStringLiteral("target")).toString());
  ui_->connSpin->setValue(s.value(QStringLiteral("connections"), 10).toInt());
  ui_->sizeSpin->setValue(s.value(QStringLiteral("size"), 64).toInt());
  ui_->payloadCombo->setCurrentIndex(s.value(QStringLiteral("payloadKind"), 0).toInt());
  ui_->payloadEdit->setText(s.value(QStringLiteral("payload")).toString());
  ui_->loopCombo->setCurrentIndex(s.value(QStringLiteral("loop"), 0).toInt());
  ui_->rateSpin->setValue(s.value(QStringLiteral("rate"), 1000.0).toDouble());
  ui_->durationSpin->setValue(s.value(QStringLiteral("duration"), 60.0).toDouble());
  ui_->countSpin->setValue(s.value(QStringLiteral("count"), 0).toInt());
  // The fault is never restored: a run is faulted only when the user picks it
  // (a remembered "rst" would fault the next run without them noticing).
  ui_->serverModeCombo->setCurrentIndex(s.value(QStringLiteral("serverMode"), 0).toInt());
  revalidate();
}

void NewClientDialog::saveSettings() const {
  QSettings s;
  s.beginGroup(QStringLiteral("forms/client"));
  s.setValue(QStringLiteral("target"), ui_->targetEdit->currentText());
  s.setValue(QStringLiteral("connections"), ui_->connSpin->value());
  s.setValue(QStringLiteral("size"), ui_->sizeSpin->value());
  s.setValue(QStringLiteral("payloadKind"), ui_->payloadCombo->currentIndex());
  s.setValue(QStringLiteral("payload"), ui_->payloadEdit->text());
  s.setValue(QStringLiteral("loop"), ui_->loopCombo->currentIndex());
  s.setValue(QStringLiteral("rate"), ui_->rateSpin->value());
  s.setValue(QStringLiteral("duration"), ui_->durationSpin->value());
  s.setValue(QStringLiteral("count"), ui_->countSpin->value());
  s.remove(QStringLiteral("fault"));  // not remembered (see loadSettings)
  s.setValue(QStringLiteral("serverMode"), ui_->serverModeCombo->currentIndex());
}

}  // namespace rs::gui
