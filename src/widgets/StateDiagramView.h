// The tutorial's event state diagram (Invalid ptr -> non-pending -> pending ->
// active), drawn live: each state node shows how many events are in it now, each
// edge of DiagramEdge is a labelled arrow with its rate and total that flashes as
// transitions pass, and a selected event's recent path is replayed along the edges.
//
// Thread contract: GUI thread only. The owner feeds setStats() once per GUI tick.
#pragma once
#include <QColor>
#include <QElapsedTimer>
#include <QGraphicsView>
#include <QPointF>
#include <QString>

#include <array>
#include <vector>

#include "model/DiagramStats.h"

class QGraphicsScene;
class QGraphicsSimpleTextItem;
class QGraphicsEllipseItem;
class QTimer;

namespace rs::gui {

class DiagramNodeItem;
class DiagramEdgeItem;
class DiagramLabelItem;

class StateDiagramView : public QGraphicsView {
  Q_OBJECT

 public:
  explicit StateDiagramView(QWidget* parent = nullptr);
  ~StateDiagramView() override;

  // Counts, rates and totals of one GUI tick; edges with edgeTick > 0 flash.
  // `scope` says which events they are of (shown under the figure).
  void setStats(const rs::gui::DiagramStats& stats, const QString& scope = {});
  // Highlights `current` and replays the last steps of `path` (oldest first);
  // the step list is headed by `eventName`.
  void setSelectedPath(const std::vector<rs::gui::PathStep>& path, rs::EventState current,
                       const QString& eventName = {});
  void clearSelection();
  // Paused: counts, rates, selection and step list stay as they are (readable
  // under load) until resumed; the next update then shows the present.
  void setPaused(bool on);
  bool isPaused() const { return paused_; }

  // The one palette of the four states (model/StateColors.h), as the events table
  // and timeline draw them.
  static QColor stateColor(rs::EventState state);
  // Node captions as in the tutorial's figure ("Invalid ptr", "non-pending", ...).
  static QString stateTitle(rs::EventState state);
  // What moves an event along `edge` ("event_add", "fd ready / timeout / signal", ...).
  static QString edgeName(rs::gui::DiagramEdge edge);
  // "0/s", "7.5/s", "312/s", "12.3k/s", "1.25M/s".
  static QString formatRate(double perSecond);
  // "0", "9999", "12 345", "1.23M".
  static QString formatCount(quint64 count);

  // Read accessors (tests, tooltips).
  qint64 displayedCount(rs::EventState state) const;
  QString nodeCountText(rs::EventState state) const;
  QString edgeLabelText(rs::gui::DiagramEdge edge) const;
  double edgeRate(rs::gui::DiagramEdge edge) const;
  quint64 edgeTotal(rs::gui::DiagramEdge edge) const;
  // 1.0 right after a tick with transitions on the edge, fading to 0 over ~300 ms.
  double edgeFlash(rs::gui::DiagramEdge edge) const;
  double edgeWidth(rs::gui::DiagramEdge edge) const;
  bool hasSelection() const { return hasSelection_; }
  // The selected event's current state; Invalid when nothing is selected.
  rs::EventState highlightedState() const;
  // The corner list of the selection's last steps ("" when nothing is selected).
  QString pathListText() const;
  // What the counts are of (the Events tab's filter), as shown under the figure.
  QString scopeText() const;
  // Scene rectangles of the step list and of an edge's label (tests: no overlap).
  QRectF pathListSceneRect() const;
  QRectF labelSceneRect(rs::gui::DiagramEdge edge) const;
  // Edge the replay is currently moving along; Count when idle.
  rs::gui::DiagramEdge replayEdge() const { return replayEdge_; }
  bool replayRunning() const;
  // True when the viewport is squarer than 1.6:1 and the compact arrangement (Invalid
  // ptr above non-pending) is used; otherwise the wide one of docs/architecture.md ("Event states").
  bool compactLayout() const { return compact_; }

  static constexpr int kFlashMs = 300;
  static constexpr int kReplayStepMs = 450;
  static constexpr int kMaxListedSteps = 8;

 protected:
  void resizeEvent(QResizeEvent* event) override;
  void showEvent(QShowEvent* event) override;

 private:
  void buildScene();
  void applyLayout(bool compact);
  void fitScene();
  void updateFlashes();
  void advanceReplay();
  void updatePathList();
  DiagramNodeItem* node(rs::EventState s) const { return nodes_[static_cast<size_t>(s)]; }
  DiagramEdgeItem* edge(rs::gui::DiagramEdge e) const { return edges_[static_cast<size_t>(e)]; }

  QGraphicsScene* scene_ = nullptr;
  std::array<DiagramNodeItem*, 4> nodes_{};
  std::array<DiagramEdgeItem*, kDiagramEdgeCount> edges_{};
  std::array<DiagramLabelItem*, kDiagramEdgeCount> labels_{};
  QGraphicsSimpleTextItem* pathList_ = nullptr;
  QGraphicsSimpleTextItem* caption_ = nullptr;
  bool compact_ = false;
  QGraphicsEllipseItem* token_ = nullptr;

  DiagramStats stats_{};
  std::array<qint64, kDiagramEdgeCount> flashStartMs_{};
  QElapsedTimer clock_;
  QTimer* flashTimer_ = nullptr;

  QGraphicsSimpleTextItem* scope_ = nullptr;
  bool paused_ = false;
  bool hasSelection_ = false;
  QString selectedName_;
  rs::EventState selectedState_ = rs::EventState::Invalid;
  struct ReplayStep {
    rs::gui::DiagramEdge edge;
    rs::EventState from;
    rs::EventState to;
  };
  std::vector<rs::gui::PathStep> path_;  // the last steps, oldest first
  std::vector<ReplayStep> replayQueue_;  // steps still to animate, oldest first
  qint64 replayStepStartMs_ = 0;
  rs::gui::DiagramEdge replayEdge_ = rs::gui::DiagramEdge::Count;
};

}  // namespace rs::gui
