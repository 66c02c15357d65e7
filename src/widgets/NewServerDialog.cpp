#include "widgets/NewServerDialog.h"

#include <QPushButton>
#include <algorithm>
#include <climits>
#include <QSettings>

#include "model/SessionSpec.h"
#include "net/InetAddress.h"
#include "widgets/FormValidation.h"
#include "widgets/Resources.h"
#include "workload/WorkloadSpec.h"
#include "ui_NewServerDialog.h"

namespace rs::gui {

namespace {
// The byte spin boxes stop at 1 GiB (an int); larger values show as 1 GiB.
int spinBytes(size_t bytes) { return static_cast<int>(std::min<size_t>(bytes, size_t{1} << 30)); }
}  // namespace

NewServerDialog::NewServerDialog(QWidget* parent) : QDialog(parent), ui_(std::make_unique<Ui::NewServerDialog>()) {
  ensureResources();
  ui_->setupUi(this);
  setWindowIcon(QIcon(QStringLiteral(":/icons/server.svg")));
  openSpinRanges(this);
  for (const char* name : kServerModeNames) ui_->modeCombo->addItem(QString::fromLatin1(name));
  connect(ui_->buttonBox, &QDialogButtonBox::accepted, this, [this] {
    if (isValid()) accept();
  });
  connect(ui_->buttonBox, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(ui_->bindEdit, &QLineEdit::textChanged, this, &NewServerDialog::revalidate);
  connect(ui_->portEdit, &QLineEdit::textChanged, this, &NewServerDialog::revalidate);
  connect(ui_->maxConnSpin, &QSpinBox::valueChanged, this, &NewServerDialog::revalidate);
  connect(ui_->delaySpin, &QSpinBox::valueChanged, this, &NewServerDialog::revalidate);
  connect(ui_->idleSpin, &QSpinBox::valueChanged, this, &NewServerDialog::revalidate);
  setConfig(EchoServerConfig{});  // the engine's safe defaults until settings say otherwise
}

NewServerDialog::~NewServerDialog() = default;

EchoServerConfig NewServerDialog::config() const {
  EchoServerConfig c;
  c.bindAddress = ui_->bindEdit->text().trimmed().toStdString();
  c.port = static_cast<uint16_t>(ui_->portEdit->text().trimmed().toUInt());
  c.mode = parseServerMode(ui_->modeCombo->currentText().toStdString()).value_or(EchoServerConfig::Mode::Echo);
  c.maxConnections = ui_->maxConnSpin->value();
  c.responseDelayMs = ui_->delaySpin->value();
  c.readHighWatermark = static_cast<size_t>(ui_->rhwSpin->value());
  c.outputCapBytes = static_cast<size_t>(ui_->outputCapSpin->value());
  c.memoryBudgetBytes = static_cast<size_t>(ui_->budgetSpin->value());
  // Seconds in the form, ms in the engine (kept in int: validate() rejects past its bound).
  c.idleTimeoutMs = static_cast<int>(std::min<qint64>(qint64{ui_->idleSpin->value()} * 1000, INT_MAX));
  return c;
}

void NewServerDialog::setConfig(const EchoServerConfig& c) {
  ui_->bindEdit->setText(QString::fromStdString(c.bindAddress));
  ui_->portEdit->setText(QString::number(c.port));
  ui_->modeCombo->setCurrentText(QString::fromLatin1(toString(c.mode)));
  ui_->maxConnSpin->setValue(c.maxConnections);
  ui_->delaySpin->setValue(c.responseDelayMs);
  ui_->rhwSpin->setValue(spinBytes(c.readHighWatermark));
  ui_->outputCapSpin->setValue(spinBytes(c.outputCapBytes));
  ui_->budgetSpin->setValue(spinBytes(c.memoryBudgetBytes));
  // Whole seconds; a sub-second timeout (CLI only) shows as 1 s.
  ui_->idleSpin->setValue(c.idleTimeoutMs > 0 ? std::max(1, (c.idleTimeoutMs + 999) / 1000) : 0);
  revalidate();
}

QString NewServerDialog::errorText() const {
  std::string portError;
  if (!InetAddress::parsePort(ui_->portEdit->text().trimmed().toStdString(), &portError, true))
    return QString::fromStdString(portError) + tr(" (0 = any free port)");
  return validationMessage(config());
}

void NewServerDialog::revalidate() {
  showFormError(ui_->errorLabel, ui_->buttonBox, errorText());
}

void NewServerDialog::loadSettings() {
  QSettings s;
  s.beginGroup(QStringLiteral("forms/server"));
  EchoServerConfig c;
  c.bindAddress = s.value(QStringLiteral("bind"), QStringLiteral("127.0.0.1")).toString().toStdString();
  c.port = static_cast<uint16_t>(s.value(QStringLiteral("port"), 9000).toUInt());
  c.mode = parseServerMode(s.value(QStringLiteral("mode"), QStringLiteral("echo")).toString().toStdString())
               .value_or(EchoServerConfig::Mode::Echo);
  c.maxConnections = s.value(QStringLiteral("maxConnections"), 0).toInt();
  c.responseDelayMs = s.value(QStringLiteral("delayMs"), 0).toInt();
  // Keys named with their unit: older settings saved "readHighWatermark" = 0
  // (unbounded), which must not override the safe defaults.
  c.readHighWatermark = s.value(QStringLiteral("readHighWatermarkBytes"), qulonglong{c.readHighWatermark}).toULongLong();
  c.outputCapBytes = s.value(QStringLiteral("outputCapBytes"), qulonglong{c.outputCapBytes}).toULongLong();
  c.memoryBudgetBytes = s.value(QStringLiteral("memoryBudgetBytes"), qulonglong{c.memoryBudgetBytes}).toULongLong();
  c.idleTimeoutMs = s.value(QStringLiteral("idleTimeoutMs"), 0).toInt();
  setConfig(c);
}

void NewServerDialog::saveSettings() const {
  QSettings s;
  s.beginGroup(QStringLiteral("forms/server"));
  const EchoServerConfig c = config();
  s.setValue(QStringLiteral("bind"), QString::fromStdString(c.bindAddress));
  s.setValue(QStringLiteral("port"), c.port);
  s.setValue(QStringLiteral("mode"), QString::fromLatin1(toString(c.mode)));
  s.setValue(QStringLiteral("maxConnections"), c.maxConnections);
  s.setValue(QStringLiteral("delayMs"), c.responseDelayMs);
  s.setValue(QStringLiteral("readHighWatermarkBytes"), static_cast<qulonglong>(c.readHighWatermark));
  s.setValue(QStringLiteral("outputCapBytes"), static_cast<qulonglong>(c.outputCapBytes));
  s.setValue(QStringLiteral("memoryBudgetBytes"), static_cast<qulonglong>(c.memoryBudgetBytes));
  s.setValue(QStringLiteral("idleTimeoutMs"), c.idleTimeoutMs);
}

}  // namespace rs::gui
