// Per-event timelines: one lane per event (the selection, or the filtered rows),
// time on x, a coloured span per state between consecutive transitions, callback
// spans on top. Mouse wheel zooms and drag pans the time axis (which stops
// following live); a tooltip names the state, its cause and time under the cursor.
// Spans are painted straight from the frame source's rings (full resolution) and
// coarse buckets (older, decimated history, drawn slightly faded); what falls in
// one pixel is drawn as one column of stacked state shares and equal neighbouring
// columns as one rectangle, so a frame iterates the visible samples and buckets
// (bounded by the rings) and draws at most a few rectangles per pixel and lane. Time the source no longer holds is hatched ("not retained") and
// a label above states the retained window. The shown events are reported to the
// source (FrameSource::setShownEvents) so it keeps them at full resolution; while
// paused or zoomed/panned (not following live) the view draws a frozen copy of
// its lanes, so what is shown does not change under the user.
// Thread contract: GUI thread only.
#pragma once
#include <QWidget>

#include <optional>
#include <utility>
#include <vector>

#include "model/FrameSource.h"

class QCustomPlot;
class QCPAxisTickerText;
class QLabel;
class QMouseEvent;

namespace rs::gui {

class TimelinePlottable;

class TimelineView : public QWidget {
  Q_OBJECT
 public:
  explicit TimelineView(FrameSource* source, QWidget* parent = nullptr);

  // Lanes, top to bottom, as (session, event id).
  void setLanes(const std::vector<std::pair<int, quint64>>& lanes);
  int laneCount() const { return static_cast<int>(lanes_.size()); }
  // How many lanes stay readable at the current height.
  int lanesThatFit() const;
  // Called once per tick: follows live time (unless paused or panned) and replots.
  void refresh(qint64 nowNs);

  void setFollowLive(bool on);
  bool followLive() const { return follow_; }
  void setPaused(bool on);
  bool paused() const { return paused_; }
  // How many seconds the followed time axis spans (default 10; 1-3600).
  void setWindowSec(double sec);
  double windowSec() const { return windowSec_; }

  QCustomPlot* plot() const { return plot_; }
  // What the last replot drew (tests): state spans and callback spans.
  quint64 drawnSpans() const;
  quint64 drawnCallbacks() const;
  quint64 drawnCoarseSpans() const;       // decimated buckets (merged per pixel)
  quint64 drawnNotRetainedLanes() const;  // lanes with a hatched "not retained" part
  bool frozen() const { return paused_ || !follow_; }
  // The retained window of the lanes, as the label states it (seconds; 0: none):
  // the shortest lane's retained history and full-resolution part.
  double retainedSec() const { return retainedSec_; }
  double fullResolutionSec() const { return fullResolutionSec_; }
  QString retainedText() const;
  // Tooltip text for a plot position (tests use it without a mouse).
  QString describeAt(double timeSec, int lane) const;

 signals:
  void followLiveChanged(bool on);

 private:
  void onMouseMove(QMouseEvent* event);
  void userMovedView();
  void updateValueRange();
  void updateFreeze();
  void updateRetainedLabel(qint64 nowNs);
  const EventRow* laneRow(size_t lane) const;

  FrameSource* source_;
  QCustomPlot* plot_;
  TimelinePlottable* spans_;
  std::vector<std::pair<int, quint64>> lanes_;
  bool follow_ = true;
  bool paused_ = false;
  double windowSec_ = 10.0;  // followed live
  qint64 lastNowNs_ = 0;
  std::vector<std::optional<EventRow>> frozenRows_;  // per lane, while frozen()
  QLabel* retained_;
  double retainedSec_ = 0;
  double fullResolutionSec_ = 0;
  qint64 bucketNs_ = 0;
};

}  // namespace rs::gui
