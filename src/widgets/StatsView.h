// Throughput and timing: msgs/s and bytes/s of the clients, their latency
// percentiles and histogram (LoadClient::histogram()), each loop's busy %, the
// trace rate, callback-duration and scheduling-delay (activation → dispatch)
// distributions, dropped records and resyncs; and, per load client session, its
// one-second intervals (LoadClient::intervals(): messages/s, latency p50 / p99 /
// max, errors) over the run, keyed by the interval's own start time.
// Thread contract: GUI thread only.
#pragma once
#include <QWidget>

#include <array>
#include <map>

#include "model/SessionController.h"

class QCPAxisRect;
class QCPGraph;
class QCPLegend;
class QCustomPlot;
class QLabel;
class QTabWidget;

namespace rs::gui {

class StatsView : public QWidget {
  Q_OBJECT
 public:
  // The per-second series of one client session, one graph each.
  enum class IntervalSeries { Messages, P50, P99, Max, Errors };
  static constexpr int kIntervalSeriesCount = 5;
  // Intervals kept per session (one an elapsed second): an hour-long run is
  // shown whole, and a longer one keeps its last hour.
  static constexpr int kMaxIntervalsPerSession = 3600;

  explicit StatsView(SessionController* controller, QWidget* parent = nullptr);
  // Once per tick; heavy parts (histograms) refresh a few times per second, the
  // interval plot when a new interval arrived.
  void refresh(qint64 nowNs);
  void setPaused(bool on) { paused_ = on; }

  QString valueText(const QString& name) const;  // tests: a figure by its row name
  QCustomPlot* latencyPlot() const { return latencyPlot_; }
  QCustomPlot* distributionPlot() const { return distPlot_; }
  QCustomPlot* ratePlot() const { return ratePlot_; }
  QCustomPlot* intervalPlot() const { return intervalPlot_; }
  // Key: the interval's start (s since that client started); value: messages/s,
  // latency in µs, or errors in the interval. NaN where undefined (no message in
  // the interval, a final interval too short for a rate, a gap in the data).
  // Null for a session with no interval yet, or once it was removed.
  QCPGraph* intervalGraph(int session, IntervalSeries series) const;
  QTabWidget* plotTabs() const { return plotTabs_; }

 private:
  struct IntervalTrack {
    std::array<QCPGraph*, kIntervalSeriesCount> graphs{};
    double lastStartSec = -1;  // newest interval plotted
    double lastEndSec = 0;
    bool errorsShown = false;
  };

  QLabel* addRow(const QString& name);
  // Appends the intervals that arrived since the last call, drops the series of
  // removed sessions. True if any series changed.
  bool ingestIntervals();
  IntervalTrack& addIntervalTrack(int session);
  void appendInterval(IntervalTrack& track, const IntervalStats& iv);
  void rescaleIntervalPlot();
  void replotVisiblePage();

  SessionController* ctl_;
  QTabWidget* plotTabs_;
  QCustomPlot* intervalPlot_;
  QCPAxisRect* throughputRect_;
  QCPAxisRect* intervalLatencyRect_;
  QCPLegend* intervalLatencyLegend_;
  QCustomPlot* ratePlot_;
  QCustomPlot* latencyPlot_;
  QCustomPlot* distPlot_;
  QList<QPair<QString, QLabel*>> rows_;
  std::map<int, IntervalTrack> intervalTracks_;
  int intervalColors_ = 0;  // sessions given a colour so far
  bool intervalsDirty_ = false;
  int ticks_ = 0;
  bool paused_ = false;
};

}  // namespace rs::gui
