#include "widgets/ClientIntervalPlot.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rs::gui {

namespace {
// A final (partial) interval shorter than this gets no rate: a few messages in a
// few milliseconds would draw a spike that did not happen.
constexpr double kMinRateIntervalSec = 0.25;
// Successive intervals are contiguous (one starts where the last ended); a
// larger hole means intervals were missed (the GUI stalled past the few the
// session keeps), and the lines break there instead of bridging it.
constexpr double kGapSec = 0.5;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr ClientIntervalPlot::Series kLatencySeries[] = {ClientIntervalPlot::Series::P50,
                                                         ClientIntervalPlot::Series::P99,
                                                         ClientIntervalPlot::Series::Max};

// One colour per client session (Okabe–Ito, colour-blind safe), in start order.
QColor sessionColor(int index) {
  static const QRgb colors[] = {0x0072b2, 0xd55e00, 0x009e73, 0xcc79a7, 0xe69f00, 0x56b4e9, 0x000000};
  return QColor(colors[static_cast<size_t>(index) % std::size(colors)]);
}
}  // namespace

ClientIntervalPlot::ClientIntervalPlot(const QString& title, QWidget* parent)
    : QCustomPlot(parent), throughputRect_(axisRect()), latencyRect_(new QCPAxisRect(this)) {
  setObjectName(QStringLiteral("intervalPlot"));
  plotLayout()->insertRow(0);
  plotLayout()->addElement(0, 0, new QCPTextElement(this, title, QFont(font().family(), 10, QFont::Bold)));
  setMinimumHeight(240);  // two rects, readable in a 700-pixel-high window
  setAutoAddPlottableToLegend(false);  // addTrack() picks the legend entries
  layOutRects();
  layOutLegends();
  emptyHint_ = new QCPItemText(this);
  emptyHint_->setClipToAxisRect(false);
  emptyHint_->position->setType(QCPItemPosition::ptAxisRectRatio);
  emptyHint_->position->setAxisRect(throughputRect_);
  emptyHint_->position->setCoords(0.5, 0.5);
  emptyHint_->setPositionAlignment(Qt::AlignCenter);
  emptyHint_->setTextAlignment(Qt::AlignCenter);
  emptyHint_->setColor(QColor(0x60, 0x60, 0x60));
  emptyHint_->setText(tr("No load client has run yet.\n"
                         "This page plots ReactorScope's own load clients second by second "
                         "(Session > New client…).\n"
                         "A server's or a traced program's loop figures are on the Overview page."));
}

void ClientIntervalPlot::showEmptyHint(bool on) { emptyHint_->setVisible(on); }

// Row 0 is the title; row 1 the throughput rect, row 2 the latency rect.
void ClientIntervalPlot::layOutRects() {
  plotLayout()->addElement(2, 0, latencyRect_);
  latencyRect_->setLayer(QStringLiteral("background"));
  auto* margins = new QCPMarginGroup(this);
  throughputRect_->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
  latencyRect_->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
  for (QCPAxis* a : latencyRect_->axes()) a->setLayer(QStringLiteral("axes"));
  for (QCPAxis* a : {latencyRect_->axis(QCPAxis::atLeft), latencyRect_->axis(QCPAxis::atBottom)})
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

  QCPAxis* lx = latencyRect_->axis(QCPAxis::atBottom);
  lx->setLabel(tr("interval start: seconds since the client started"));
  QCPAxis* ly = latencyRect_->axis(QCPAxis::atLeft);
  ly->setScaleType(QCPAxis::stLogarithmic);
  ly->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  ly->setLabel(tr("round-trip latency (µs, log)"));
  ly->setRange(10, 10000);
  tx->setRange(0, 10);
  lx->setRange(0, 10);
  throughputRect_->axis(QCPAxis::atLeft)->setRange(0, 10);
}

void ClientIntervalPlot::layOutLegends() {
  QFont legendFont = font();
  legendFont.setPointSize(8);
  throughputRect_->insetLayout()->take(legend);
  latencyLegend_ = new QCPLegend;
  for (int row : {1, 2}) {
    // Each legend sits at the top of a column beside its rect, as tall as its
    // entries (a spacer below takes the rest of the row).
    QCPLegend* rowLegend = row == 1 ? legend : latencyLegend_;
    auto* column = new QCPLayoutGrid;
    plotLayout()->addElement(row, 1, column);
    column->addElement(0, 0, rowLegend);
    column->addElement(1, 0, new QCPLayoutElement(this));
    column->setRowStretchFactor(0, 0.001);
    column->setRowSpacing(0);
    column->setMargins(QMargins(0, 0, 6, 0));  // the box's right edge off the widget's
    rowLegend->setLayer(QStringLiteral("legend"));
    rowLegend->setFont(legendFont);
    rowLegend->setVisible(false);  // until a client session has an interval
    rowLegend->setFillOrder(QCPLayoutGrid::foRowsFirst);
    rowLegend->setWrap(9);  // then a further column rather than squeezing the rect
  }
  plotLayout()->setColumnStretchFactor(1, 0.001);  // the legends take what they need
  plotLayout()->setRowStretchFactor(1, 1);
  plotLayout()->setRowStretchFactor(2, 1);
}

QCPGraph* ClientIntervalPlot::seriesGraph(int session, Series series) const {
  auto it = tracks_.find(session);
  return it == tracks_.end() ? nullptr : it->second.graph(series);
}

ClientIntervalPlot::Track& ClientIntervalPlot::addTrack(int session) {
  Track& track = tracks_[session];
  const QColor color = sessionColor(colorsUsed_++);
  QCPAxis* tx = throughputRect_->axis(QCPAxis::atBottom);
  QCPAxis* lx = latencyRect_->axis(QCPAxis::atBottom);
  QCPAxis* ly = latencyRect_->axis(QCPAxis::atLeft);
  const QString prefix = QStringLiteral("#%1 ").arg(session);
  struct Spec {
    Series series;
    QCPAxis* x;
    QCPAxis* y;
    QString name;
    QPen pen;
  };
  QColor faint = color;
  faint.setAlpha(150);
  const Spec specs[] = {
      {Series::Messages, tx, throughputRect_->axis(QCPAxis::atLeft), tr("messages/s"), QPen(color, 2)},
      {Series::Errors, tx, throughputRect_->axis(QCPAxis::atRight), tr("errors"), QPen(QColor(0xc0, 0x20, 0x20), 4)},
      {Series::P50, lx, ly, tr("p50"), QPen(color, 2)},
      {Series::P99, lx, ly, tr("p99"), QPen(color, 1.5, Qt::DashLine)},
      {Series::Max, lx, ly, tr("max"), QPen(faint, 1, Qt::DotLine)},
  };
  for (const Spec& spec : specs) {
    QCPGraph* g = addGraph(spec.x, spec.y);
    g->setName(prefix + spec.name);
    g->setPen(spec.pen);
    track.graphs[static_cast<size_t>(spec.series)] = g;
  }
  QCPGraph* messages = track.graph(Series::Messages);
  messages->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, 4));
  messages->addToLegend(legend);
  QCPGraph* errors = track.graph(Series::Errors);
  errors->setLineStyle(QCPGraph::lsImpulse);  // a bar per second that had errors
  errors->setVisible(false);                  // shown (and in the legend) at the first error
  track.graph(Series::Max)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, faint, 3));
  for (Series s : kLatencySeries) track.graph(s)->addToLegend(latencyLegend_);
  legend->setVisible(true);
  latencyLegend_->setVisible(true);
  showEmptyHint(false);
  return track;
}

void ClientIntervalPlot::append(Track& track, const IntervalStats& iv) {
  if (track.lastStartSec >= 0 && iv.startSec > track.lastEndSec + kGapSec)
    for (QCPGraph* g : track.graphs) g->addData(track.lastEndSec, kNaN);

  const double key = iv.startSec;
  const double duration = iv.endSec - iv.startSec;
  const double rate = duration >= kMinRateIntervalSec ? static_cast<double>(iv.messages) / duration : kNaN;
  auto micros = [&](int64_t ns) { return iv.messages && ns > 0 ? static_cast<double>(ns) / 1e3 : kNaN; };
  track.graph(Series::Messages)->addData(key, rate);
  track.graph(Series::P50)->addData(key, micros(iv.p50Ns));
  track.graph(Series::P99)->addData(key, micros(iv.p99Ns));
  track.graph(Series::Max)->addData(key, micros(iv.maxNs));
  track.graph(Series::Errors)->addData(key, static_cast<double>(iv.errors));
  if (iv.errors && !track.errorsShown) {
    track.errorsShown = true;
    track.graph(Series::Errors)->setVisible(true);
    track.graph(Series::Errors)->addToLegend(legend);
    throughputRect_->axis(QCPAxis::atRight)->setVisible(true);
  }
  track.lastStartSec = iv.startSec;
  track.lastEndSec = iv.endSec;

  for (QCPGraph* g : track.graphs) {
    const int size = g->data()->size();
    if (size > kMaxIntervalsPerSession) g->data()->removeBefore(g->data()->at(size - kMaxIntervalsPerSession)->key);
  }
}

bool ClientIntervalPlot::dropGoneSessions(const std::map<int, SessionFigures>& figures) {
  bool dropped = false;
  for (auto it = tracks_.begin(); it != tracks_.end();) {
    if (figures.count(it->first)) {
      ++it;
      continue;
    }
    for (QCPGraph* g : it->second.graphs) {
      g->removeFromLegend(latencyLegend_);  // removeGraph only cleans the main legend
      removeGraph(g);
    }
    it = tracks_.erase(it);
    dropped = true;
  }
  if (!dropped) return false;
  if (tracks_.empty()) {
    legend->setVisible(false);
    latencyLegend_->setVisible(false);
    showEmptyHint(true);
  }
  bool anyErrors = false;
  for (const auto& [id, track] : tracks_) anyErrors = anyErrors || track.errorsShown;
  throughputRect_->axis(QCPAxis::atRight)->setVisible(anyErrors);
  return true;
}

bool ClientIntervalPlot::ingest(const std::map<int, SessionFigures>& figures) {
  bool changed = dropGoneSessions(figures);
  for (const auto& [id, f] : figures) {
    // The frame holds a session's last few; a stopped session's never change again.
    if (f.intervals.empty()) continue;
    auto it = tracks_.find(id);
    Track& track = it != tracks_.end() ? it->second : addTrack(id);
    for (const IntervalStats& iv : f.intervals) {
      if (iv.startSec <= track.lastStartSec) continue;  // already plotted
      append(track, iv);
      changed = true;
    }
  }
  return changed;
}

void ClientIntervalPlot::rescale() {
  double lo = 0;
  double hi = 0;
  double maxRate = 0;
  double maxErrors = 0;
  double minLatency = std::numeric_limits<double>::infinity();
  double maxLatency = 0;
  bool first = true;
  for (const auto& [id, track] : tracks_) {
    const QCPGraph* messages = track.graph(Series::Messages);
    if (messages->data()->isEmpty()) continue;
    lo = first ? messages->data()->constBegin()->key : std::min(lo, messages->data()->constBegin()->key);
    hi = std::max(hi, track.lastEndSec);
    first = false;
    bool found = false;
    QCPRange r = messages->getValueRange(found);
    if (found) maxRate = std::max(maxRate, r.upper);
    r = track.graph(Series::Errors)->getValueRange(found);
    if (found) maxErrors = std::max(maxErrors, r.upper);
    for (Series s : kLatencySeries) {
      r = track.graph(s)->getValueRange(found, QCP::sdPositive);
      if (!found) continue;
      minLatency = std::min(minLatency, r.lower);
      maxLatency = std::max(maxLatency, r.upper);
    }
  }
  // The whole kept run, at least 10 s wide so the first seconds are not stretched.
  const double upper = std::max(lo + 10, hi + (hi - lo) * 0.02);
  throughputRect_->axis(QCPAxis::atBottom)->setRange(lo, upper);
  latencyRect_->axis(QCPAxis::atBottom)->setRange(lo, upper);
  throughputRect_->axis(QCPAxis::atLeft)->setRange(0, std::max(10.0, maxRate * 1.15));
  throughputRect_->axis(QCPAxis::atRight)->setRange(0, std::max(1.0, std::ceil(maxErrors * 1.15)));
  // Whole decades, so every plotted value has a labelled decade below and above.
  if (maxLatency > 0)
    latencyRect_->axis(QCPAxis::atLeft)
        ->setRange(std::pow(10.0, std::floor(std::log10(minLatency))), std::pow(10.0, std::ceil(std::log10(maxLatency * 1.01))));
}

}  // namespace rs::gui
