// Throughput and timing: msgs/s and bytes/s of the clients, their latency
// percentiles and histogram (LoadClient::histogram()), each loop's busy %, the
// trace rate, callback-duration and scheduling-delay (activation → dispatch)
// distributions, dropped records and resyncs.
// Thread contract: GUI thread only.
#pragma once
#include <QWidget>

#include "model/SessionController.h"

class QCustomPlot;
class QLabel;

namespace rs::gui {

class StatsView : public QWidget {
  Q_OBJECT
 public:
  explicit StatsView(SessionController* controller, QWidget* parent = nullptr);
  // Once per tick; heavy parts (histograms) refresh a few times per second.
  void refresh(qint64 nowNs);
  void setPaused(bool on) { paused_ = on; }

  QString valueText(const QString& name) const;  // tests: a figure by its row name
  QCustomPlot* latencyPlot() const { return latencyPlot_; }
  QCustomPlot* distributionPlot() const { return distPlot_; }
  QCustomPlot* ratePlot() const { return ratePlot_; }

 private:
  QLabel* addRow(const QString& name);

  SessionController* ctl_;
  QCustomPlot* ratePlot_;
  QCustomPlot* latencyPlot_;
  QCustomPlot* distPlot_;
  QList<QPair<QString, QLabel*>> rows_;
  int ticks_ = 0;
  bool paused_ = false;
};

}  // namespace rs::gui
