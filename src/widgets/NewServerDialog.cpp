#include "widgets/NewServerDialog.h"

#include <QPushButton>
#include <QSettings>

#include "model/SessionSpec.h"
#include "widgets/Resources.h"
#include "ui_NewServerDialog.h"

namespace rs::gui {

NewServerDialog::NewServerDialog(QWidget* parent) : QDialog(parent), ui_(std::make_unique<Ui::NewServerDialog>()) {
  ensureResources();
  ui_->setupUi(this);
  setWindowIcon(QIcon(QStringLiteral(":/icons/server.svg")));
  connect(ui_->buttonBox, &QDialogButtonBox::accepted, this, [this] {
    if (isValid()) accept();
  });
  connect(ui_->buttonBox, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(ui_->bindEdit, &QLineEdit::textChanged, this, &NewServerDialog::revalidate);
  connect(ui_->portEdit, &QLineEdit::textChanged, this, &NewServerDialog::revalidate);
  connect(ui_->maxConnSpin, &QSpinBox::valueChanged, this, &NewServerDialog::revalidate);
  connect(ui_->delaySpin, &QSpinBox::valueChanged, this, &NewServerDialog::revalidate);
  revalidate();
}

NewServerDialog::~NewServerDialog() = default;

EchoServerConfig NewServerDialog::config() const {
  EchoServerConfig c;
  c.bindAddress = ui_->bindEdit->text().trimmed().toStdString();
  c.port = static_cast<uint16_t>(ui_->portEdit->text().trimmed().toUInt());
  QString e;
  parseMode(ui_->modeCombo->currentText(), &c.mode, &e);
  c.maxConnections = ui_->maxConnSpin->value();
  c.responseDelayMs = ui_->delaySpin->value();
  c.readHighWatermark = static_cast<size_t>(ui_->rhwSpin->value());
  return c;
}

void NewServerDialog::setConfig(const EchoServerConfig& c) {
  ui_->bindEdit->setText(QString::fromStdString(c.bindAddress));
  ui_->portEdit->setText(QString::number(c.port));
  ui_->modeCombo->setCurrentText(modeName(c.mode));
  ui_->maxConnSpin->setValue(c.maxConnections);
  ui_->delaySpin->setValue(c.responseDelayMs);
  ui_->rhwSpin->setValue(static_cast<int>(std::min<size_t>(c.readHighWatermark, 1u << 30)));
  revalidate();
}

QString NewServerDialog::errorText() const {
  const QString port = ui_->portEdit->text().trimmed();
  bool ok = false;
  const uint p = port.toUInt(&ok);
  if (!ok || p > 65535) return tr("Port must be a number 0..65535 (0 = any free port), got \"%1\".").arg(port);
  return validateServerConfig(config());
}

void NewServerDialog::revalidate() {
  const QString err = errorText();
  ui_->errorLabel->setText(err);
  ui_->errorLabel->setVisible(!err.isEmpty());
  ui_->buttonBox->button(QDialogButtonBox::Ok)->setEnabled(err.isEmpty());
}

void NewServerDialog::loadSettings() {
  QSettings s;
  s.beginGroup(QStringLiteral("forms/server"));
  EchoServerConfig c;
  c.bindAddress = s.value(QStringLiteral("bind"), QStringLiteral("127.0.0.1")).toString().toStdString();
  c.port = static_cast<uint16_t>(s.value(QStringLiteral("port"), 9000).toUInt());
  QString e;
  parseMode(s.value(QStringLiteral("mode"), QStringLiteral("echo")).toString(), &c.mode, &e);
  c.maxConnections = s.value(QStringLiteral("maxConnections"), 0).toInt();
  c.responseDelayMs = s.value(QStringLiteral("delayMs"), 0).toInt();
  c.readHighWatermark = s.value(QStringLiteral("readHighWatermark"), 0).toULongLong();
  setConfig(c);
}

void NewServerDialog::saveSettings() const {
  QSettings s;
  s.beginGroup(QStringLiteral("forms/server"));
  const EchoServerConfig c = config();
  s.setValue(QStringLiteral("bind"), QString::fromStdString(c.bindAddress));
  s.setValue(QStringLiteral("port"), c.port);
  s.setValue(QStringLiteral("mode"), modeName(c.mode));
  s.setValue(QStringLiteral("maxConnections"), c.maxConnections);
  s.setValue(QStringLiteral("delayMs"), c.responseDelayMs);
  s.setValue(QStringLiteral("readHighWatermark"), static_cast<qulonglong>(c.readHighWatermark));
}

}  // namespace rs::gui
