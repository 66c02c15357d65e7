#include "widgets/BuffersView.h"

#include <algorithm>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "model/SessionListModel.h"
#include "widgets/ByteAxisTicker.h"
#include "widgets/PlotLegend.h"

namespace rs::gui {

namespace {
const char* const kBufferNames[kDataBufferCount] = {"kernel receive queue (SIOCINQ)", "input buffer",
                                                    "output buffer", "kernel send queue (SIOCOUTQ)"};
const QColor kBufferColors[kDataBufferCount] = {QColor(0x00, 0x72, 0xb2), QColor(0x00, 0x9e, 0x73),
                                                QColor(0xd5, 0x5e, 0x00), QColor(0xcc, 0x79, 0xa7)};
// The echo server records its output cap as the write high watermark.
const char* const kWatermarkNames[4] = {"read low", "read high", "write low", "write high (output cap)"};

// A bound line joins the y range only once the data comes near it (a quarter
// of the way): a 64-byte echo stays readable under a 1 MiB cap.
void fitBoundLine(QCPItemStraightLine* line, qint64 level, double dataMaxY, double* maxY) {
  line->setVisible(level > 0);
  if (level <= 0) return;
  line->point1->setCoords(0, static_cast<double>(level));
  line->point2->setCoords(1, static_cast<double>(level));
  if (dataMaxY * 4 >= static_cast<double>(level)) *maxY = std::max(*maxY, static_cast<double>(level) * 1.05);
}

// The largest level a step plot shows between lo and hi (s): the samples inside,
// and the one before lo, whose level holds into the window.
double visibleMax(const QVector<double>& keys, const QVector<double>& values, double lo, double hi) {
  double maxY = 0;
  for (qsizetype i = 0; i < keys.size(); ++i) {
    if (keys[i] > hi) break;
    const bool holdsIntoWindow = i + 1 < keys.size() && keys[i + 1] > lo;
    if (keys[i] >= lo || holdsIntoWindow) maxY = std::max(maxY, values[i]);
  }
  return maxY;
}
}  // namespace

BuffersView::BuffersView(const FrameSource* source, QWidget* parent)
    : QWidget(parent), source_(source), plot_(new QCustomPlot(this)), sourceCombo_(new QComboBox(this)),
      title_(new QLabel(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Show"), this));
  sourceCombo_->setObjectName(QStringLiteral("bufferSourceCombo"));
  sourceCombo_->addItem(tr("selected connection"), -1);
  // Session names can be long: the combo does not widen the window for them.
  sourceCombo_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  sourceCombo_->setMinimumContentsLength(24);
  top->addWidget(sourceCombo_);
  // The title can be long (a server's memory figures): it wraps rather than
  // widening the window.
  title_->setWordWrap(true);
  QSizePolicy wraps(QSizePolicy::Ignored, QSizePolicy::Preferred);
  wraps.setHeightForWidth(true);  // as tall as its wrapped lines
  title_->setSizePolicy(wraps);
  title_->setObjectName(QStringLiteral("buffersTitle"));
  top->addWidget(title_, 1);
  layout->addLayout(top);
  layout->addWidget(plot_, 1);

  plot_->setObjectName(QStringLiteral("buffersPlot"));
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->axisRect()->setRangeDrag(Qt::Horizontal);
  plot_->axisRect()->setRangeZoom(Qt::Horizontal);
  plot_->xAxis->setLabel(tr("time (s)"));
  plot_->yAxis->setLabel(tr("bytes"));
  ByteAxisTicker::install(plot_->yAxis);
  placeLegendAboveRect(plot_, 0, 2);
  for (int b = 0; b < kDataBufferCount; ++b) {
    QCPGraph* g = plot_->addGraph();
    g->setName(QString::fromLatin1(kBufferNames[b]));
    g->setLineStyle(QCPGraph::lsStepLeft);
    QPen pen(kBufferColors[b]);
    pen.setWidthF(1.6);
    g->setPen(pen);
  }
  for (int w = 0; w < 4; ++w) {
    auto* line = new QCPItemStraightLine(plot_);
    QPen pen(w < 2 ? kBufferColors[1] : kBufferColors[2]);
    pen.setStyle(w % 2 ? Qt::DashLine : Qt::DotLine);
    line->setPen(pen);
    line->setVisible(false);
    line->setObjectName(QString::fromLatin1(kWatermarkNames[w]));
    watermarkLines_[w] = line;
  }
  budgetLine_ = new QCPItemStraightLine(plot_);
  QPen budgetPen(QColor(0xc0, 0x20, 0x20));
  budgetPen.setStyle(Qt::DashDotLine);
  budgetPen.setWidthF(1.4);
  budgetLine_->setPen(budgetPen);
  budgetLine_->setVisible(false);
  budgetLine_->setObjectName(QStringLiteral("memory budget"));
  connect(plot_, &QCustomPlot::mousePress, this, [this](QMouseEvent*) { follow_ = false; });
  connect(plot_, &QCustomPlot::mouseWheel, this, [this](QWheelEvent*) { follow_ = false; });
  connect(sourceCombo_, &QComboBox::currentIndexChanged, this, [this] { refresh(0); });
}

void BuffersView::setConnection(quint32 owner) { owner_ = owner; }

void BuffersView::setSessions(const QList<QPair<int, QString>>& sessions) {
  const QVariant current = sourceCombo_->currentData();
  QSignalBlocker block(sourceCombo_);
  while (sourceCombo_->count() > 1) sourceCombo_->removeItem(1);
  for (const auto& [id, name] : sessions) sourceCombo_->addItem(tr("all connections of %1").arg(name), id);
  const int i = sourceCombo_->findData(current);
  sourceCombo_->setCurrentIndex(i >= 0 ? i : 0);
}

bool BuffersView::showingAggregate() const {
  return sourceCombo_->currentData().toInt() >= 0 || !source_->connection(owner_);
}

int BuffersView::pointCount() const {
  int n = 0;
  for (int b = 0; b < kDataBufferCount; ++b) n += plot_->graph(b)->dataCount();
  return n;
}

void BuffersView::refresh(qint64 nowNs) {
  if (nowNs == 0) nowNs = source_->originNs() + static_cast<qint64>(plot_->xAxis->range().upper * 1e9);
  if (paused_) return;
  const double origin = static_cast<double>(source_->originNs());
  const ConnectionSeries* conn = source_->connection(owner_);
  int sessionId = sourceCombo_->currentData().toInt();
  if (sessionId < 0 && !conn) {
    // Nothing selected: the first session that has buffer data.
    for (const ConnectionSeries& c : source_->connections()) {
      sessionId = c.session;
      break;
    }
  }
  const SessionTraceStats* st = sessionId >= 0 ? source_->sessionStats(sessionId) : nullptr;
  if (follow_) {
    // A closed connection's levels end where it closed: the window stops there.
    const int shownSession = conn && sessionId < 0 ? conn->session : sessionId;
    qint64 edgeNs = source_->liveEdgeNs(nowNs, shownSession >= 0 ? std::vector<int>{shownSession} : std::vector<int>{});
    if (conn && sessionId < 0 && !source_->ownerAlive(conn->owner))
      edgeNs = std::min(edgeNs, conn->lastNs + kClosedMarginNs);
    const double now = (static_cast<double>(edgeNs) - origin) / 1e9;
    plot_->xAxis->setRange(now - kWindowSec, now);
  }
  // The y axis fits what the x window shows, so it shrinks back once a large
  // level scrolls out (or the user pans away from it).
  const QCPRange shown = plot_->xAxis->range();
  double maxY = 1;
  QVector<double> keys;
  QVector<double> values;
  for (int b = 0; b < kDataBufferCount; ++b) {
    const SpanRing<LevelSample>* ring = nullptr;
    if (sessionId >= 0) ring = st ? &st->aggregate[static_cast<size_t>(b)] : nullptr;
    else if (conn) ring = &conn->levels[static_cast<size_t>(b)];
    keys.clear();
    values.clear();
    if (ring) {
      keys.reserve(static_cast<int>(ring->size()) + 1);
      values.reserve(static_cast<int>(ring->size()) + 1);
      for (size_t i = 0; i < ring->size(); ++i) {
        const LevelSample& s = (*ring)[i];
        keys.push_back((static_cast<double>(s.tsNs) - origin) / 1e9);
        values.push_back(static_cast<double>(s.bytes));
      }
      if (!ring->empty()) {  // hold the last level up to now
        keys.push_back((static_cast<double>(nowNs) - origin) / 1e9);
        values.push_back(static_cast<double>(ring->back().bytes));
      }
    }
    maxY = std::max(maxY, visibleMax(keys, values, shown.lower, shown.upper));
    plot_->graph(b)->setData(keys, values, true);
  }
  const double dataMaxY = maxY;
  for (int w = 0; w < 4; ++w) {
    const qint64 level = (sessionId < 0 && conn) ? conn->watermarks[static_cast<size_t>(w)] : -1;
    fitBoundLine(watermarkLines_[w], level, dataMaxY, &maxY);
  }
  const EchoServerStats* server = nullptr;
  if (sessionId >= 0) {
    const auto figures = source_->figures().find(sessionId);
    if (figures != source_->figures().end() && figures->second.server) server = &*figures->second.server;
  }
  fitBoundLine(budgetLine_, server ? static_cast<qint64>(server->memoryBudgetBytes) : -1, dataMaxY, &maxY);
  if (sessionId >= 0) {
    QString memory;
    if (server) {
      memory = tr("; buffered %1 (peak %2), budget %3, %4 paused")
                   .arg(formatBytes(static_cast<double>(server->bufferedBytes)),
                        formatBytes(static_cast<double>(server->peakBufferedBytes)),
                        server->memoryBudgetBytes ? formatBytes(static_cast<double>(server->memoryBudgetBytes))
                                                  : tr("unlimited"))
                   .arg(server->pausedConnections);
    }
    title_->setText((sourceCombo_->currentData().toInt() >= 0
                         ? tr("sum over the session's live connections, sampled each frame")
                         : tr("no connection selected (pick an event of a connection in the Events tab): "
                              "sum over session #%1's live connections").arg(sessionId)) +
                    memory);
  } else if (conn) {
    QString wm;
    for (int w = 0; w < 4; ++w)
      if (conn->watermarks[static_cast<size_t>(w)] > 0)
        wm += QStringLiteral("  %1 %2").arg(QString::fromLatin1(kWatermarkNames[w])).arg(formatBytes(static_cast<double>(conn->watermarks[static_cast<size_t>(w)])));
    title_->setText(tr("connection %1 (fd %2)%3%4")
                        .arg(conn->owner)
                        .arg(conn->fd)
                        .arg(source_->ownerAlive(conn->owner) ? QString() : tr(" — closed"))
                        .arg(wm.isEmpty() ? QString() : tr(", watermarks:") + wm));
  } else {
    title_->setText(tr("no buffer data yet: start a server and a client"));
  }
  plot_->yAxis->setRange(0, maxY * 1.1);
  if (isVisible()) plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace rs::gui
