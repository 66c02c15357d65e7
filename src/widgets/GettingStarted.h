// The first steps a new user takes, in one place: the banner the main window shows
// while there is no session (its links start the dialogs) and Help > Getting
// started show the same text.
// Thread contract: GUI thread only.
#pragma once
#include <QFrame>
#include <QString>

class QLabel;

namespace rs::gui {

// Rich text: four numbered steps; "newServer" and "newClient" are link targets.
QString gettingStartedHtml();

class GettingStartedBanner : public QFrame {
  Q_OBJECT
 public:
  explicit GettingStartedBanner(QWidget* parent = nullptr);
  QString text() const;

 signals:
  // A step's link was clicked: "newServer" or "newClient".
  void linkActivated(const QString& link);

 private:
  QLabel* label_;
};

}  // namespace rs::gui
