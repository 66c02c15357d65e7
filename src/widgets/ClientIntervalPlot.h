// The load clients' one-second intervals (LoadClient::intervals(): messages/s,
// latency p50 / p99 / max, errors) over each run, keyed by the interval's own
// start time: messages/s (errors on the right axis) above latency, one x axis
// (seconds since each client started), one colour per client session, legends
// beside the rects so they never hide a point.
// Thread contract: GUI thread only.
#pragma once
#include <qcustomplot.h>

#include <array>
#include <map>

#include "model/FrameSource.h"

namespace rs::gui {

class ClientIntervalPlot : public QCustomPlot {
 public:
  // The per-second series of one client session, one graph each.
  enum class Series { Messages, P50, P99, Max, Errors };
  static constexpr int kSeriesCount = 5;
  // Intervals kept per session (one an elapsed second): an hour-long run is
  // shown whole, and a longer one keeps its last hour.
  static constexpr int kMaxIntervalsPerSession = 3600;

  ClientIntervalPlot(const QString& title, QWidget* parent);

  // Appends the intervals that arrived since the last call and drops the series
  // of sessions that are gone from `figures`. True if any series changed.
  bool ingest(const std::map<int, SessionFigures>& figures);
  // Fits the axes to what is kept: the whole run, whole latency decades.
  void rescale();

  // Key: the interval's start (s since that client started); value: messages/s,
  // latency in µs, or errors in the interval. NaN where undefined (no message in
  // the interval, a final interval too short for a rate, a gap in the data).
  // Null for a session with no interval yet, or once it was removed.
  QCPGraph* seriesGraph(int session, Series series) const;
  // The text shown while no client session has an interval (tests).
  QString emptyHintText() const { return emptyHint_->visible() ? emptyHint_->text() : QString(); }

 private:
  struct Track {
    std::array<QCPGraph*, kSeriesCount> graphs{};
    double lastStartSec = -1;  // newest interval plotted
    double lastEndSec = 0;
    bool errorsShown = false;
    QCPGraph* graph(Series s) const { return graphs[static_cast<size_t>(s)]; }
  };

  void layOutRects();
  void layOutLegends();
  void showEmptyHint(bool on);
  Track& addTrack(int session);
  void append(Track& track, const IntervalStats& interval);
  // Drops the tracks of sessions not in `figures`; true if any was dropped.
  bool dropGoneSessions(const std::map<int, SessionFigures>& figures);

  QCPAxisRect* throughputRect_;
  QCPAxisRect* latencyRect_;
  QCPLegend* latencyLegend_ = nullptr;
  QCPItemText* emptyHint_ = nullptr;  // what the page is for, while no client has a second
  std::map<int, Track> tracks_;
  int colorsUsed_ = 0;  // sessions given a colour so far
};

}  // namespace rs::gui
