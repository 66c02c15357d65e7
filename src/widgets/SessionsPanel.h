// The sessions panel: the list of sessions, each row with its state, port,
// counters, error and a Stop button, or Remove once the session is over
// (isOver(): finished on its own, failed or stopped alike). New echo server, New
// client and Stop all are the window's actions (toolbar and Session menu); the
// panel's own action is "Clear finished" (its button, its context menu).
// A new session and a session that fails are selected and scrolled into view;
// otherwise updates keep the selection and the scroll position. The panel has no
// height cap: it grows with its dock.
// Thread contract: GUI thread only.
#pragma once
#include <QWidget>
#include <memory>

#include "model/EngineSession.h"

namespace Ui {
class SessionsPanel;
}
class QAction;
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
  // Removes every session that is over; enabled while there is one.
  QAction* clearFinishedAction() const { return clearFinished_; }
  // Selects the session's row and scrolls it into view.
  void reveal(int sessionId);
  // The selected session's id; 0 when none is selected.
  int selectedSession() const;

 signals:
  // The selection moved to another session (0: none).
  void selectedSessionChanged(int sessionId);

 private:
  void attachButtons();
  void updateButtons();
  void onStatusChanged(int sessionId, EngineSession::Status status);
  std::unique_ptr<Ui::SessionsPanel> ui_;
  SessionController* ctl_;
  QAction* clearFinished_ = nullptr;
  int selected_ = 0;
};

}  // namespace rs::gui
