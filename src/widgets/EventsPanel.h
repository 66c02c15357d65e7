// The events table with its filters (session, owner, kind, state, label, hide
// freed, show internal) over a sorting proxy. Emits the selected events for the
// timeline, diagram and buffers. Every row has a context menu: Show in Timeline,
// Show in Buffers (a connection's events), Show peer (the other end of a
// connection: same 4-tuple, swapped), Pin / Unpin (pinned events stay in the
// timeline). The tool's own internal events are hidden until "Show internal
// events" is checked; the count line says how many it hides.
// Thread contract: GUI thread only.
#pragma once
#include <functional>
#include <QWidget>
#include <memory>
#include <utility>
#include <vector>

namespace Ui {
class EventsPanel;
}
class QMenu;
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
  // Pinned events as (session, id), in the order they were pinned.
  std::vector<std::pair<int, quint64>> pinnedEvents() const;
  // Selects the event's row (shown by the filters) and scrolls to it; false if
  // the filters hide it or it has no row.
  bool selectEvent(int session, quint64 id);
  // Selects an event of this owner, the one whose label ends with `what` if any
  // ("read": the peer's read event); clears the session and owner filters if they
  // hide it. False if the owner has no row.
  bool selectOwnerEvent(quint32 owner, const QString& what);
  // The context menu of a table row (proxy row); the caller owns it (tests).
  QMenu* contextMenuFor(int proxyRow);
  // More items for that menu (a replay window's "jump to"), given the row's event.
  void setRowMenuExtension(std::function<void(QMenu* menu, int session, quint64 id)> extend) {
    rowMenuExtension_ = std::move(extend);
  }
  // "Show internal events" is checked (off by default).
  bool showsInternal() const;
  // Session filter choices (id, name).
  void setSessions(const QList<QPair<int, QString>>& sessions);
  // Called once per tick (row count label; the owner choices about once a second).
  void refresh();

 signals:
  void selectionChanged();
  void showInTimeline(int session, quint64 id);
  void showInBuffers(quint32 owner);
  void pinsChanged();

 private:
  void applyFilters();
  void updateOwnerChoices();
  void togglePin(int session, quint64 id, quint64 key);
  std::unique_ptr<Ui::EventsPanel> ui_;
  EventTableModel* model_;
  EventFilterProxy* proxy_;
  std::vector<std::pair<int, quint64>> pins_;
  int refreshes_ = 0;
  std::function<void(QMenu*, int, quint64)> rowMenuExtension_;
};

}  // namespace rs::gui
