// "New echo server": the bind address, port, mode, limits, memory bounds and idle timeout of an
// EchoServer, validated as the user types (OK stays disabled with the reason shown).
// Thread contract: GUI thread only.
#pragma once
#include <QDialog>
#include <memory>

#include "workload/EchoServer.h"

namespace Ui {
class NewServerDialog;
}

namespace rs::gui {

class NewServerDialog : public QDialog {
  Q_OBJECT
 public:
  explicit NewServerDialog(QWidget* parent = nullptr);
  ~NewServerDialog() override;

  // The config the form describes; meaningful when errorText() is empty.
  EchoServerConfig config() const;
  void setConfig(const EchoServerConfig& c);
  QString errorText() const;
  bool isValid() const { return errorText().isEmpty(); }

  // The last accepted form, from/to QSettings.
  void loadSettings();
  void saveSettings() const;

 private:
  void revalidate();
  std::unique_ptr<Ui::NewServerDialog> ui_;
};

}  // namespace rs::gui
