// Throughput and timing: msgs/s and bytes/s of the clients, their latency
// percentiles and histogram (LoadClient::histogram()), each loop's busy %, the
// trace rate, callback-duration and scheduling-delay (activation → dispatch)
// distributions, dropped records and resyncs; and, per load client session, its
// one-second intervals over the run (ClientIntervalPlot).
// Thread contract: GUI thread only.
#pragma once
#include <QWidget>

#include <array>

#include "model/FrameSource.h"
#include "widgets/ClientIntervalPlot.h"

class QCPGraph;
class QCPItemText;
class QCustomPlot;
class QFormLayout;
class QLabel;
class QTabWidget;

namespace rs::gui {

class StatsView : public QWidget {
  Q_OBJECT
 public:
  using IntervalSeries = ClientIntervalPlot::Series;
  static constexpr int kIntervalSeriesCount = ClientIntervalPlot::kSeriesCount;

  // The rows of the Figures box, top to bottom.
  enum class Figure {
    Messages,
    Bytes,
    LatencyPercentiles,
    LatencyTail,
    LatencySamples,
    LoopBusy,
    Transitions,
    TraceRecords,
    Callback,
    SchedulingDelay,
    Dropped,
    Resyncs,
    LiveEvents,
    TraceMemory,
    Count
  };
  static QString figureName(Figure figure);

  explicit StatsView(const FrameSource* source, QWidget* parent = nullptr);
  // Once per tick; heavy parts (histograms) refresh a few times per second, the
  // interval plot when a new interval arrived.
  void refresh(qint64 nowNs);
  void setPaused(bool on) { paused_ = on; }

  QString valueText(Figure figure) const;
  QString valueText(const QString& name) const;  // tests: a figure by its row name
  QCustomPlot* latencyPlot() const { return latencyPlot_; }
  QCustomPlot* distributionPlot() const { return distPlot_; }
  QCustomPlot* ratePlot() const { return ratePlot_; }
  QCustomPlot* intervalPlot() const { return intervalPlot_; }
  bool latencyHintShown() const;
  QString intervalHintText() const { return intervalPlot_->emptyHintText(); }
  // See ClientIntervalPlot::seriesGraph().
  QCPGraph* intervalGraph(int session, IntervalSeries series) const {
    return intervalPlot_->seriesGraph(session, series);
  }
  QTabWidget* plotTabs() const { return plotTabs_; }

 private:
  // Below this height the Overview's grid scrolls (two rows of plots, each
  // with a title, axes and ~150 px of data).
  static constexpr int kOverviewMinHeightPx = 520;
  QWidget* makeIntervalPage();
  QWidget* makeOverviewPage();
  void addFigureRows(QFormLayout* form, QWidget* box);
  void setFigure(Figure figure, const QString& text);
  // The figures and plots of one frame, by concern.
  void refreshFigures(double clientMessagesPerSec, double bytesPerSec, const LatencyHistogram* latency,
                      const CallbackHistogram& callbacks, const CallbackHistogram& schedulingDelays);
  void refreshRatePlot(qint64 nowNs, double clientMessagesPerSec);
  void refreshLatencyPlot(const LatencyHistogram* latency);
  void refreshDistributionPlot(const CallbackHistogram& callbacks, const CallbackHistogram& schedulingDelays);
  void replotVisiblePage();

  const FrameSource* source_;
  QTabWidget* plotTabs_;
  ClientIntervalPlot* intervalPlot_ = nullptr;
  QCustomPlot* ratePlot_ = nullptr;
  QCustomPlot* latencyPlot_ = nullptr;
  QCPItemText* latencyHint_ = nullptr;  // "no round trip measured yet"
  int clients_ = 0;    // load client sessions in the last frame
  int workloads_ = 0;  // ReactorScope server and client sessions in it
  QCustomPlot* distPlot_ = nullptr;
  std::array<QLabel*, static_cast<size_t>(Figure::Count)> figures_{};
  bool intervalsDirty_ = false;
  int ticks_ = 0;
  bool paused_ = false;
};

}  // namespace rs::gui
