// The events table with its filters (session, owner, kind, state, label) over a
// sorting proxy. Emits the selected events for the timeline, diagram and buffers.
// Thread contract: GUI thread only.
#pragma once
#include <QWidget>
#include <memory>
#include <utility>
#include <vector>

namespace Ui {
class EventsPanel;
}
class QTableView;

namespace rs::gui {

class EventFilterProxy;
class EventTableModel;

class EventsPanel : public QWidget {
  Q_OBJECT
 public:
  explicit EventsPanel(EventTableModel* model, QWidget* parent = nullptr);
  ~EventsPanel() override;

  QTableView* table() const;
  EventFilterProxy* proxy() const { return proxy_; }
  // Selected events as (session, id), top to bottom; at most `max`.
  std::vector<std::pair<int, quint64>> selectedEvents(int max = 64) const;
  // The first `max` rows the filter shows (when nothing is selected).
  std::vector<std::pair<int, quint64>> visibleEvents(int max) const;
  // Session filter choices (id, name).
  void setSessions(const QList<QPair<int, QString>>& sessions);
  // Called once per tick (row count label).
  void refresh();

 signals:
  void selectionChanged();

 private:
  void applyFilters();
  std::unique_ptr<Ui::EventsPanel> ui_;
  EventTableModel* model_;
  EventFilterProxy* proxy_;
};

}  // namespace rs::gui
