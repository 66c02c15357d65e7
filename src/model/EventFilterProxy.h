// Filtering and sorting of the events table: by session, owner (text contained in
// "tag name", e.g. "105 load conn 7"), kind, state and a label substring, with the
// tool's own internal events (EventKind::Internal: loop wakeup, buffer samplers)
// shown or hidden; sorting on each column's numeric SortRole.
// Thread contract: GUI thread only.
#pragma once
#include <QSortFilterProxyModel>

namespace rs::gui {

class EventFilterProxy : public QSortFilterProxyModel {
  Q_OBJECT
 public:
  explicit EventFilterProxy(QObject* parent = nullptr);

  // -1 = any.
  void setSessionFilter(int session);
  // Owner: case-insensitive substring of the OwnerTextRole; empty = any.
  void setOwnerFilter(const QString& text);
  void setKindFilter(int kind);
  void setStateFilter(int state);
  void setLabelFilter(const QString& text);
  void setHideFreed(bool hide);
  // Internal events are shown unless this is off (the events panel turns it off
  // by default); a kind filter of Internal shows them anyway.
  void setShowInternal(bool show);
  int sessionFilter() const { return session_; }

 protected:
  bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

 private:
  template <typename T>
  void setFilter(T* field, const T& value);

  int session_ = -1;
  QString owner_;
  int kind_ = -1;
  int state_ = -1;
  bool hideFreed_ = false;
  bool showInternal_ = true;
  QString label_;
};

}  // namespace rs::gui
