// "New client": target, connections, message size and payload, closed/open loop
// with rate, duration/count and fault mode of a LoadClient, validated as the user
// types. Running servers are offered as targets.
// Thread contract: GUI thread only.
#pragma once
#include <QDialog>
#include <memory>

#include "workload/LoadClient.h"

class QLabel;

namespace Ui {
class NewClientDialog;
}

namespace rs::gui {

class NewClientDialog : public QDialog {
  Q_OBJECT
 public:
  explicit NewClientDialog(QWidget* parent = nullptr);
  ~NewClientDialog() override;

  // "127.0.0.1:9000" entries for the target box (running servers).
  void setSuggestedTargets(const QStringList& targets);
  LoadClientConfig config() const;
  void setConfig(const LoadClientConfig& c);
  QString errorText() const;
  // How long a run with these settings lasts, as the form says under the count.
  static QString runLengthText(const LoadClientConfig& c);
  bool isValid() const { return errorText().isEmpty(); }

  void loadSettings();
  void saveSettings() const;

 private:
  void revalidate();
  std::unique_ptr<Ui::NewClientDialog> ui_;
  QLabel* runLengthLabel_ = nullptr;
};

}  // namespace rs::gui
