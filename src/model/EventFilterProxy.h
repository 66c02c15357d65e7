// Filtering and sorting of the events table: by session, owner tag, kind, state
// and a label substring; sorting on each column's numeric SortRole.
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
  void setOwnerFilter(qint64 owner);
  void setKindFilter(int kind);
  void setStateFilter(int state);
  void setLabelFilter(const QString& text);
  void setHideFreed(bool hide);
  int sessionFilter() const { return session_; }

 protected:
  bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

 private:
  template <typename T>
  void setFilter(T* field, const T& value);

  int session_ = -1;
  qint64 owner_ = -1;
  int kind_ = -1;
  int state_ = -1;
  bool hideFreed_ = false;
  QString label_;
};

}  // namespace rs::gui
