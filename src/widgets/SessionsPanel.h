// The sessions panel: the list of sessions, each row with its state, port,
// counters, error and a Stop (then Remove) button. New echo server, New client
// and Stop all are the window's actions (toolbar and Session menu).
// Thread contract: GUI thread only.
#pragma once
#include <QWidget>
#include <memory>

namespace Ui {
class SessionsPanel;
}
class QTableView;
class QPushButton;

namespace rs::gui {

class SessionController;

class SessionsPanel : public QWidget {
  Q_OBJECT
 public:
  explicit SessionsPanel(SessionController* controller, QWidget* parent = nullptr);
  ~SessionsPanel() override;

  QTableView* table() const;
  // The row's Stop/Remove button (tests).
  QPushButton* actionButton(int sessionId) const;

 private:
  void attachButtons();
  void updateButtons();
  std::unique_ptr<Ui::SessionsPanel> ui_;
  SessionController* ctl_;
};

}  // namespace rs::gui
