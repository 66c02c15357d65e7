#include "widgets/StatsView.h"

#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QScrollArea>
#include <QTabWidget>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "model/EventTableModel.h"
#include "model/SessionListModel.h"
#include "widgets/PlotLegend.h"

namespace rs::gui {

namespace {
constexpr double kHistoryWindowSec = 60;
// Frames come ~30 a second; a longer hole (plots paused, the GUI stalled) has no
// data, and the rate lines break there instead of drawing a straight line over it.
constexpr double kRateGapSec = 0.5;

QCustomPlot* makePlot(QWidget* parent, const QString& name, const QString& title) {
  auto* p = new QCustomPlot(parent);
  p->setObjectName(name);
  p->plotLayout()->insertRow(0);
  auto* t = new QCPTextElement(p, title, QFont(p->font().family(), 10, QFont::Bold));
  p->plotLayout()->addElement(0, 0, t);
  p->setMinimumHeight(120);  // four fit a 700-pixel-high window
  return p;
}

// A page of the Stats tabs: in a window too low for its plots' minimum heights
// (a laptop's 720 px leave the tabs ~330) it scrolls, rather than squeezing
// the plots or making the window taller than the screen.
QScrollArea* scrollingPage(QWidget* page, const QString& name) {
  auto* scroll = new QScrollArea(page->parentWidget());
  scroll->setObjectName(name);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setWidget(page);
  return scroll;
}

// A log x axis for durations or latencies in µs.
void setLogKeyAxis(QCustomPlot* p, const QString& label) {
  p->xAxis->setScaleType(QCPAxis::stLogarithmic);
  p->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  p->xAxis->setLabel(label);
}

QCustomPlot* makeRatePlot(QWidget* parent) {
  QCustomPlot* p = makePlot(parent, QStringLiteral("ratePlot"), StatsView::tr("Rates over time"));
  p->addGraph(p->xAxis, p->yAxis);
  p->graph(0)->setName(StatsView::tr("transitions/s"));
  p->graph(0)->setPen(QPen(QColor(0x00, 0x9e, 0x73), 1.5));
  p->addGraph(p->xAxis, p->yAxis2);
  p->graph(1)->setName(StatsView::tr("messages/s (clients)"));
  p->graph(1)->setPen(QPen(QColor(0xd5, 0x5e, 0x00), 1.5));
  p->yAxis->setLabel(StatsView::tr("transitions/s"));
  p->yAxis2->setVisible(true);
  p->yAxis2->setLabel(StatsView::tr("messages/s"));
  p->xAxis->setLabel(StatsView::tr("time (s)"));
  placeLegendAboveRect(p, 1, 2);
  return p;
}

QCustomPlot* makeLatencyPlot(QWidget* parent) {
  QCustomPlot* p = makePlot(parent, QStringLiteral("latencyPlot"), StatsView::tr("Client latency histogram"));
  auto* bars = new QCPBars(p->xAxis, p->yAxis);
  bars->setName(StatsView::tr("messages"));
  bars->setPen(Qt::NoPen);
  bars->setBrush(QColor(0xd5, 0x5e, 0x00, 190));
  bars->setWidthType(QCPBars::wtPlotCoords);
  setLogKeyAxis(p, StatsView::tr("round-trip latency (µs, log)"));
  p->yAxis->setLabel(StatsView::tr("messages"));
  // Shown while no load client measured a round trip (refreshLatencyPlot()).
  auto* hint = new QCPItemText(p);
  hint->setObjectName(QStringLiteral("latencyHint"));
  hint->position->setType(QCPItemPosition::ptAxisRectRatio);
  hint->position->setCoords(0.5, 0.5);
  hint->setPositionAlignment(Qt::AlignCenter);
  hint->setTextAlignment(Qt::AlignCenter);
  hint->setColor(QColor(0x60, 0x60, 0x60));
  hint->setText(StatsView::tr("No round trip measured yet:\nlatencies come from ReactorScope's load clients\n(Session > New client…)."));
  return p;
}

QCustomPlot* makeDistributionPlot(QWidget* parent) {
  QCustomPlot* p =
      makePlot(parent, QStringLiteral("distributionPlot"), StatsView::tr("Callback duration and scheduling delay"));
  const QString names[2] = {StatsView::tr("callback duration"),
                            StatsView::tr("scheduling delay")};  // activation -> dispatch
  const QColor colors[2] = {QColor(0x20, 0x20, 0x20), QColor(0x56, 0xb4, 0xe9)};
  for (int g = 0; g < 2; ++g) {
    p->addGraph();
    p->graph(g)->setName(names[g]);
    p->graph(g)->setPen(QPen(colors[g], 1.5));
    p->graph(g)->setLineStyle(QCPGraph::lsStepCenter);
  }
  setLogKeyAxis(p, StatsView::tr("µs (log)"));
  p->yAxis->setLabel(StatsView::tr("% of samples"));
  placeLegendAboveRect(p, 1, 2);
  return p;
}

QString pct(qint64 a, qint64 b, qint64 c) {
  return QStringLiteral("%1 / %2 / %3").arg(formatDuration(a), formatDuration(b), formatDuration(c));
}

// A loop that runs now (an ended session's last busy figure is not its loop's now).
bool isLive(EngineSession::Status s) { return s == EngineSession::Status::Running; }
}  // namespace

QString StatsView::figureName(Figure figure) {
  switch (figure) {
    case Figure::Messages: return tr("Messages/s");
    case Figure::Bytes: return tr("Bytes/s");
    case Figure::LatencyPercentiles: return tr("Latency p50 / p90 / p99");
    case Figure::LatencyTail: return tr("Latency p99.9 / max");
    case Figure::LatencySamples: return tr("Latency samples");
    case Figure::LoopBusy: return tr("Loop busy");
    case Figure::Transitions: return tr("Transitions/s");
    case Figure::TraceRecords: return tr("Trace records/s");
    case Figure::Callback: return tr("Callback p50 / p99 / max");
    case Figure::SchedulingDelay: return tr("Scheduling delay p50 / p99 / max");
    case Figure::Dropped: return tr("Dropped records");
    case Figure::Resyncs: return tr("Snapshot resyncs");
    case Figure::LiveEvents: return tr("Live events");
    case Figure::TraceMemory: return tr("Trace memory");
    case Figure::Count: break;
  }
  return {};
}

StatsView::StatsView(const FrameSource* source, QWidget* parent)
    : QWidget(parent), source_(source), plotTabs_(new QTabWidget(this)) {
  // Two pages: the load clients' seconds get the whole width (the plot a load
  // test is read from); the figures and the loop-wide plots share the other.
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(0, 0, 0, 0);
  plotTabs_->setObjectName(QStringLiteral("statsPlotTabs"));
  plotTabs_->setDocumentMode(true);
  outer->addWidget(plotTabs_);
  plotTabs_->addTab(makeIntervalPage(), tr("Per second (clients)"));
  plotTabs_->addTab(makeOverviewPage(), tr("Overview"));
  connect(plotTabs_, &QTabWidget::currentChanged, this, [this] { replotVisiblePage(); });
}

QWidget* StatsView::makeIntervalPage() {
  auto* page = new QWidget(plotTabs_);
  auto* layout = new QVBoxLayout(page);
  intervalPlot_ =
      new ClientIntervalPlot(tr("Load clients, second by second (a point per 1-s interval)"), page);
  layout->addWidget(intervalPlot_);
  return scrollingPage(page, QStringLiteral("intervalPage"));
}

// The figures (top left), the rates over time, the latency histogram and the
// callback / scheduling-delay distributions in a 2 x 2 grid.
QWidget* StatsView::makeOverviewPage() {
  auto* page = new QWidget(plotTabs_);
  page->setMinimumHeight(kOverviewMinHeightPx);
  auto* grid = new QGridLayout(page);
  auto* box = new QGroupBox(tr("Figures"), page);
  auto* form = new QFormLayout(box);
  form->setLabelAlignment(Qt::AlignRight);
  form->setRowWrapPolicy(QFormLayout::WrapLongRows);  // a narrow column puts a value under its name
  box->setLayout(form);
  addFigureRows(form, box);
  // Fourteen rows: they scroll in a low window rather than making it taller.
  auto* scroll = new QScrollArea(page);
  scroll->setObjectName(QStringLiteral("figuresScroll"));
  scroll->setWidget(box);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setMinimumHeight(120);
  grid->addWidget(scroll, 0, 0);
  ratePlot_ = makeRatePlot(page);
  grid->addWidget(ratePlot_, 0, 1);
  latencyPlot_ = makeLatencyPlot(page);
  latencyHint_ = latencyPlot_->findChild<QCPItemText*>(QStringLiteral("latencyHint"));
  grid->addWidget(latencyPlot_, 1, 0);
  distPlot_ = makeDistributionPlot(page);
  grid->addWidget(distPlot_, 1, 1);
  grid->setColumnStretch(0, 1);
  grid->setColumnStretch(1, 1);
  return scrollingPage(page, QStringLiteral("overviewPage"));
}

void StatsView::addFigureRows(QFormLayout* form, QWidget* box) {
  for (size_t i = 0; i < figures_.size(); ++i) {
    auto* value = new QLabel(QStringLiteral("–"), box);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(figureName(static_cast<Figure>(i)) + QLatin1Char(':'), value);
    figures_[i] = value;
  }
}

void StatsView::setFigure(Figure figure, const QString& text) { figures_[static_cast<size_t>(figure)]->setText(text); }

bool StatsView::latencyHintShown() const { return latencyHint_->visible(); }

QString StatsView::valueText(Figure figure) const { return figures_[static_cast<size_t>(figure)]->text(); }

QString StatsView::valueText(const QString& name) const {
  for (size_t i = 0; i < figures_.size(); ++i)
    if (figureName(static_cast<Figure>(i)) == name) return figures_[i]->text();
  return {};
}

void StatsView::refresh(qint64 nowNs) {
  // Intervals are taken even while paused or hidden: a session only keeps its
  // last few, so skipping ticks would lose seconds.
  if (intervalPlot_->ingest(source_->figures())) intervalsDirty_ = true;
  if (paused_) return;
  ++ticks_;

  double msgs = 0;
  double bytes = 0;
  clients_ = 0;
  workloads_ = 0;
  std::unique_ptr<LatencyHistogram> merged;
  for (const auto& [id, f] : source_->figures()) {
    clients_ += f.kind == EngineSession::Kind::Client;
    workloads_ += f.kind == EngineSession::Kind::Client || f.kind == EngineSession::Kind::Server;
    if (f.kind == EngineSession::Kind::Client) msgs += f.messagesPerSec;
    bytes += f.bytesPerSec;
    if (f.latency) {
      if (!merged) merged = std::make_unique<LatencyHistogram>();
      merged->merge(*f.latency);
    }
  }
  const CallbackHistogram cb = source_->callbackHistogram();
  const CallbackHistogram sd = source_->schedulingDelayHistogram();
  refreshFigures(msgs, bytes, merged.get(), cb, sd);
  refreshRatePlot(nowNs, msgs);

  // Intervals: rescaled when a second arrived; drawn when on screen.
  if (intervalsDirty_) {
    intervalPlot_->rescale();
    intervalsDirty_ = false;
    if (intervalPlot_->isVisible()) intervalPlot_->replot(QCustomPlot::rpQueuedReplot);
  }

  // Histograms three times a second.
  if (ticks_ % framesIn(333) != 1) return;
  refreshLatencyPlot(merged.get());
  refreshDistributionPlot(cb, sd);
}

void StatsView::refreshFigures(double msgs, double bytes, const LatencyHistogram* merged,
                               const CallbackHistogram& cb, const CallbackHistogram& sd) {
  // Counted by ReactorScope's own server and clients only: a traced program's
  // messages and bytes are not (its loop's figures are below).
  setFigure(Figure::Messages, clients_ ? formatRate(msgs, QStringLiteral("msg")) : tr("– (load clients only)"));
  setFigure(Figure::Bytes,
            workloads_ ? formatRate(bytes, QStringLiteral("B")) : tr("– (ReactorScope's server and clients only)"));
  if (merged && merged->count()) {
    setFigure(Figure::LatencyPercentiles,
              pct(merged->percentile(50), merged->percentile(90), merged->percentile(99)));
    setFigure(Figure::LatencyTail,
              QStringLiteral("%1 / %2").arg(formatDuration(merged->percentile(99.9)), formatDuration(merged->max())));
    setFigure(Figure::LatencySamples, QString::number(merged->count()));
  }
  QStringList busy;
  for (const auto& [id, f] : source_->figures())
    if (const SessionTraceStats* st = source_->sessionStats(id); st && isLive(f.status))
      busy << QStringLiteral("#%1 %2%").arg(id).arg(st->busyPercent, 0, 'f', 1);
  setFigure(Figure::LoopBusy, busy.isEmpty() ? QStringLiteral("–") : busy.join(QStringLiteral(", ")));
  setFigure(Figure::Transitions, formatRate(source_->transitionsPerSec(), QString()));
  setFigure(Figure::TraceRecords, formatRate(source_->recordsPerSec(), QString()));
  setFigure(Figure::Callback, pct(cb.percentile(50), cb.percentile(99), cb.max()));
  setFigure(Figure::SchedulingDelay, pct(sd.percentile(50), sd.percentile(99), sd.max()));
  quint64 resyncs = 0;
  for (int id : source_->sessions())
    if (const SessionTraceStats* st = source_->sessionStats(id)) resyncs += st->resyncs;
  const quint64 dropped = source_->droppedTotal();
  setFigure(Figure::Dropped, QString::number(dropped));
  figures_[static_cast<size_t>(Figure::Dropped)]->setStyleSheet(
      dropped ? QStringLiteral("color:#c02020;font-weight:bold") : QString());
  setFigure(Figure::Resyncs, QString::number(resyncs));
  setFigure(Figure::LiveEvents, QString::number(source_->liveEvents()));
  if (ticks_ % framesIn(500) == 1)  // twice a second
    setFigure(Figure::TraceMemory, formatBytes(static_cast<double>(source_->memoryBytes())));
}

// Every frame: the last kHistoryWindowSec of transitions/s and client messages/s.
void StatsView::refreshRatePlot(qint64 nowNs, double msgs) {
  const double t = static_cast<double>(nowNs - source_->originNs()) / 1e9;
  if (!ratePlot_->graph(0)->data()->isEmpty()) {
    const double last = (ratePlot_->graph(0)->data()->constEnd() - 1)->key;
    if (t - last > kRateGapSec)
      for (int g = 0; g < 2; ++g) ratePlot_->graph(g)->addData((last + t) / 2, std::numeric_limits<double>::quiet_NaN());
  }
  ratePlot_->graph(0)->addData(t, source_->transitionsPerSec());
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
}

void StatsView::refreshLatencyPlot(const LatencyHistogram* merged) {
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
  latencyHint_->setVisible(bars->data()->isEmpty());
  if (latencyPlot_->isVisible()) latencyPlot_->replot(QCustomPlot::rpQueuedReplot);
}

void StatsView::refreshDistributionPlot(const CallbackHistogram& cb, const CallbackHistogram& sd) {
  QVector<double> keys;
  QVector<double> values;
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

void StatsView::replotVisiblePage() {
  for (QCustomPlot* p : {static_cast<QCustomPlot*>(intervalPlot_), ratePlot_, latencyPlot_, distPlot_})
    if (p->isVisible()) p->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace rs::gui
