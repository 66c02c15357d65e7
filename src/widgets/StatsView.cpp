#include "widgets/StatsView.h"

#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <qcustomplot.h>

#include "core/Clock.h"

namespace rs::gui {

namespace {
constexpr double kHistoryWindowSec = 60;

QCustomPlot* makePlot(QWidget* parent, const QString& name, const QString& title) {
  auto* p = new QCustomPlot(parent);
  p->setObjectName(name);
  p->plotLayout()->insertRow(0);
  auto* t = new QCPTextElement(p, title, QFont(p->font().family(), 10, QFont::Bold));
  p->plotLayout()->addElement(0, 0, t);
  p->setMinimumHeight(180);
  return p;
}

QString pct(qint64 a, qint64 b, qint64 c) {
  return QStringLiteral("%1 / %2 / %3").arg(formatDuration(a), formatDuration(b), formatDuration(c));
}
}  // namespace

StatsView::StatsView(SessionController* controller, QWidget* parent) : QWidget(parent), ctl_(controller) {
  auto* grid = new QGridLayout(this);
  auto* box = new QGroupBox(tr("Figures"), this);
  auto* form = new QFormLayout(box);
  form->setLabelAlignment(Qt::AlignRight);
  box->setLayout(form);
  grid->addWidget(box, 0, 0);

  for (const QString& name :
       {tr("Messages/s"), tr("Bytes/s"), tr("Latency p50 / p90 / p99"), tr("Latency p99.9 / max"),
        tr("Latency samples"), tr("Loop busy"), tr("Transitions/s"), tr("Trace records/s"),
        tr("Callback p50 / p99 / max"), tr("Scheduling delay p50 / p99 / max"), tr("Dropped records"),
        tr("Snapshot resyncs"), tr("Live events"), tr("Trace memory")}) {
    auto* value = new QLabel(QStringLiteral("–"), box);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(name + QLatin1Char(':'), value);
    rows_.push_back({name, value});
  }

  ratePlot_ = makePlot(this, QStringLiteral("ratePlot"), tr("Rates over time"));
  ratePlot_->addGraph(ratePlot_->xAxis, ratePlot_->yAxis);
  ratePlot_->graph(0)->setName(tr("transitions/s"));
  ratePlot_->graph(0)->setPen(QPen(QColor(0x00, 0x9e, 0x73), 1.5));
  ratePlot_->addGraph(ratePlot_->xAxis, ratePlot_->yAxis2);
  ratePlot_->graph(1)->setName(tr("messages/s (clients)"));
  ratePlot_->graph(1)->setPen(QPen(QColor(0xd5, 0x5e, 0x00), 1.5));
  ratePlot_->yAxis->setLabel(tr("transitions/s"));
  ratePlot_->yAxis2->setVisible(true);
  ratePlot_->yAxis2->setLabel(tr("messages/s"));
  ratePlot_->xAxis->setLabel(tr("time (s)"));
  ratePlot_->legend->setVisible(true);
  ratePlot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
  grid->addWidget(ratePlot_, 0, 1);

  latencyPlot_ = makePlot(this, QStringLiteral("latencyPlot"), tr("Client latency histogram"));
  auto* bars = new QCPBars(latencyPlot_->xAxis, latencyPlot_->yAxis);
  bars->setName(tr("messages"));
  bars->setPen(Qt::NoPen);
  bars->setBrush(QColor(0xd5, 0x5e, 0x00, 190));
  bars->setWidthType(QCPBars::wtPlotCoords);
  latencyPlot_->xAxis->setScaleType(QCPAxis::stLogarithmic);
  latencyPlot_->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  latencyPlot_->xAxis->setLabel(tr("round-trip latency (µs, log)"));
  latencyPlot_->yAxis->setLabel(tr("messages"));
  grid->addWidget(latencyPlot_, 1, 0);

  distPlot_ = makePlot(this, QStringLiteral("distributionPlot"), tr("Callback duration and scheduling delay"));
  distPlot_->addGraph();
  distPlot_->graph(0)->setName(tr("callback duration"));
  distPlot_->graph(0)->setPen(QPen(QColor(0x20, 0x20, 0x20), 1.5));
  distPlot_->graph(0)->setLineStyle(QCPGraph::lsStepCenter);
  distPlot_->addGraph();
  distPlot_->graph(1)->setName(tr("scheduling delay (activation → dispatch)"));
  distPlot_->graph(1)->setPen(QPen(QColor(0x56, 0xb4, 0xe9), 1.5));
  distPlot_->graph(1)->setLineStyle(QCPGraph::lsStepCenter);
  distPlot_->xAxis->setScaleType(QCPAxis::stLogarithmic);
  distPlot_->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  distPlot_->xAxis->setLabel(tr("µs (log)"));
  distPlot_->yAxis->setLabel(tr("% of samples"));
  distPlot_->legend->setVisible(true);
  grid->addWidget(distPlot_, 1, 1);
  grid->setColumnStretch(0, 1);
  grid->setColumnStretch(1, 1);
}

QString StatsView::valueText(const QString& name) const {
  for (const auto& [n, label] : rows_)
    if (n == name) return label->text();
  return {};
}

void StatsView::refresh(qint64 nowNs) {
  if (paused_) return;
  ++ticks_;
  const TraceAggregator& agg = ctl_->aggregator();
  auto set = [&](int i, const QString& text) { rows_[i].second->setText(text); };

  double msgs = 0;
  double bytes = 0;
  std::shared_ptr<LatencyHistogram> merged;
  QStringList busy;
  for (const SessionRow& r : ctl_->sessionModel()->rows()) {
    if (r.kind == EngineSession::Kind::Client) msgs += r.messagesPerSec;
    bytes += r.bytesPerSec;
    if (auto h = ctl_->latencyHistogram(r.id)) {
      if (!merged) merged = std::make_shared<LatencyHistogram>();
      merged->merge(*h);
    }
    if (const SessionTraceStats* st = agg.sessionStats(r.id); st && (r.status == EngineSession::Status::Running || r.status == EngineSession::Status::Finished))
      busy << QStringLiteral("#%1 %2%").arg(r.id).arg(st->busyPercent, 0, 'f', 1);
  }
  set(0, formatRate(msgs, QStringLiteral("msg")));
  set(1, formatRate(bytes, QStringLiteral("B")));
  if (merged && merged->count()) {
    set(2, pct(merged->percentile(50), merged->percentile(90), merged->percentile(99)));
    set(3, QStringLiteral("%1 / %2").arg(formatDuration(merged->percentile(99.9)), formatDuration(merged->max())));
    set(4, QString::number(merged->count()));
  }
  set(5, busy.isEmpty() ? QStringLiteral("–") : busy.join(QStringLiteral(", ")));
  set(6, formatRate(agg.transitionsPerSec(), QString()));
  set(7, formatRate(agg.recordsPerSec(), QString()));
  const DurationHistogram cb = agg.callbackHistogram();
  const DurationHistogram sd = agg.schedulingDelayHistogram();
  set(8, pct(cb.percentile(0.5), cb.percentile(0.99), cb.max()));
  set(9, pct(sd.percentile(0.5), sd.percentile(0.99), sd.max()));
  quint64 resyncs = 0;
  for (int id : agg.sessions())
    if (const SessionTraceStats* st = agg.sessionStats(id)) resyncs += st->resyncs;
  set(10, QString::number(agg.droppedTotal()));
  rows_[10].second->setStyleSheet(agg.droppedTotal() ? QStringLiteral("color:#c02020;font-weight:bold") : QString());
  set(11, QString::number(resyncs));
  set(12, QString::number(agg.liveEvents()));
  if (ticks_ % 15 == 1) set(13, formatBytes(static_cast<double>(agg.memoryBytes())));

  // Rate history, every tick.
  const double t = static_cast<double>(nowNs - agg.originNs()) / 1e9;
  ratePlot_->graph(0)->addData(t, agg.transitionsPerSec());
  ratePlot_->graph(1)->addData(t, msgs);
  ratePlot_->graph(0)->data()->removeBefore(t - kHistoryWindowSec);
  ratePlot_->graph(1)->data()->removeBefore(t - kHistoryWindowSec);
  ratePlot_->xAxis->setRange(t - kHistoryWindowSec, t);
  bool found = false;
  QCPRange r0 = ratePlot_->graph(0)->getValueRange(found);
  ratePlot_->yAxis->setRange(0, std::max(10.0, (found ? r0.upper : 0) * 1.15));
  QCPRange r1 = ratePlot_->graph(1)->getValueRange(found);
  ratePlot_->yAxis2->setRange(0, std::max(10.0, (found ? r1.upper : 0) * 1.15));
  if (isVisible()) ratePlot_->replot(QCustomPlot::rpQueuedReplot);

  // Histograms a few times a second.
  if (ticks_ % 10 != 1) return;
  auto* bars = qobject_cast<QCPBars*>(latencyPlot_->plottable(0));
  QVector<double> keys;
  QVector<double> values;
  if (merged) {
    // Re-bin HDR buckets into 8 bins per decade for a readable histogram.
    constexpr int kPerDecade = 8;
    std::map<int, double> bins;
    merged->forEachBucket([&](int64_t lo, int64_t hi, uint64_t count) {
      const double mid = std::max(1.0, static_cast<double>(lo + hi) / 2 / 1e3);
      bins[static_cast<int>(std::floor(std::log10(mid) * kPerDecade))] += static_cast<double>(count);
    });
    for (const auto& [bin, count] : bins) {
      keys.push_back(std::pow(10.0, (bin + 0.5) / kPerDecade));
      values.push_back(count);
    }
    if (!keys.isEmpty()) {
      bars->setData(keys, values, true);
      bars->setWidthType(QCPBars::wtAxisRectRatio);
      bars->setWidth(0.7 / std::max<double>(8, static_cast<double>(keys.size()) * 1.6));
      latencyPlot_->xAxis->setRange(keys.front() / 2, keys.back() * 2);
      latencyPlot_->yAxis->setRange(0, *std::max_element(values.begin(), values.end()) * 1.15);
    }
  }
  if (isVisible()) latencyPlot_->replot(QCustomPlot::rpQueuedReplot);

  double maxPct = 1;
  const DurationHistogram* hs[2] = {&cb, &sd};
  for (int g = 0; g < 2; ++g) {
    keys.clear();
    values.clear();
    const DurationHistogram& h = *hs[g];
    if (h.count()) {
      // Merge the 8 sub-buckets per octave into 2 to smooth the curve.
      for (int i = 0; i < DurationHistogram::kBuckets; i += 4) {
        quint64 c = 0;
        for (int k = i; k < i + 4; ++k) c += h.bucketCount(k);
        if (!c) continue;
        const double mid = static_cast<double>(DurationHistogram::bucketLower(i) + DurationHistogram::bucketUpper(i + 3)) / 2 / 1e3;
        keys.push_back(std::max(0.001, mid));
        values.push_back(100.0 * static_cast<double>(c) / static_cast<double>(h.count()));
        maxPct = std::max(maxPct, values.back());
      }
    }
    distPlot_->graph(g)->setData(keys, values, true);
  }
  bool f = false;
  QCPRange kr = distPlot_->graph(0)->getKeyRange(f);
  bool f2 = false;
  QCPRange kr2 = distPlot_->graph(1)->getKeyRange(f2);
  if (f || f2) {
    const double lo = std::min(f ? kr.lower : 1e12, f2 ? kr2.lower : 1e12);
    const double hi = std::max(f ? kr.upper : 0, f2 ? kr2.upper : 0);
    distPlot_->xAxis->setRange(lo / 2, hi * 2);
  }
  distPlot_->yAxis->setRange(0, maxPct * 1.15);
  if (isVisible()) distPlot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace rs::gui
