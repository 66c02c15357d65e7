#include "widgets/StateDiagramView.h"

#include <QFont>
#include <QFontMetricsF>
#include <QGraphicsEllipseItem>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QPainter>
#include <QPainterPath>
#include <QResizeEvent>
#include <QShowEvent>
#include <QStyleOptionGraphicsItem>
#include <QTimer>

#include <algorithm>
#include <cmath>

#include "model/StateColors.h"

namespace rs::gui {

namespace {

constexpr QSizeF kNodeSize{196.0, 86.0};
const QColor kEdgeInk{0x4a, 0x4f, 0x57};
const QColor kTextInk{0x1f, 0x23, 0x28};

size_t index(DiagramEdge e) { return static_cast<size_t>(e); }
size_t index(EventState s) { return static_cast<size_t>(s); }

QColor blend(const QColor& a, const QColor& b, double t) {
  t = std::clamp(t, 0.0, 1.0);
  return QColor::fromRgbF(static_cast<float>(a.redF() + (b.redF() - a.redF()) * t),
                          static_cast<float>(a.greenF() + (b.greenF() - a.greenF()) * t),
                          static_cast<float>(a.blueF() + (b.blueF() - a.blueF()) * t));
}

// How each edge of DiagramEdge is drawn: which nodes it joins, where it leaves and
// enters them (offsets from the node centres, on the box edges), the quadratic
// curve's control point as an offset from the midpoint of those two anchors, where
// along the curve its label is anchored (0 = source end) and how far off the curve.
struct EdgeGeometry {
  EventState from;
  EventState to;
  QPointF fromAnchor;
  QPointF toAnchor;
  QPointF controlOffset;
  double labelT;
  QPointF labelOffset;
};

constexpr double kHalfW = kNodeSize.width() / 2;
constexpr double kHalfH = kNodeSize.height() / 2;

// Where everything goes. Two arrangements of the same figure: wide (as in docs/architecture.md, "Event states":
// Invalid ptr, non-pending and pending in a row, active below pending; forward edges
// above/right, returns below/left) and compact for squarer viewports such as a dock
// (the same, with Invalid ptr moved above non-pending).
struct DiagramLayout {
  QRectF sceneRect;
  std::array<QPointF, 4> nodeCentre;
  std::array<EdgeGeometry, kDiagramEdgeCount> edges;
  QPointF pathListPos;
  QPointF captionPos;
};

// Edges among non-pending, pending and active: the same in both layouts.
// Add: along the top; DelPending: back along the bottom.
constexpr EdgeGeometry kAdd{EventState::NonPending, EventState::Pending, {kHalfW, -16}, {-kHalfW, -16},
                            {0, -34}, 0.5, {0, -30}};
constexpr EdgeGeometry kDelPending{EventState::Pending, EventState::NonPending, {-kHalfW, 18}, {kHalfW, 18},
                                   {0, 34}, 0.5, {0, 30}};
// Ready: down the right; DispatchPersist: back up the inside.
constexpr EdgeGeometry kReady{EventState::Pending, EventState::Active, {55, kHalfH}, {55, -kHalfH},
                              {60, 0}, 0.35, {0, 0}};
constexpr EdgeGeometry kDispatchPersist{EventState::Active, EventState::Pending, {-10, -kHalfH},
                                        {-10, kHalfH}, {-34, 0}, 0.35, {0, 0}};
// ManualActivate: the wide outer curve; DispatchOnce: the inner diagonal; DelActive:
// the outer diagonal.
constexpr EdgeGeometry kManualActivate{EventState::NonPending, EventState::Active, {-60, kHalfH},
                                       {-kHalfW, 25}, {-150, 150}, 0.6, {0, 0}};
constexpr EdgeGeometry kDispatchOnce{EventState::Active, EventState::NonPending, {-kHalfW, -30},
                                     {60, kHalfH}, {40, -40}, 0.5, {0, 0}};
constexpr EdgeGeometry kDelActive{EventState::Active, EventState::NonPending, {-kHalfW, 0}, {0, kHalfH},
                                  {-20, 40}, 0.35, {0, 0}};

// The selected event's step list has a band of its own below the caption (it
// never covers an arrow or a label, however long the event's name).
const DiagramLayout kWideLayout{
    QRectF{0.0, 28.0, 1110.0, 760.0},
    {QPointF{112.0, 130.0}, QPointF{487.0, 130.0}, QPointF{900.0, 130.0}, QPointF{900.0, 480.0}},
    {{
        // New and Free: along the top row, forward above, back below.
        {EventState::Invalid, EventState::NonPending, {kHalfW, -16}, {-kHalfW, -16}, {0, -34}, 0.5, {0, -30}},
        kAdd, kDelPending, kReady, kManualActivate, kDispatchPersist, kDispatchOnce, kDelActive,
        {EventState::NonPending, EventState::Invalid, {-kHalfW, 18}, {kHalfW, 18}, {0, 34}, 0.5, {0, 30}},
    }},
    QPointF{20.0, 600.0},
    QPointF{16.0, 560.0},
};

const DiagramLayout kCompactLayout{
    QRectF{0.0, 28.0, 850.0, 930.0},
    {QPointF{180.0, 110.0}, QPointF{180.0, 360.0}, QPointF{630.0, 360.0}, QPointF{630.0, 650.0}},
    {{
        // New and Free: straight down from Invalid ptr and back, labels outside.
        {EventState::Invalid, EventState::NonPending, {40, kHalfH}, {40, -kHalfH}, {16, 0}, 0.5, {128, 0}},
        kAdd, kDelPending, kReady, kManualActivate, kDispatchPersist, kDispatchOnce, kDelActive,
        {EventState::NonPending, EventState::Invalid, {-40, -kHalfH}, {-40, kHalfH}, {-16, 0}, 0.5, {-62, 0}},
    }},
    QPointF{20.0, 770.0},
    QPointF{16.0, 718.0},
};

// Below this width:height the compact layout shows the figure larger.
constexpr double kCompactBelowAspect = 1.6;

QFont uiFont(double pixelSize, bool bold = false) {
  QFont f;
  f.setPixelSize(static_cast<int>(pixelSize));
  f.setBold(bold);
  return f;
}

}  // namespace

// ---------------------------------------------------------------------------------
// One state: a rounded box in the state's colour with its caption and live count.
class DiagramNodeItem : public QGraphicsItem {
 public:
  explicit DiagramNodeItem(EventState state) : state_(state) {
    setZValue(3);
    setToolTip(tooltipFor(state));
  }

  QRectF boundingRect() const override {
    return QRectF(QPointF(-kNodeSize.width() / 2, -kNodeSize.height() / 2), kNodeSize)
        .adjusted(-12, -12, 12, 12);
  }

  void setCount(qint64 count) {
    if (count == count_ && !countText_.isEmpty()) return;
    count_ = count;
    countText_ = state_ == EventState::Invalid
                     ? QStringLiteral("%1 freed").arg(StateDiagramView::formatCount(
                           static_cast<quint64>(std::max<qint64>(count, 0))))
                     : QStringLiteral("%1 %2").arg(
                           StateDiagramView::formatCount(static_cast<quint64>(std::max<qint64>(count, 0))),
                           count == 1 ? QStringLiteral("event") : QStringLiteral("events"));
    update();
  }
  qint64 count() const { return count_; }
  const QString& countText() const { return countText_; }

  void setHighlighted(bool on) {
    if (on == highlighted_) return;
    highlighted_ = on;
    update();
  }

  void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override {
    const QColor base = StateDiagramView::stateColor(state_);
    const QRectF r(QPointF(-kNodeSize.width() / 2, -kNodeSize.height() / 2), kNodeSize);
    p->setRenderHint(QPainter::Antialiasing);
    if (highlighted_) {
      QColor halo = base;
      halo.setAlphaF(0.45f);
      p->setPen(QPen(halo, 14.0));
      p->setBrush(Qt::NoBrush);
      p->drawRoundedRect(r, 18, 18);
    }
    p->setPen(QPen(highlighted_ ? kTextInk : base.darker(135), highlighted_ ? 3.5 : 2.0));
    p->setBrush(blend(base, Qt::white, 0.62));
    p->drawRoundedRect(r, 18, 18);
    // A band in the full colour on the left makes the state readable at a glance.
    QPainterPath band;
    band.addRoundedRect(r, 18, 18);
    QPainterPath clip;
    clip.addRect(QRectF(r.left(), r.top(), 16, r.height()));
    p->setPen(Qt::NoPen);
    p->setBrush(base);
    p->drawPath(band.intersected(clip));

    p->setPen(kTextInk);
    p->setFont(uiFont(21, true));
    const QRectF text = r.adjusted(16, 8, -4, -8);
    p->drawText(QRectF(text.left(), text.top(), text.width(), text.height() / 2),
                Qt::AlignCenter, StateDiagramView::stateTitle(state_));
    p->setFont(uiFont(18));
    p->drawText(QRectF(text.left(), text.center().y(), text.width(), text.height() / 2),
                Qt::AlignCenter, countText_);
  }

 private:
  static QString tooltipFor(EventState s) {
    switch (s) {
      case EventState::Invalid:
        return QStringLiteral("Invalid ptr: only a struct event* exists (count: events freed so far)");
      case EventState::NonPending:
        return QStringLiteral("non-pending: created or assigned, not being watched");
      case EventState::Pending:
        return QStringLiteral("pending: added, waiting for its fd, timeout or signal");
      case EventState::Active:
        return QStringLiteral("active: triggered, its callback is about to run");
    }
    return {};
  }

  EventState state_;
  qint64 count_ = 0;
  QString countText_;
  bool highlighted_ = false;
};

// ---------------------------------------------------------------------------------
// One edge: a curved arrow between two nodes. Its label is a separate item so all
// labels sit above all arrows.
class DiagramEdgeItem : public QGraphicsItem {
 public:
  explicit DiagramEdgeItem(EventState to) : to_(to) { setZValue(1); }

  void setGeometry(const EdgeGeometry& g, QPointF fromCentre, QPointF toCentre) {
    prepareGeometryChange();
    // Leave a small gap at the source; the arrowhead touches the target box.
    const QPointF a = fromCentre + g.fromAnchor;
    const QPointF b = toCentre + g.toAnchor;
    control_ = (a + b) / 2 + g.controlOffset;
    const bool onSide = std::abs(g.fromAnchor.x()) >= kHalfW;
    const QPointF gap = onSide ? QPointF(g.fromAnchor.x() > 0 ? 3 : -3, 0)
                               : QPointF(0, g.fromAnchor.y() > 0 ? 3 : -3);
    start_ = a + gap;
    end_ = b;
    path_ = QPainterPath();
    path_.moveTo(start_);
    path_.quadTo(control_, end_);
    update();
  }

  QRectF boundingRect() const override { return path_.boundingRect().adjusted(-24, -24, 24, 24); }
  const QPainterPath& path() const { return path_; }

  void setWidth(double w) {
    if (qFuzzyCompare(w, width_)) return;
    width_ = w;
    update();
  }
  double width() const { return width_; }
  void setFlash(double f) {
    if (qFuzzyCompare(1.0 + f, 1.0 + flash_)) return;
    flash_ = f;
    update();
  }
  double flash() const { return flash_; }
  void setReplaying(bool on) {
    if (on == replaying_) return;
    replaying_ = on;
    update();
  }

  QColor ink() const {
    const QColor hot = StateDiagramView::stateColor(to_).darker(115);
    return blend(replaying_ ? kTextInk : kEdgeInk, hot, flash_);
  }

  void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override {
    p->setRenderHint(QPainter::Antialiasing);
    const QColor color = ink();
    const double w = width_ + 3.0 * flash_ + (replaying_ ? 1.5 : 0.0);
    // Stop the line short of the tip so a thick stroke does not blunt the arrowhead.
    const QPointF dir = end_ - control_;
    const double len = std::hypot(dir.x(), dir.y());
    const QPointF unit = len > 0 ? dir / len : QPointF(1, 0);
    const double head = 12.0 + 1.6 * w;
    QPainterPath shaft;
    shaft.moveTo(start_);
    shaft.quadTo(control_, end_ - unit * (head * 0.7));
    p->setPen(QPen(color, w, Qt::SolidLine, Qt::RoundCap));
    p->setBrush(Qt::NoBrush);
    p->drawPath(shaft);

    const QPointF normal(-unit.y(), unit.x());
    QPolygonF arrow;
    arrow << end_ << end_ - unit * head + normal * (head * 0.45)
          << end_ - unit * head - normal * (head * 0.45);
    p->setPen(QPen(color, 1.0));
    p->setBrush(color);
    p->drawPolygon(arrow);
  }

 private:
  EventState to_;
  QPointF start_, control_, end_;
  QPainterPath path_;
  double width_ = 1.6;
  double flash_ = 0.0;
  bool replaying_ = false;
};

// The label of one edge: its name over "rate · total", on a white card so it stays
// readable where it crosses a line.
class DiagramLabelItem : public QGraphicsItem {
 public:
  explicit DiagramLabelItem(DiagramEdge edge) {
    setZValue(2);
    name_ = StateDiagramView::edgeName(edge);
    figures_ = QStringLiteral("0/s · 0 total");
    relayout();
  }

  void setFigures(const QString& figures) {
    if (figures == figures_) return;
    prepareGeometryChange();
    figures_ = figures;
    relayout();
    update();
  }
  void setAccent(const QColor& c, double flash) {
    accent_ = c;
    flash_ = flash;
    update();
  }
  QString text() const { return name_ + QLatin1Char('\n') + figures_; }
  QRectF boundingRect() const override { return rect_.adjusted(-3, -3, 3, 3); }

  void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override {
    p->setRenderHint(QPainter::Antialiasing);
    QColor card(255, 255, 255, 235);
    p->setPen(QPen(blend(QColor(0xc8, 0xcc, 0xd2), accent_, flash_), 1.0 + 1.5 * flash_));
    p->setBrush(card);
    p->drawRoundedRect(rect_, 6, 6);
    p->setPen(kTextInk);
    p->setFont(uiFont(16, true));
    p->drawText(QRectF(rect_.left(), rect_.top() + 3, rect_.width(), 20), Qt::AlignCenter, name_);
    p->setPen(QColor(0x4a, 0x4f, 0x57));
    p->setFont(uiFont(14));
    p->drawText(QRectF(rect_.left(), rect_.top() + 23, rect_.width(), 18), Qt::AlignCenter, figures_);
  }

 private:
  void relayout() {
    const double w = std::max(QFontMetricsF(uiFont(16, true)).horizontalAdvance(name_),
                              QFontMetricsF(uiFont(14)).horizontalAdvance(figures_)) +
                     16.0;
    rect_ = QRectF(-w / 2, -22.0, w, 44.0);
  }

  QString name_;
  QString figures_;
  QRectF rect_;
  QColor accent_ = kEdgeInk;
  double flash_ = 0.0;
};

// ---------------------------------------------------------------------------------

StateDiagramView::StateDiagramView(QWidget* parent) : QGraphicsView(parent) {
  setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing |
                 QPainter::SmoothPixmapTransform);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setViewportUpdateMode(QGraphicsView::BoundingRectViewportUpdate);
  setBackgroundBrush(QColor(0xfb, 0xfb, 0xfc));
  setFrameShape(QFrame::NoFrame);
  setMinimumSize(320, 200);
  clock_.start();
  buildScene();
  flashTimer_ = new QTimer(this);
  flashTimer_->setInterval(33);  // ~30 Hz: smooth enough for a 300 ms fade, cheap
  connect(flashTimer_, &QTimer::timeout, this, [this] {
    updateFlashes();
    advanceReplay();
    if (replayQueue_.empty() &&
        std::all_of(edges_.begin(), edges_.end(), [](auto* e) { return e->flash() <= 0.0; }))
      flashTimer_->stop();
  });
  setStats(DiagramStats{});
}

StateDiagramView::~StateDiagramView() = default;

void StateDiagramView::buildScene() {
  scene_ = new QGraphicsScene(this);
  setScene(scene_);

  for (int s = 0; s < 4; ++s) {
    auto* n = new DiagramNodeItem(static_cast<EventState>(s));
    scene_->addItem(n);
    nodes_[static_cast<size_t>(s)] = n;
  }
  for (int e = 0; e < kDiagramEdgeCount; ++e) {
    const EdgeGeometry& g = kWideLayout.edges[static_cast<size_t>(e)];
    auto* item = new DiagramEdgeItem(g.to);
    scene_->addItem(item);
    edges_[static_cast<size_t>(e)] = item;
    auto* label = new DiagramLabelItem(static_cast<DiagramEdge>(e));
    label->setToolTip(QStringLiteral("%1: %2 → %3")
                          .arg(edgeName(static_cast<DiagramEdge>(e)),
                               QString::fromLatin1(rs::toString(g.from)),
                               QString::fromLatin1(rs::toString(g.to))));
    scene_->addItem(label);
    labels_[static_cast<size_t>(e)] = label;
  }

  caption_ = scene_->addSimpleText(
      QStringLiteral("Event states (libevent)  ·  box: events in that state now  ·  "
                     "arrow: transitions/s and total"));
  caption_->setFont(uiFont(14));
  caption_->setBrush(QColor(0x6a, 0x70, 0x78));
  caption_->setZValue(0);
  scope_ = scene_->addSimpleText(QString());
  scope_->setFont(uiFont(14, true));
  scope_->setBrush(QColor(0x4a, 0x4f, 0x57));
  scope_->setZValue(0);

  pathList_ = new QGraphicsSimpleTextItem;
  QFont mono(QStringLiteral("monospace"));
  mono.setStyleHint(QFont::Monospace);
  mono.setPixelSize(14);
  pathList_->setFont(mono);
  pathList_->setBrush(kTextInk);
  pathList_->setZValue(4);
  scene_->addItem(pathList_);

  token_ = scene_->addEllipse(QRectF(-10, -10, 20, 20), QPen(Qt::white, 3.0), QBrush(kTextInk));
  token_->setZValue(5);
  token_->setVisible(false);
  applyLayout(false);
}

void StateDiagramView::applyLayout(bool compact) {
  compact_ = compact;
  const DiagramLayout& l = compact ? kCompactLayout : kWideLayout;
  scene_->setSceneRect(l.sceneRect);
  for (size_t s = 0; s < nodes_.size(); ++s) nodes_[s]->setPos(l.nodeCentre[s]);
  for (size_t e = 0; e < edges_.size(); ++e) {
    const EdgeGeometry& g = l.edges[e];
    edges_[e]->setGeometry(g, l.nodeCentre[index(g.from)], l.nodeCentre[index(g.to)]);
    labels_[e]->setPos(edges_[e]->path().pointAtPercent(g.labelT) + g.labelOffset);
  }
  caption_->setPos(l.captionPos);
  scope_->setPos(l.captionPos + QPointF(0, 20));
  pathList_->setPos(l.pathListPos);
  advanceReplay();
}

QColor StateDiagramView::stateColor(EventState state) {
  // One palette for the whole app (Okabe-Ito hues, colour-vision-deficiency safe).
  return rs::gui::stateColor(state);
}

QString StateDiagramView::stateTitle(EventState state) {
  switch (state) {
    case EventState::Invalid: return QStringLiteral("Invalid ptr");
    case EventState::NonPending: return QStringLiteral("non-pending");
    case EventState::Pending: return QStringLiteral("pending");
    case EventState::Active: return QStringLiteral("active");
  }
  return QStringLiteral("?");
}

QString StateDiagramView::edgeName(DiagramEdge edge) {
  switch (edge) {
    case DiagramEdge::New: return QStringLiteral("event_new / event_assign");
    case DiagramEdge::Add: return QStringLiteral("event_add");
    case DiagramEdge::DelPending: return QStringLiteral("event_del");
    case DiagramEdge::Ready: return QStringLiteral("fd ready / timeout / signal");
    case DiagramEdge::ManualActivate: return QStringLiteral("event_active");
    case DiagramEdge::DispatchPersist: return QStringLiteral("dispatch (PERSIST)");
    // Back to pending only if PERSIST and added (pending) when activated: an
    // event made active by event_active while not added ends here too.
    case DiagramEdge::DispatchOnce: return QStringLiteral("dispatch (not PERSIST, or not added)");
    case DiagramEdge::DelActive: return QStringLiteral("event_del");
    case DiagramEdge::Free: return QStringLiteral("event_free");
    case DiagramEdge::Count: break;
  }
  return QStringLiteral("?");
}

QString StateDiagramView::formatRate(double perSecond) {
  if (!(perSecond > 0.0)) return QStringLiteral("0/s");
  if (perSecond < 10.0) return QStringLiteral("%1/s").arg(perSecond, 0, 'f', 1);
  if (perSecond < 1000.0) return QStringLiteral("%1/s").arg(std::round(perSecond), 0, 'f', 0);
  if (perSecond < 1e6) return QStringLiteral("%1k/s").arg(perSecond / 1e3, 0, 'f', 1);
  return QStringLiteral("%1M/s").arg(perSecond / 1e6, 0, 'f', 2);
}

QString StateDiagramView::formatCount(quint64 count) {
  if (count < 10000) return QString::number(count);
  if (count < 1000000) {
    // Thin grouping keeps five- and six-digit totals exact and readable.
    return QStringLiteral("%1 %2").arg(count / 1000).arg(count % 1000, 3, 10, QLatin1Char('0'));
  }
  if (count < 1000000000ULL)
    return QStringLiteral("%1M").arg(static_cast<double>(count) / 1e6, 0, 'f', 2);
  return QStringLiteral("%1G").arg(static_cast<double>(count) / 1e9, 0, 'f', 2);
}

void StateDiagramView::setPaused(bool on) {
  paused_ = on;
  updatePathList();
}

void StateDiagramView::setStats(const DiagramStats& stats, const QString& scope) {
  if (paused_) return;
  scope_->setText(scope);
  stats_ = stats;
  for (int s = 0; s < 4; ++s) nodes_[static_cast<size_t>(s)]->setCount(stats.stateCounts[static_cast<size_t>(s)]);
  const qint64 now = clock_.elapsed();
  bool flashing = false;
  for (int e = 0; e < kDiagramEdgeCount; ++e) {
    const size_t i = static_cast<size_t>(e);
    const double rate = std::max(0.0, stats.edgeRate[i]);
    // log scale: 0/s -> 1.6 px, 10/s -> 2.9, 1k/s -> 5.2, capped at 7.
    edges_[i]->setWidth(std::min(7.0, 1.6 + 1.2 * std::log10(1.0 + rate)));
    labels_[i]->setFigures(
        QStringLiteral("%1 · %2 total").arg(formatRate(rate), formatCount(stats.edgeTotal[i])));
    if (stats.edgeTick[i] > 0) {
      flashStartMs_[i] = now;
      edges_[i]->setFlash(1.0);
      flashing = true;
    }
  }
  updateFlashes();
  if (flashing && !flashTimer_->isActive()) flashTimer_->start();
}

void StateDiagramView::updateFlashes() {
  const qint64 now = clock_.elapsed();
  for (size_t i = 0; i < edges_.size(); ++i) {
    DiagramEdgeItem* e = edges_[i];
    if (e->flash() <= 0.0) continue;
    const double age = static_cast<double>(now - flashStartMs_[i]);
    const double f = age >= kFlashMs ? 0.0 : 1.0 - age / kFlashMs;
    e->setFlash(f);
    labels_[i]->setAccent(e->ink(), f);
  }
}

void StateDiagramView::setSelectedPath(const std::vector<PathStep>& path, EventState current,
                                       const QString& eventName) {
  if (paused_) return;
  selectedName_ = eventName;
  // The owner may call this every tick with the same, growing path: animate only
  // the steps not seen yet, so the replay keeps moving instead of restarting.
  size_t firstNew = 0;
  bool continuation = false;
  if (hasSelection_ && !path_.empty()) {
    const PathStep& last = path_.back();
    for (size_t i = path.size(); i-- > 0;) {
      const PathStep& s = path[i];
      if (s.tsNs == last.tsNs && s.from == last.from && s.to == last.to && s.cause == last.cause) {
        continuation = true;
        firstNew = i + 1;
        break;
      }
    }
  }
  if (!continuation) {
    replayQueue_.clear();
    firstNew = path.size() > static_cast<size_t>(kMaxListedSteps) ? path.size() - kMaxListedSteps : 0;
  }
  const bool wasIdle = replayQueue_.empty();
  for (size_t i = firstNew; i < path.size(); ++i) {
    const PathStep& s = path[i];
    const DiagramEdge e = diagramEdgeFor(s.from, s.to, s.cause);
    if (e != DiagramEdge::Count) replayQueue_.push_back({e, s.from, s.to});
  }
  // Bounded: a busy event must not build an ever longer backlog to animate.
  if (replayQueue_.size() > static_cast<size_t>(kMaxListedSteps)) {
    replayQueue_.erase(replayQueue_.begin(),
                       replayQueue_.end() - static_cast<std::ptrdiff_t>(kMaxListedSteps));
    replayStepStartMs_ = clock_.elapsed();
  }
  if (wasIdle && !replayQueue_.empty()) replayStepStartMs_ = clock_.elapsed();

  const size_t keep = std::min(path.size(), static_cast<size_t>(kMaxListedSteps));
  path_.assign(path.end() - static_cast<std::ptrdiff_t>(keep), path.end());
  hasSelection_ = true;
  selectedState_ = current;
  for (int s = 0; s < 4; ++s) nodes_[static_cast<size_t>(s)]->setHighlighted(static_cast<EventState>(s) == current);
  advanceReplay();
  updatePathList();
  if (!replayQueue_.empty() && !flashTimer_->isActive()) flashTimer_->start();
}

void StateDiagramView::clearSelection() {
  if (paused_) return;
  hasSelection_ = false;
  selectedName_.clear();
  selectedState_ = EventState::Invalid;
  path_.clear();
  replayQueue_.clear();
  for (auto* n : nodes_) n->setHighlighted(false);
  advanceReplay();
  updatePathList();
}

void StateDiagramView::advanceReplay() {
  const qint64 now = clock_.elapsed();
  while (!replayQueue_.empty() && now - replayStepStartMs_ >= kReplayStepMs) {
    replayQueue_.erase(replayQueue_.begin());
    replayStepStartMs_ += kReplayStepMs;
    if (now - replayStepStartMs_ > kReplayStepMs) replayStepStartMs_ = now;  // after a stall
  }
  const DiagramEdge previous = replayEdge_;
  if (replayQueue_.empty()) {
    replayEdge_ = DiagramEdge::Count;
    token_->setVisible(false);
  } else {
    const ReplayStep& step = replayQueue_.front();
    replayEdge_ = step.edge;
    // event_active from pending is drawn along the pending -> active arrow.
    const EdgeGeometry& g = (compact_ ? kCompactLayout : kWideLayout).edges[index(step.edge)];
    DiagramEdgeItem* along = edge(step.edge);
    if (g.from != step.from && step.from == EventState::Pending && step.to == EventState::Active)
      along = edge(DiagramEdge::Ready);
    const double t = std::clamp(static_cast<double>(now - replayStepStartMs_) / kReplayStepMs, 0.0, 1.0);
    // Ease in and out so the token reads as leaving one state and arriving at the next.
    const double eased = t * t * (3.0 - 2.0 * t);
    token_->setBrush(stateColor(step.to).darker(120));
    token_->setPos(along->path().pointAtPercent(eased));
    token_->setVisible(true);
  }
  if (previous != replayEdge_) {
    if (previous != DiagramEdge::Count) edge(previous)->setReplaying(false);
    if (replayEdge_ != DiagramEdge::Count) edge(replayEdge_)->setReplaying(true);
    updatePathList();
  }
}

void StateDiagramView::updatePathList() {
  if (!hasSelection_) {
    pathList_->setText(QString());
    pathList_->setVisible(false);
    return;
  }
  QStringList lines;
  // Bounded, so the list stays inside its band of the scene.
  constexpr int kMaxNameChars = 48;
  QString name = selectedName_.isEmpty() ? QStringLiteral("Selected event") : selectedName_;
  if (name.size() > kMaxNameChars) name = name.left(kMaxNameChars - 1) + QChar(0x2026);
  lines << QStringLiteral("%1: now %2%3")
               .arg(name, stateTitle(selectedState_), paused_ ? QStringLiteral("  (paused)") : QString());
  if (path_.empty()) {
    lines << QStringLiteral("  (no transitions recorded)");
  } else {
    lines << QStringLiteral("  last %1 step%2, t in ms from the first listed")
                 .arg(path_.size())
                 .arg(path_.size() == 1 ? "" : "s");
    const qint64 t0 = path_.front().tsNs;
    // The step being animated is the oldest queued one; it is among the listed ones
    // unless the queue was trimmed.
    const size_t animatedFromEnd = replayQueue_.size();
    for (size_t i = 0; i < path_.size(); ++i) {
      const PathStep& s = path_[i];
      const bool animating = animatedFromEnd > 0 && i == path_.size() - animatedFromEnd;
      lines << QStringLiteral("%1%2  %3 → %4  %5")
                   .arg(animating ? QLatin1Char('>') : QLatin1Char(' '))
                   .arg(static_cast<double>(s.tsNs - t0) / 1e6, 10, 'f', 3)
                   .arg(QString::fromLatin1(rs::toString(s.from)), -11)
                   .arg(QString::fromLatin1(rs::toString(s.to)), -11)
                   .arg(QString::fromLatin1(rs::toString(s.cause)));
    }
  }
  pathList_->setText(lines.join(QLatin1Char('\n')));
  pathList_->setVisible(true);
}

qint64 StateDiagramView::displayedCount(EventState state) const { return node(state)->count(); }
QString StateDiagramView::nodeCountText(EventState state) const { return node(state)->countText(); }
QString StateDiagramView::edgeLabelText(DiagramEdge e) const { return labels_[index(e)]->text(); }
double StateDiagramView::edgeRate(DiagramEdge e) const { return stats_.edgeRate[index(e)]; }
quint64 StateDiagramView::edgeTotal(DiagramEdge e) const { return stats_.edgeTotal[index(e)]; }
double StateDiagramView::edgeFlash(DiagramEdge e) const { return edge(e)->flash(); }
double StateDiagramView::edgeWidth(DiagramEdge e) const { return edge(e)->width(); }
EventState StateDiagramView::highlightedState() const {
  return hasSelection_ ? selectedState_ : EventState::Invalid;
}
QString StateDiagramView::pathListText() const { return pathList_->text(); }
QString StateDiagramView::scopeText() const { return scope_->text(); }
QRectF StateDiagramView::pathListSceneRect() const { return pathList_->sceneBoundingRect(); }
QRectF StateDiagramView::labelSceneRect(DiagramEdge e) const { return labels_[index(e)]->sceneBoundingRect(); }
bool StateDiagramView::replayRunning() const { return !replayQueue_.empty(); }

void StateDiagramView::fitScene() {
  const QSize vp = viewport()->size();
  if (vp.height() > 0) {
    const bool compact = static_cast<double>(vp.width()) / vp.height() < kCompactBelowAspect;
    if (compact != compact_) applyLayout(compact);
  }
  fitInView(scene_->sceneRect(), Qt::KeepAspectRatio);
}

void StateDiagramView::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  fitScene();
}

void StateDiagramView::showEvent(QShowEvent* event) {
  QGraphicsView::showEvent(event);
  fitScene();
}

}  // namespace rs::gui
