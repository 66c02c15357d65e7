#include "widgets/TimelineView.h"

#include <QLabel>
#include <QMouseEvent>
#include <QToolTip>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <array>
#include <climits>
#include <functional>
#include <vector>

#include "model/EventTableModel.h"
#include "model/StateColors.h"

namespace rs::gui {

namespace {
// One lane's spans, merged: a span of a pixel or more is drawn as is; spans
// narrower share one column per pixel. Each column (a span, a coarse bucket, or
// what fell in one pixel) is a stack of its states' time shares, in eighths of the
// lane, active on top, then pending, non-pending; equal neighbouring columns are
// drawn as one rectangle (a run). finish() (or the destructor) draws what is pending.
class StackMerger {
 public:
  StackMerger(QCPPainter* painter, double top, double height, quint64* drawn, int alpha)
      : painter_(painter), top_(top), height_(height), drawn_(drawn), alpha_(alpha) {}
  ~StackMerger() { finish(); }
  // A span [x0, x1) in one state (sub-pixel spans weigh by their width).
  void add(double x0, double x1, EventState state) {
    if (state == EventState::Invalid) return;
    std::array<double, 3> ns{};
    ns[static_cast<size_t>(state) - 1] = std::max(1e-6, x1 - x0);
    add(x0, x1, ns);
  }
  // A coarse bucket drawn over [x0, x1).
  void add(double x0, double x1, const HistoryBucket& b) {
    add(x0, x1, std::array<double, 3>{static_cast<double>(b.stateNs[0]), static_cast<double>(b.stateNs[1]),
                                      static_cast<double>(b.stateNs[2])});
  }
  void add(double x0, double x1, const std::array<double, 3>& ns) {
    if (x1 - x0 >= 1.0) {
      flushColumn();
      put(x0, x1, ns);
      return;
    }
    const int cx = static_cast<int>(x0);
    if (cx != colX_) {
      flushColumn();
      colX_ = cx;
    }
    for (size_t k = 0; k < 3; ++k) col_[k] += ns[k];
  }
  void finish() {
    flushColumn();
    drawRun();
  }

 private:
  void flushColumn() {
    if (colX_ == INT_MIN) return;
    put(colX_, colX_ + 1, col_);
    colX_ = INT_MIN;
    col_.fill(0);
  }
  void put(double x0, double x1, const std::array<double, 3>& ns) {
    const double total = ns[0] + ns[1] + ns[2];
    if (total <= 0) return;
    std::array<int, 3> eighths{};
    for (size_t k = 0; k < 3; ++k) eighths[k] = static_cast<int>(std::lround(8.0 * ns[k] / total));
    if (eighths == run_ && x0 <= runX1_ + 0.5) {
      runX1_ = std::max(runX1_, x1);
      return;
    }
    drawRun();
    run_ = eighths;
    runX0_ = x0;
    runX1_ = x1;
  }
  void drawRun() {
    const int sum = run_[0] + run_[1] + run_[2];
    if (sum <= 0) return;
    double y = top_;
    for (size_t k = 3; k-- > 0;) {
      if (run_[k] <= 0) continue;
      const double hk = height_ * run_[k] / sum;
      QColor c = stateColor(static_cast<EventState>(k + 1));
      c.setAlpha(alpha_);
      painter_->setBrush(c);
      painter_->drawRect(QRectF(runX0_, y, runX1_ - runX0_, hk));
      y += hk;
    }
    ++*drawn_;
    run_.fill(0);
  }
  QCPPainter* painter_;
  double top_, height_;
  quint64* drawn_;
  int alpha_;
  int colX_ = INT_MIN;
  std::array<double, 3> col_{};
  std::array<int, 3> run_{};
  double runX0_ = 0, runX1_ = 0;
};

// Index of the first sample whose time (timeOf, ascending along the ring) is >= ns.
template <typename T, typename TimeOf>
size_t firstNotBefore(const SpanRing<T>& ring, qint64 ns, TimeOf timeOf) {
  size_t lo = 0;
  size_t hi = ring.size();
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (timeOf(ring[mid]) < ns) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
}  // namespace

// Paints the lanes directly from the frame source (no copy into QCP data
// containers): the "not retained" area hatched, the coarse (decimated) history
// slightly faded, then the full-resolution spans and callbacks.
class TimelinePlottable : public QCPAbstractPlottable {
 public:
  using LaneRow = std::function<const EventRow*(size_t lane)>;
  TimelinePlottable(QCPAxis* keyAxis, QCPAxis* valueAxis, const FrameSource* source, LaneRow laneRow,
                    const std::vector<std::pair<int, quint64>>* lanes)
      : QCPAbstractPlottable(keyAxis, valueAxis), source_(source), laneRow_(std::move(laneRow)), lanes_(lanes) {
    setAntialiased(false);
  }

  double selectTest(const QPointF&, bool, QVariant*) const override { return -1; }
  QCPRange getKeyRange(bool& found, QCP::SignDomain) const override {
    found = true;
    return QCPRange(0, static_cast<double>(nowNs_ - source_->originNs()) / 1e9);
  }
  QCPRange getValueRange(bool& found, QCP::SignDomain, const QCPRange&) const override {
    found = true;
    return QCPRange(-0.5, std::max<double>(0.5, static_cast<double>(lanes_->size()) - 0.5));  // (unused: range set by the view)
  }
  void drawLegendIcon(QCPPainter*, const QRectF&) const override {}

  void setNow(qint64 ns) { nowNs_ = ns; }
  quint64 spans = 0;
  quint64 coarseSpans = 0;
  quint64 callbacks = 0;
  quint64 notRetainedLanes = 0;

 protected:
  void draw(QCPPainter* painter) override {
    spans = coarseSpans = callbacks = notRetainedLanes = 0;
    QCPAxis* kx = mKeyAxis.data();
    QCPAxis* vy = mValueAxis.data();
    if (!kx || !vy) return;
    const double origin = static_cast<double>(source_->originNs());
    const QCPRange xr = kx->range();
    const auto visibleFrom = static_cast<qint64>(xr.lower * 1e9 + origin);
    const auto visibleTo = static_cast<qint64>(xr.upper * 1e9 + origin);
    // The time axis is linear: pixel = left + (ns - visibleFrom) * pxPerNs.
    const double leftPx = kx->coordToPixel(xr.lower);
    const double pxPerNs = (kx->coordToPixel(xr.upper) - leftPx) / std::max(1.0, (xr.upper - xr.lower) * 1e9);
    auto px = [=](qint64 ns) { return leftPx + static_cast<double>(ns - visibleFrom) * pxPerNs; };
    const double laneHeightPx = std::abs(vy->coordToPixel(0.35) - vy->coordToPixel(-0.35));
    painter->setPen(Qt::NoPen);

    for (size_t lane = 0; lane < lanes_->size(); ++lane) {
      const EventRow* row = laneRow_(lane);
      if (!row) continue;
      const EventRow& e = *row;
      const double yc = vy->coordToPixel(static_cast<double>(lane));
      const double top = yc - laneHeightPx / 2;
      const qint64 retainedFrom = retainedFromNs(e);
      if (retainedFrom > visibleFrom) {  // not retained (or before the event existed)
        painter->setBrush(QBrush(QColor(0x90, 0x90, 0x90, 140), Qt::BDiagPattern));
        const double x1 = retainedFrom == INT64_MAX ? kx->coordToPixel(xr.upper) : std::min(px(retainedFrom), kx->coordToPixel(xr.upper));
        painter->drawRect(QRectF(px(visibleFrom), top, x1 - px(visibleFrom), laneHeightPx));
        ++notRetainedLanes;
      }
      drawCoarse(painter, e, top, laneHeightPx, visibleFrom, std::min(visibleTo, fullResolutionFromNs(e)), px);
      drawFine(painter, e, top, laneHeightPx, visibleFrom, visibleTo, px);
      drawCallbacks(painter, e, top, laneHeightPx, visibleFrom, visibleTo, px);
    }
  }

 private:
  template <typename Px>
  void drawCoarse(QCPPainter* painter, const EventRow& e, double top, double h, qint64 from, qint64 to, Px px) {
    const CoarseHistory& c = e.coarse;
    if (c.empty() || from >= to) return;
    StackMerger cols(painter, top, h, &coarseSpans, 190);
    const qint64 w = c.bucketNs();
    const size_t first = c.bucketStartNs(0) >= from ? 0 : static_cast<size_t>((from - c.bucketStartNs(0)) / w);
    double cbX0 = 0, cbX1 = -1;  // a run of buckets with callbacks: one strip
    std::vector<QRectF> strips;
    for (size_t i = first; i < c.size() && c.bucketStartNs(i) < to; ++i) {
      const HistoryBucket& b = c[i];
      if (b.dominant() == EventState::Invalid) continue;
      const double x0 = px(c.bucketStartNs(i));
      const double x1 = px(std::min(to, c.bucketStartNs(i) + w));
      cols.add(x0, x1, b);
      if (!b.callbacks) continue;
      if (x0 > cbX1 + 1.0) {
        if (cbX1 >= cbX0) strips.emplace_back(cbX0, top, std::max(1.0, cbX1 - cbX0), h * 0.3);
        cbX0 = x0;
      }
      cbX1 = std::max(x1, x0 + 1.0);
    }
    if (cbX1 >= cbX0) strips.emplace_back(cbX0, top, std::max(1.0, cbX1 - cbX0), h * 0.3);
    cols.finish();
    painter->setBrush(QColor(0x20, 0x20, 0x20, 120));
    for (const QRectF& r : strips) painter->drawRect(r);
  }

  template <typename Px>
  void drawFine(QCPPainter* painter, const EventRow& e, double top, double h, qint64 from, qint64 to, Px px) {
    const auto& ring = e.transitions;
    if (ring.empty()) return;
    // The transition before the first one inside the view starts the view's span.
    const size_t lo = firstNotBefore(ring, from, [](const TransitionSample& t) { return t.tsNs; });
    StackMerger cols(painter, top, h, &spans, 255);
    for (size_t i = lo > 0 ? lo - 1 : 0; i < ring.size(); ++i) {
      const TransitionSample& s = ring[i];
      if (s.tsNs > to) break;
      if (s.to == EventState::Invalid) continue;
      const qint64 end = i + 1 < ring.size() ? ring[i + 1].tsNs : (e.freedAtNs ? e.freedAtNs : nowNs_);
      const double x0 = px(s.tsNs);
      const double x1 = px(end);
      cols.add(x0, x1, s.to);
    }
    cols.finish();
  }

  // Callback spans on top: a dark bar in the lane's upper part.
  template <typename Px>
  void drawCallbacks(QCPPainter* painter, const EventRow& e, double top, double h, qint64 from, qint64 to, Px px) {
    const auto& cbs = e.callbacks;
    if (cbs.empty()) return;
    const size_t lo = firstNotBefore(cbs, from, [](const CallbackSample& c) { return c.beginNs + c.durationNs; });
    // Callbacks that touch or overlap (within a pixel) are drawn as one strip.
    painter->setBrush(QColor(0x20, 0x20, 0x20, 170));
    double runX0 = 0, runX1 = -2;
    auto drawRun = [&] {
      if (runX1 < runX0) return;
      painter->drawRect(QRectF(runX0, top, runX1 - runX0, h * 0.3));
      ++callbacks;
    };
    for (size_t k = lo; k < cbs.size(); ++k) {
      const CallbackSample& c = cbs[k];
      if (c.beginNs > to) break;
      const double x0 = px(c.beginNs);
      const double x1 = x0 + std::max(1.0, px(c.beginNs + c.durationNs) - x0);
      if (x0 > runX1 + 1.0) {
        drawRun();
        runX0 = x0;
      }
      runX1 = std::max(runX1, x1);
    }
    drawRun();
  }

  const FrameSource* source_;
  LaneRow laneRow_;
  const std::vector<std::pair<int, quint64>>* lanes_;
  qint64 nowNs_ = 0;
};

TimelineView::TimelineView(FrameSource* source, QWidget* parent)
    : QWidget(parent), source_(source), plot_(new QCustomPlot(this)), retained_(new QLabel(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_, 1);
  plot_->setObjectName(QStringLiteral("timelinePlot"));
  plot_->setNoAntialiasingOnDrag(true);
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->axisRect()->setRangeDrag(Qt::Horizontal);
  plot_->axisRect()->setRangeZoom(Qt::Horizontal);
  plot_->xAxis->setLabel(tr("time (s)"));
  plot_->yAxis->setRangeReversed(true);
  plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerText>(new QCPAxisTickerText));
  plot_->yAxis->grid()->setVisible(false);
  spans_ = new TimelinePlottable(plot_->xAxis, plot_->yAxis, source_, [this](size_t lane) { return laneRow(lane); }, &lanes_);

  // Legend of the state colours (the diagram's palette).
  auto* legend = new QLabel(this);
  QString html;
  for (EventState st : {EventState::NonPending, EventState::Pending, EventState::Active}) {
    html += QStringLiteral("<span style='background:%1'>&nbsp;&nbsp;&nbsp;&nbsp;</span>&nbsp;%2&nbsp;&nbsp;&nbsp;")
                .arg(stateColor(st).name(), QString::fromLatin1(stateTitle(st)));
  }
  html += tr("<span style='background:#202020'>&nbsp;&nbsp;</span>&nbsp;callback (top strip) &nbsp;&nbsp;"
             "<i>wheel: zoom, drag: pan, hover: details</i>");
  legend->setText(html);
  legend->setWordWrap(true);  // wraps rather than widening a narrow window
  QSizePolicy legendPolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
  legendPolicy.setHeightForWidth(true);
  legend->setSizePolicy(legendPolicy);
  layout->insertWidget(0, legend);
  retained_->setObjectName(QStringLiteral("timelineRetained"));
  retained_->setWordWrap(true);
  retained_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Minimum);  // wraps in a narrow window
  layout->insertWidget(1, retained_);

  connect(plot_, &QCustomPlot::mouseMove, this, &TimelineView::onMouseMove);
  connect(plot_, &QCustomPlot::mousePress, this, [this](QMouseEvent*) { userMovedView(); });
  connect(plot_, &QCustomPlot::mouseWheel, this, [this](QWheelEvent*) { userMovedView(); });
  plot_->setMouseTracking(true);
  setLanes({});
}

void TimelineView::userMovedView() {
  if (follow_) setFollowLive(false);
}

void TimelineView::setFollowLive(bool on) {
  if (follow_ == on) return;
  follow_ = on;
  updateFreeze();
  emit followLiveChanged(on);
}

void TimelineView::setWindowSec(double sec) { windowSec_ = std::clamp(sec, 1.0, 3600.0); }

void TimelineView::setPaused(bool on) {
  paused_ = on;
  updateFreeze();
}

// Frozen: a copy of each lane's row, taken once (bounded: the lanes' rings).
void TimelineView::updateFreeze() {
  frozenRows_.clear();
  retained_->setText(retainedText());
  if (!frozen()) return;
  for (size_t lane = 0; lane < lanes_.size(); ++lane) {
    const int row = source_->rowOf(lanes_[lane].first, lanes_[lane].second);
    frozenRows_.push_back(row >= 0 ? std::optional<EventRow>(source_->row(row)) : std::nullopt);
  }
}

const EventRow* TimelineView::laneRow(size_t lane) const {
  if (frozen()) return lane < frozenRows_.size() && frozenRows_[lane] ? &*frozenRows_[lane] : nullptr;
  if (lane >= lanes_.size()) return nullptr;
  const int row = source_->rowOf(lanes_[lane].first, lanes_[lane].second);
  return row >= 0 ? &source_->row(row) : nullptr;
}

void TimelineView::setLanes(const std::vector<std::pair<int, quint64>>& lanes) {
  const bool changed = lanes != lanes_;
  lanes_ = lanes;
  std::vector<quint64> keys;
  for (const auto& [session, id] : lanes_) {
    const int row = source_->rowOf(session, id);
    if (row >= 0) keys.push_back(source_->row(row).key);
  }
  source_->setShownEvents(keys);
  if (changed && frozen()) updateFreeze();
  auto ticker = qSharedPointerCast<QCPAxisTickerText>(plot_->yAxis->ticker());
  ticker->clear();
  for (size_t i = 0; i < lanes_.size(); ++i) {
    const int row = source_->rowOf(lanes_[i].first, lanes_[i].second);
    QString text = QStringLiteral("#%1").arg(lanes_[i].second);
    if (row >= 0) {
      const EventRow& e = source_->row(row);
      QString label = e.label;
      if (label.size() > 28) label = label.left(27) + QChar(0x2026);
      text = QStringLiteral("s%1 #%2 %3").arg(e.session).arg(e.id).arg(label);
    }
    ticker->addTick(static_cast<double>(i), text);
  }
  updateValueRange();
}

void TimelineView::updateValueRange() {
  // Lanes keep a readable height: a few lanes sit at the top instead of filling the plot.
  const double laneSlots = std::max<double>(static_cast<double>(lanes_.size()), std::min(12, lanesThatFit()));
  plot_->yAxis->setRange(-0.5, std::max(0.5, laneSlots - 0.5));
}

int TimelineView::lanesThatFit() const {
  const int h = plot_->axisRect()->height() > 50 ? plot_->axisRect()->height() : plot_->height() - 60;
  return std::clamp(h / 16, 4, 40);
}

void TimelineView::refresh(qint64 nowNs) {
  lastNowNs_ = nowNs;
  if (!frozen()) spans_->setNow(nowNs);
  updateRetainedLabel(nowNs);
  if (paused_) return;
  if (follow_) {
    // The lanes' own sessions decide: lanes of a program that ended stop there
    // although another session runs.
    std::vector<int> sessions;
    for (const auto& [session, id] : lanes_)
      if (std::find(sessions.begin(), sessions.end(), session) == sessions.end()) sessions.push_back(session);
    const double now = static_cast<double>(source_->liveEdgeNs(nowNs, sessions) - source_->originNs()) / 1e9;
    plot_->xAxis->setRange(now - windowSec_, now);
  }
  updateValueRange();
  if (isVisible()) plot_->replot(QCustomPlot::rpQueuedReplot);
}

quint64 TimelineView::drawnSpans() const { return spans_->spans; }
quint64 TimelineView::drawnCallbacks() const { return spans_->callbacks; }
quint64 TimelineView::drawnCoarseSpans() const { return spans_->coarseSpans; }
quint64 TimelineView::drawnNotRetainedLanes() const { return spans_->notRetainedLanes; }

void TimelineView::updateRetainedLabel(qint64 nowNs) {
  if (frozen() && !frozenRows_.empty() && retainedSec_ > 0) {  // frozen: the figures too
    retained_->setText(retainedText());
    return;
  }
  // How far back the lanes reach (all of it, and at full resolution): the
  // shortest reach of a lane that lost its oldest part. A lane holding its
  // event's whole life (one created a second ago) says nothing about that, so
  // it counts only when every lane is whole: then the longest life.
  struct Reach {
    qint64 cut = INT64_MAX;  // the shortest reach of a lane that lost something
    qint64 whole = -1;       // the longest reach of a lane that lost nothing
    void add(qint64 reach, bool wholeLife) {
      if (wholeLife) whole = std::max(whole, reach);
      else cut = std::min(cut, reach);
    }
    qint64 value() const { return cut != INT64_MAX ? cut : whole >= 0 ? whole : INT64_MAX; }
  } retainedReach, fullReach;
  for (size_t lane = 0; lane < lanes_.size(); ++lane) {
    const EventRow* e = laneRow(lane);
    if (!e || (e->transitions.empty() && e->coarse.empty())) continue;
    const qint64 end = e->freedAtNs ? e->freedAtNs : nowNs;
    retainedReach.add(end - std::min(end, retainedFromNs(*e)), wholeLifeRetained(*e));
    const qint64 fullFrom = fullResolutionFromNs(*e);
    fullReach.add(end - std::min(end, fullFrom), fullFrom <= e->firstSeenNs);
    bucketNs_ = e->coarse.bucketNs();
  }
  const qint64 retained = retainedReach.value();
  const qint64 full = fullReach.value();
  retainedSec_ = retained == INT64_MAX ? 0 : static_cast<double>(retained) / 1e9;
  fullResolutionSec_ = full == INT64_MAX ? 0 : static_cast<double>(full) / 1e9;
  retained_->setText(retainedText());
}

QString TimelineView::retainedText() const {
  if (lanes_.empty() || retainedSec_ <= 0) return tr("History: nothing retained yet for these lanes.");
  QString text = tr("History: %1 s per lane, the last %2 s at full resolution, older in %3 summaries "
                    "(faded); hatched: not retained.")
                     .arg(retainedSec_, 0, 'f', 1)
                     .arg(fullResolutionSec_, 0, 'f', 1)
                     .arg(formatDuration(bucketNs_));
  if (frozen()) text += tr(" Frozen (paused or zoomed).");
  return text;
}

namespace {
// Tooltip lines for a time that only the coarse history covers.
QString describeCoarse(const CoarseHistory& c, qint64 t, qint64 originNs) {
  const QString none = TimelineView::tr("\nnot retained at this time (hatched)");
  if (c.empty() || t < c.bucketStartNs(0)) return none;
  const auto i = static_cast<size_t>((t - c.bucketStartNs(0)) / c.bucketNs());
  if (i >= c.size() || c[i].dominant() == EventState::Invalid) return none;
  const HistoryBucket& b = c[i];
  const double total = static_cast<double>(b.stateNs[0]) + b.stateNs[1] + b.stateNs[2];
  auto pct = [&](size_t k) { return 100.0 * b.stateNs[k] / total; };
  return TimelineView::tr("\n%1 summary from %2 s: %3 %4 %, %5 %6 %, %7 %8 %; %9 transitions, %10 callbacks")
      .arg(formatDuration(c.bucketNs()))
      .arg(static_cast<double>(c.bucketStartNs(i) - originNs) / 1e9, 0, 'f', 3)
      .arg(QString::fromLatin1(stateTitle(EventState::NonPending))).arg(pct(0), 0, 'f', 0)
      .arg(QString::fromLatin1(stateTitle(EventState::Pending))).arg(pct(1), 0, 'f', 0)
      .arg(QString::fromLatin1(stateTitle(EventState::Active))).arg(pct(2), 0, 'f', 0)
      .arg(b.transitions)
      .arg(b.callbacks);
}
}  // namespace

QString TimelineView::describeAt(double timeSec, int lane) const {
  if (lane < 0 || lane >= laneCount()) return {};
  const EventRow* shown = laneRow(static_cast<size_t>(lane));
  if (!shown) return {};
  const EventRow& e = *shown;
  const auto t = static_cast<qint64>(timeSec * 1e9) + source_->originNs();
  const auto& ring = e.transitions;
  const TransitionSample* at = nullptr;
  const TransitionSample* next = nullptr;
  for (size_t i = ring.size(); i-- > 0;) {
    if (ring[i].tsNs <= t) {
      at = &ring[i];
      if (i + 1 < ring.size()) next = &ring[i + 1];
      break;
    }
  }
  QString text = QStringLiteral("#%1 %2 (%3, fd %4)")
                     .arg(QString::number(e.id), e.label, QString::fromLatin1(toString(e.kind)), QString::number(e.fd));
  if (!at) return text + describeCoarse(e.coarse, t, source_->originNs());
  const double since = static_cast<double>(at->tsNs - source_->originNs()) / 1e9;
  text += tr("\n%1 since %2 s (%3 → %4, cause %5)")
              .arg(QString::fromLatin1(stateTitle(at->to)))
              .arg(since, 0, 'f', 6)
              .arg(QString::fromLatin1(stateTitle(at->from)), QString::fromLatin1(stateTitle(at->to)),
                   QString::fromLatin1(toString(at->cause)));
  if (next) text += tr("\nfor %1, until %2").arg(formatDuration(next->tsNs - at->tsNs)).arg(QString::fromLatin1(toString(next->cause)));
  for (size_t k = e.callbacks.size(); k-- > 0;) {
    const CallbackSample& c = e.callbacks[k];
    if (c.beginNs <= t) {
      if (t <= c.beginNs + c.durationNs + 1000) {
        text += tr("\ncallback %1 at %2 s").arg(formatDuration(c.durationNs)).arg(static_cast<double>(c.beginNs - source_->originNs()) / 1e9, 0, 'f', 6);
        if (e.callbackCutShort && k + 1 == e.callbacks.size())
          text += tr("\nnever returned: the process ended inside it (a crash there, or an exit from it)");
      }
      break;
    }
  }
  return text;
}

void TimelineView::onMouseMove(QMouseEvent* event) {
  const double x = plot_->xAxis->pixelToCoord(event->position().x());
  const double y = plot_->yAxis->pixelToCoord(event->position().y());
  const int lane = static_cast<int>(std::lround(y));
  const QString text = describeAt(x, lane);
  if (text.isEmpty()) QToolTip::hideText();
  else QToolTip::showText(event->globalPosition().toPoint(), text, plot_);
}

}  // namespace rs::gui
