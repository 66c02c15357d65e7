// The four buffers of a connection over time (kernel receive queue → input buffer
// → output buffer → kernel send queue) with its watermark lines, or the sum of
// each buffer across a session's live connections. An echo server's output cap
// is its connections' write high watermark line; a server session's sum shows
// its memory budget as a line, with what is buffered, the peak and the paused
// connections in the title.
// Thread contract: GUI thread only.
#pragma once
#include <QWidget>

#include "model/FrameSource.h"

class QCustomPlot;
class QCPItemStraightLine;
class QComboBox;
class QLabel;

namespace rs::gui {

class BuffersView : public QWidget {
  Q_OBJECT
 public:
  explicit BuffersView(const FrameSource* source, QWidget* parent = nullptr);

  // Shows this connection (owner tag); 0 = none (then the session aggregate).
  void setConnection(quint32 owner);
  quint32 connection() const { return owner_; }
  // Sessions offered for the aggregate (id, name).
  void setSessions(const QList<QPair<int, QString>>& sessions);
  // Once per tick.
  void refresh(qint64 nowNs);
  void setFollowLive(bool on) { follow_ = on; }
  void setPaused(bool on) { paused_ = on; }

  QCustomPlot* plot() const { return plot_; }
  // Points currently plotted over all four buffers (tests).
  int pointCount() const;
  bool showingAggregate() const;

 private:
  const FrameSource* source_;
  QCustomPlot* plot_;
  QComboBox* sourceCombo_;
  QLabel* title_;
  QCPItemStraightLine* watermarkLines_[4];
  QCPItemStraightLine* budgetLine_;
  quint32 owner_ = 0;
  bool follow_ = true;
  bool paused_ = false;
  static constexpr double kWindowSec = 30.0;  // followed live
  static constexpr qint64 kClosedMarginNs = 1'000'000'000;  // shown after a closed connection's last level
};

}  // namespace rs::gui
