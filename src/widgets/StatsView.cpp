#include "widgets/StatsView.h"

#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QTabWidget>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/Clock.h"

namespace rs::gui {

namespace {
constexpr double kHistoryWindowSec = 60;
// A final (partial) interval shorter than this gets no rate: a few messages in a
// few milliseconds would draw a spike that did not happen.
constexpr double kMinRateIntervalSec = 0.25;
// Successive intervals are contiguous (one starts where the last ended); a
// larger hole means intervals were missed (the GUI stalled past the few the
// session keeps), and the lines break there instead of bridging it.
constexpr double kGapSec = 0.5;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One colour per client session (Okabe–Ito, colour-blind safe), in start order.
QColor sessionColor(int index) {
  static const QRgb colors[] = {0x0072b2, 0xd55e00, 0x009e73, 0xcc79a7, 0xe69f00, 0x56b4e9, 0x000000};
  return QColor(colors[static_cast<size_t>(index) % std::size(colors)]);
}

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
  // Two pages: the load clients' seconds get the whole width (the plot a load
  // test is read from); the figures and the loop-wide plots share the other.
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(0, 0, 0, 0);
  plotTabs_ = new QTabWidget(this);
  plotTabs_->setObjectName(QStringLiteral("statsPlotTabs"));
  plotTabs_->setDocumentMode(true);
  outer->addWidget(plotTabs_);

  auto* intervalPage = new QWidget(plotTabs_);
  intervalPage->setObjectName(QStringLiteral("intervalPage"));
  auto* intervalLayout = new QVBoxLayout(intervalPage);
  intervalPlot_ = makePlot(intervalPage, QStringLiteral("intervalPlot"),
                           tr("Load clients, second by second (each point: one 1-s interval, at its start)"));
  intervalPlot_->setMinimumHeight(320);
  intervalLayout->addWidget(intervalPlot_);
  plotTabs_->addTab(intervalPage, tr("Per second (clients)"));

  auto* overview = new QWidget(plotTabs_);
  overview->setObjectName(QStringLiteral("overviewPage"));
  auto* grid = new QGridLayout(overview);
  plotTabs_->addTab(overview, tr("Overview"));
  auto* box = new QGroupBox(tr("Figures"), overview);
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

  ratePlot_ = makePlot(overview, QStringLiteral("ratePlot"), tr("Rates over time"));
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

  latencyPlot_ = makePlot(overview, QStringLiteral("latencyPlot"), tr("Client latency histogram"));
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

  distPlot_ = makePlot(overview, QStringLiteral("distributionPlot"), tr("Callback duration and scheduling delay"));
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

  // The interval plot: messages/s (errors on the right axis) above latency, one
  // x axis (seconds since each client started), legends beside the rects so
  // they never hide a point. Row 0 is makePlot's title.
  QCustomPlot* p = intervalPlot_;
  throughputRect_ = p->axisRect();
  p->setAutoAddPlottableToLegend(false);  // addIntervalTrack() picks the legend entries
  intervalLatencyRect_ = new QCPAxisRect(p);
  p->plotLayout()->addElement(2, 0, intervalLatencyRect_);
  intervalLatencyRect_->setLayer(QStringLiteral("background"));
  auto* margins = new QCPMarginGroup(p);
  throughputRect_->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
  intervalLatencyRect_->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
  for (QCPAxis* a : intervalLatencyRect_->axes()) a->setLayer(QStringLiteral("axes"));
  for (QCPAxis* a : {intervalLatencyRect_->axis(QCPAxis::atLeft), intervalLatencyRect_->axis(QCPAxis::atBottom)})
    a->grid()->setLayer(QStringLiteral("grid"));

  QCPAxis* tx = throughputRect_->axis(QCPAxis::atBottom);
  tx->setTickLabels(false);  // shared with the latency rect below
  throughputRect_->axis(QCPAxis::atLeft)->setLabel(tr("messages/s"));
  QCPAxis* errAxis = throughputRect_->axis(QCPAxis::atRight);
  errAxis->setLabel(tr("errors in the second"));
  errAxis->setVisible(false);  // until a session reports an error
  QSharedPointer<QCPAxisTickerFixed> integerTicks(new QCPAxisTickerFixed);
  integerTicks->setTickStep(1);
  integerTicks->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
  errAxis->setTicker(integerTicks);

  QCPAxis* lx = intervalLatencyRect_->axis(QCPAxis::atBottom);
  lx->setLabel(tr("interval start: seconds since the client started"));
  QCPAxis* ly = intervalLatencyRect_->axis(QCPAxis::atLeft);
  ly->setScaleType(QCPAxis::stLogarithmic);
  ly->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  ly->setLabel(tr("round-trip latency (µs, log)"));
  ly->setRange(10, 10000);
  tx->setRange(0, 10);
  lx->setRange(0, 10);
  throughputRect_->axis(QCPAxis::atLeft)->setRange(0, 10);

  QFont legendFont = p->font();
  legendFont.setPointSize(8);
  throughputRect_->insetLayout()->take(p->legend);
  intervalLatencyLegend_ = new QCPLegend;
  for (int row : {1, 2}) {
    // Each legend sits at the top of a column beside its rect, as tall as its
    // entries (a spacer below takes the rest of the row).
    QCPLegend* legend = row == 1 ? p->legend : intervalLatencyLegend_;
    auto* column = new QCPLayoutGrid;
    p->plotLayout()->addElement(row, 1, column);
    column->addElement(0, 0, legend);
    column->addElement(1, 0, new QCPLayoutElement(p));
    column->setRowStretchFactor(0, 0.001);
    column->setRowSpacing(0);
    column->setMargins(QMargins(0, 0, 6, 0));  // the box's right edge off the widget's
    legend->setLayer(QStringLiteral("legend"));
    legend->setFont(legendFont);
    legend->setVisible(false);  // until a client session has an interval
    legend->setFillOrder(QCPLayoutGrid::foRowsFirst);
    legend->setWrap(9);  // then a further column rather than squeezing the rect
  }
  p->plotLayout()->setColumnStretchFactor(1, 0.001);  // the legends take what they need
  p->plotLayout()->setRowStretchFactor(1, 1);
  p->plotLayout()->setRowStretchFactor(2, 1);

  connect(plotTabs_, &QTabWidget::currentChanged, this, [this] { replotVisiblePage(); });
}

QString StatsView::valueText(const QString& name) const {
  for (const auto& [n, label] : rows_)
    if (n == name) return label->text();
  return {};
}

void StatsView::refresh(qint64 nowNs) {
  // Intervals are taken even while paused or hidden: a session only keeps its
  // last few, so skipping ticks would lose seconds.
  if (ingestIntervals()) intervalsDirty_ = true;
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
  const CallbackHistogram cb = agg.callbackHistogram();
  const CallbackHistogram sd = agg.schedulingDelayHistogram();
  set(8, pct(cb.percentile(50), cb.percentile(99), cb.max()));
  set(9, pct(sd.percentile(50), sd.percentile(99), sd.max()));
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
  if (ratePlot_->isVisible()) ratePlot_->replot(QCustomPlot::rpQueuedReplot);

  // Intervals: rescaled when a second arrived; drawn when on screen.
  if (intervalsDirty_) {
    rescaleIntervalPlot();
    intervalsDirty_ = false;
    if (intervalPlot_->isVisible()) intervalPlot_->replot(QCustomPlot::rpQueuedReplot);
  }

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
  if (latencyPlot_->isVisible()) latencyPlot_->replot(QCustomPlot::rpQueuedReplot);

  double maxPct = 1;
  const CallbackHistogram* hs[2] = {&cb, &sd};
  for (int g = 0; g < 2; ++g) {
    keys.clear();
    values.clear();
    const CallbackHistogram& h = *hs[g];
    if (h.count()) {
      // Merge the 8 sub-buckets per octave into 2 to smooth the curve.
      for (size_t i = 0; i < CallbackHistogram::bucketCount(); i += 4) {
        const size_t last = std::min(i + 3, CallbackHistogram::bucketCount() - 1);
        quint64 c = 0;
        for (size_t k = i; k <= last; ++k) c += h.countAt(k);
        if (!c) continue;
        const double mid = static_cast<double>(CallbackHistogram::bucketLowNs(i) + CallbackHistogram::bucketHighNs(last)) / 2 / 1e3;
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
  if (distPlot_->isVisible()) distPlot_->replot(QCustomPlot::rpQueuedReplot);
}

// ---- per-second intervals of the load clients --------------------------------

QCPGraph* StatsView::intervalGraph(int session, IntervalSeries series) const {
  auto it = intervalTracks_.find(session);
  return it == intervalTracks_.end() ? nullptr : it->second.graphs[static_cast<size_t>(series)];
}

StatsView::IntervalTrack& StatsView::addIntervalTrack(int session) {
  IntervalTrack& track = intervalTracks_[session];
  const QColor color = sessionColor(intervalColors_++);
  QCustomPlot* p = intervalPlot_;
  QCPAxis* tx = throughputRect_->axis(QCPAxis::atBottom);
  QCPAxis* lx = intervalLatencyRect_->axis(QCPAxis::atBottom);
  QCPAxis* ly = intervalLatencyRect_->axis(QCPAxis::atLeft);
  const QString prefix = QStringLiteral("#%1 ").arg(session);
  struct Spec {
    IntervalSeries series;
    QCPAxis* x;
    QCPAxis* y;
    QString name;
    QPen pen;
  };
  QColor faint = color;
  faint.setAlpha(150);
  const Spec specs[] = {
      {IntervalSeries::Messages, tx, throughputRect_->axis(QCPAxis::atLeft), tr("messages/s"), QPen(color, 2)},
      {IntervalSeries::Errors, tx, throughputRect_->axis(QCPAxis::atRight), tr("errors"), QPen(QColor(0xc0, 0x20, 0x20), 4)},
      {IntervalSeries::P50, lx, ly, tr("p50"), QPen(color, 2)},
      {IntervalSeries::P99, lx, ly, tr("p99"), QPen(color, 1.5, Qt::DashLine)},
      {IntervalSeries::Max, lx, ly, tr("max"), QPen(faint, 1, Qt::DotLine)},
  };
  for (const Spec& spec : specs) {
    QCPGraph* g = p->addGraph(spec.x, spec.y);
    g->setName(prefix + spec.name);
    g->setPen(spec.pen);
    track.graphs[static_cast<size_t>(spec.series)] = g;
  }
  QCPGraph* messages = track.graphs[static_cast<size_t>(IntervalSeries::Messages)];
  messages->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, 4));
  messages->addToLegend(p->legend);
  QCPGraph* errors = track.graphs[static_cast<size_t>(IntervalSeries::Errors)];
  errors->setLineStyle(QCPGraph::lsImpulse);  // a bar per second that had errors
  errors->setVisible(false);                  // shown (and in the legend) at the first error
  QCPGraph* maxGraph = track.graphs[static_cast<size_t>(IntervalSeries::Max)];
  maxGraph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, faint, 3));
  for (IntervalSeries s : {IntervalSeries::P50, IntervalSeries::P99, IntervalSeries::Max})
    track.graphs[static_cast<size_t>(s)]->addToLegend(intervalLatencyLegend_);
  p->legend->setVisible(true);
  intervalLatencyLegend_->setVisible(true);
  return track;
}

void StatsView::appendInterval(IntervalTrack& track, const IntervalStats& iv) {
  auto graph = [&](IntervalSeries s) { return track.graphs[static_cast<size_t>(s)]; };
  if (track.lastStartSec >= 0 && iv.startSec > track.lastEndSec + kGapSec)
    for (QCPGraph* g : track.graphs) g->addData(track.lastEndSec, kNaN);

  const double key = iv.startSec;
  const double duration = iv.endSec - iv.startSec;
  const double rate = duration >= kMinRateIntervalSec ? static_cast<double>(iv.messages) / duration : kNaN;
  auto micros = [&](int64_t ns) { return iv.messages && ns > 0 ? static_cast<double>(ns) / 1e3 : kNaN; };
  graph(IntervalSeries::Messages)->addData(key, rate);
  graph(IntervalSeries::P50)->addData(key, micros(iv.p50Ns));
  graph(IntervalSeries::P99)->addData(key, micros(iv.p99Ns));
  graph(IntervalSeries::Max)->addData(key, micros(iv.maxNs));
  graph(IntervalSeries::Errors)->addData(key, static_cast<double>(iv.errors));
  if (iv.errors && !track.errorsShown) {
    track.errorsShown = true;
    graph(IntervalSeries::Errors)->setVisible(true);
    graph(IntervalSeries::Errors)->addToLegend(intervalPlot_->legend);
    throughputRect_->axis(QCPAxis::atRight)->setVisible(true);
  }
  track.lastStartSec = iv.startSec;
  track.lastEndSec = iv.endSec;

  for (QCPGraph* g : track.graphs) {
    const int size = g->data()->size();
    if (size > kMaxIntervalsPerSession) g->data()->removeBefore(g->data()->at(size - kMaxIntervalsPerSession)->key);
  }
}

bool StatsView::ingestIntervals() {
  bool changed = false;
  const std::vector<int> ids = ctl_->sessionIds();
  for (auto it = intervalTracks_.begin(); it != intervalTracks_.end();) {
    if (std::find(ids.begin(), ids.end(), it->first) != ids.end()) {
      ++it;
      continue;
    }
    for (QCPGraph* g : it->second.graphs) {
      g->removeFromLegend(intervalLatencyLegend_);  // removeGraph only cleans the main legend
      intervalPlot_->removeGraph(g);
    }
    it = intervalTracks_.erase(it);
    changed = true;
  }
  if (changed && intervalTracks_.empty()) {
    intervalPlot_->legend->setVisible(false);
    intervalLatencyLegend_->setVisible(false);
  }
  if (changed) {
    bool anyErrors = false;
    for (const auto& [id, track] : intervalTracks_) anyErrors = anyErrors || track.errorsShown;
    throughputRect_->axis(QCPAxis::atRight)->setVisible(anyErrors);
  }

  for (int id : ids) {
    // The controller kept them this tick (no second copy of the engine's
    // shared block); a stopped session's never change again.
    const std::vector<IntervalStats>& intervals = ctl_->clientIntervals(id);
    if (intervals.empty()) continue;
    auto it = intervalTracks_.find(id);
    IntervalTrack& track = it != intervalTracks_.end() ? it->second : addIntervalTrack(id);
    for (const IntervalStats& iv : intervals) {
      if (iv.startSec <= track.lastStartSec) continue;  // already plotted
      appendInterval(track, iv);
      changed = true;
    }
  }
  return changed;
}

void StatsView::rescaleIntervalPlot() {
  double lo = 0;
  double hi = 0;
  double maxRate = 0;
  double maxErrors = 0;
  double minLatency = std::numeric_limits<double>::infinity();
  double maxLatency = 0;
  bool first = true;
  for (const auto& [id, track] : intervalTracks_) {
    const QCPGraph* messages = track.graphs[static_cast<size_t>(IntervalSeries::Messages)];
    if (messages->data()->isEmpty()) continue;
    lo = first ? messages->data()->constBegin()->key : std::min(lo, messages->data()->constBegin()->key);
    hi = std::max(hi, track.lastEndSec);
    first = false;
    bool found = false;
    QCPRange r = messages->getValueRange(found);
    if (found) maxRate = std::max(maxRate, r.upper);
    r = track.graphs[static_cast<size_t>(IntervalSeries::Errors)]->getValueRange(found);
    if (found) maxErrors = std::max(maxErrors, r.upper);
    for (IntervalSeries s : {IntervalSeries::P50, IntervalSeries::P99, IntervalSeries::Max}) {
      r = track.graphs[static_cast<size_t>(s)]->getValueRange(found, QCP::sdPositive);
      if (!found) continue;
      minLatency = std::min(minLatency, r.lower);
      maxLatency = std::max(maxLatency, r.upper);
    }
  }
  // The whole kept run, at least 10 s wide so the first seconds are not stretched.
  const double upper = std::max(lo + 10, hi + (hi - lo) * 0.02);
  throughputRect_->axis(QCPAxis::atBottom)->setRange(lo, upper);
  intervalLatencyRect_->axis(QCPAxis::atBottom)->setRange(lo, upper);
  throughputRect_->axis(QCPAxis::atLeft)->setRange(0, std::max(10.0, maxRate * 1.15));
  throughputRect_->axis(QCPAxis::atRight)->setRange(0, std::max(1.0, std::ceil(maxErrors * 1.15)));
  // Whole decades, so every plotted value has a labelled decade below and above.
  if (maxLatency > 0)
    intervalLatencyRect_->axis(QCPAxis::atLeft)
        ->setRange(std::pow(10.0, std::floor(std::log10(minLatency))), std::pow(10.0, std::ceil(std::log10(maxLatency * 1.01))));
}

void StatsView::replotVisiblePage() {
  for (QCustomPlot* p : {intervalPlot_, ratePlot_, latencyPlot_, distPlot_})
    if (p->isVisible()) p->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace rs::gui
