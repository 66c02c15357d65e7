#include "widgets/TimelineView.h"

#include <QLabel>
#include <QMouseEvent>
#include <QToolTip>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>

#include "model/EventTableModel.h"
#include "model/StateColors.h"

namespace rs::gui {

// Paints the lanes directly from the frame source (no copy into QCP data containers).
class TimelinePlottable : public QCPAbstractPlottable {
 public:
  TimelinePlottable(QCPAxis* keyAxis, QCPAxis* valueAxis, const FrameSource* source,
                    const std::vector<std::pair<int, quint64>>* lanes)
      : QCPAbstractPlottable(keyAxis, valueAxis), source_(source), lanes_(lanes) {
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
  quint64 callbacks = 0;

 protected:
  void draw(QCPPainter* painter) override {
    spans = callbacks = 0;
    QCPAxis* kx = mKeyAxis.data();
    QCPAxis* vy = mValueAxis.data();
    if (!kx || !vy) return;
    const double origin = static_cast<double>(source_->originNs());
    const QCPRange xr = kx->range();
    const auto visibleFrom = static_cast<qint64>(xr.lower * 1e9 + origin);
    const auto visibleTo = static_cast<qint64>(xr.upper * 1e9 + origin);
    auto px = [&](qint64 ns) { return kx->coordToPixel((static_cast<double>(ns) - origin) / 1e9); };
    const double laneHeightPx = std::abs(vy->coordToPixel(0.35) - vy->coordToPixel(-0.35));
    const QColor cbColor(0x20, 0x20, 0x20, 170);
    painter->setPen(Qt::NoPen);

    for (size_t lane = 0; lane < lanes_->size(); ++lane) {
      const int row = source_->rowOf((*lanes_)[lane].first, (*lanes_)[lane].second);
      if (row < 0) continue;
      const EventRow& e = source_->row(row);
      const double yc = vy->coordToPixel(static_cast<double>(lane));
      const double top = yc - laneHeightPx / 2;
      const auto& ring = e.transitions;
      if (ring.empty()) continue;
      // First transition that ends inside the view: binary search on time.
      size_t lo = 0;
      size_t hi = ring.size();
      while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (ring[mid].tsNs < visibleFrom) lo = mid + 1;
        else hi = mid;
      }
      size_t i = lo > 0 ? lo - 1 : 0;
      // Sub-pixel merging: one column per pixel, coloured by the state that held
      // the most time in it (callback strips on top still show every activation).
      int colX = INT_MIN;
      double colTime[4] = {0, 0, 0, 0};
      auto flushColumn = [&] {
        if (colX == INT_MIN) return;
        int best = -1;
        for (int k = 1; k < 4; ++k)
          if (colTime[k] > 0 && (best < 0 || colTime[k] > colTime[best])) best = k;
        if (best > 0) {
          painter->setBrush(stateColor(static_cast<EventState>(best)));
          painter->drawRect(QRectF(colX, top, 1, laneHeightPx));
          ++spans;
        }
        colX = INT_MIN;
        colTime[0] = colTime[1] = colTime[2] = colTime[3] = 0;
      };
      for (; i < ring.size(); ++i) {
        const TransitionSample& s = ring[i];
        if (s.tsNs > visibleTo) break;
        if (s.to == EventState::Invalid) continue;
        const qint64 end = i + 1 < ring.size() ? ring[i + 1].tsNs : (e.freedAtNs ? e.freedAtNs : nowNs_);
        const double x0 = px(s.tsNs);
        const double x1 = px(end);
        if (x1 - x0 >= 1.0) {
          flushColumn();
          painter->setBrush(stateColor(s.to));
          painter->drawRect(QRectF(x0, top, x1 - x0, laneHeightPx));
          ++spans;
        } else {
          const int cx = static_cast<int>(x0);
          if (cx != colX) {
            flushColumn();
            colX = cx;
          }
          colTime[static_cast<int>(s.to)] += std::max(1e-6, x1 - x0);
        }
      }
      flushColumn();

      // Callback spans on top: a dark bar in the lane's upper part.
      const auto& cbs = e.callbacks;
      if (cbs.empty()) continue;
      lo = 0;
      hi = cbs.size();
      while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (cbs[mid].beginNs + cbs[mid].durationNs < visibleFrom) lo = mid + 1;
        else hi = mid;
      }
      painter->setBrush(cbColor);
      int lastPx = INT_MIN;
      for (size_t k = lo; k < cbs.size(); ++k) {
        const CallbackSample& c = cbs[k];
        if (c.beginNs > visibleTo) break;
        const double x0 = px(c.beginNs);
        const double w = std::max(1.0, px(c.beginNs + c.durationNs) - x0);
        if (w <= 1.0 && static_cast<int>(x0) == lastPx) continue;
        lastPx = static_cast<int>(x0);
        painter->drawRect(QRectF(x0, top, w, laneHeightPx * 0.3));
        ++callbacks;
      }
    }
  }

 private:
  const FrameSource* source_;
  const std::vector<std::pair<int, quint64>>* lanes_;
  qint64 nowNs_ = 0;
};

TimelineView::TimelineView(const FrameSource* source, QWidget* parent)
    : QWidget(parent), source_(source), plot_(new QCustomPlot(this)) {
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
  spans_ = new TimelinePlottable(plot_->xAxis, plot_->yAxis, source_, &lanes_);

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
  legend->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
  layout->insertWidget(0, legend);

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
  emit followLiveChanged(on);
}

void TimelineView::setLanes(const std::vector<std::pair<int, quint64>>& lanes) {
  lanes_ = lanes;
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
  spans_->setNow(nowNs);
  if (paused_) return;
  if (follow_) {
    const double now = static_cast<double>(nowNs - source_->originNs()) / 1e9;
    plot_->xAxis->setRange(now - kWindowSec, now);
  }
  updateValueRange();
  if (isVisible()) plot_->replot(QCustomPlot::rpQueuedReplot);
}

quint64 TimelineView::drawnSpans() const { return spans_->spans; }
quint64 TimelineView::drawnCallbacks() const { return spans_->callbacks; }

QString TimelineView::describeAt(double timeSec, int lane) const {
  if (lane < 0 || lane >= laneCount()) return {};
  const int row = source_->rowOf(lanes_[static_cast<size_t>(lane)].first, lanes_[static_cast<size_t>(lane)].second);
  if (row < 0) return {};
  const EventRow& e = source_->row(row);
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
  QString text = QStringLiteral("#%1 %2 (%3, fd %4)").arg(e.id).arg(e.label).arg(QString::fromLatin1(toString(e.kind))).arg(e.fd);
  if (!at) return text + tr("\nno transition retained before this time");
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
      if (t <= c.beginNs + c.durationNs + 1000)
        text += tr("\ncallback %1 at %2 s").arg(formatDuration(c.durationNs)).arg(static_cast<double>(c.beginNs - source_->originNs()) / 1e9, 0, 'f', 6);
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
