// SIGTERM and SIGINT close the main window as the user closing it would (settings
// saved, sessions stopped, exit status 0) instead of killing the app mid-frame.
// The handlers only write a byte to a self-pipe; a QSocketNotifier on the GUI
// thread reads it and closes the window.
// Thread contract: installHandlers() once, first thing in main(); construct the
// QuitOnSignal on the GUI thread once the window exists. A signal that arrived in
// between is waiting in the pipe and closes the window as soon as the event loop
// runs.
#pragma once
#include <QObject>

class QSocketNotifier;
class QWidget;

namespace rs::gui {

class QuitOnSignal : public QObject {
  Q_OBJECT
 public:
  static void installHandlers();
  explicit QuitOnSignal(QWidget* window);
  ~QuitOnSignal() override;

 private:
  void onSignalByte();

  QWidget* window_;
  QSocketNotifier* notifier_ = nullptr;
};

}  // namespace rs::gui
