#include "model/EventFilterProxy.h"

#include "core/Trace.h"
#include "model/EventTableModel.h"

namespace rs::gui {

EventFilterProxy::EventFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {
  setSortRole(EventTableModel::SortRole);
  setDynamicSortFilter(true);
}

void EventFilterProxy::setSessionFilter(int session) {
  if (session == session_) return;
  session_ = session;
  invalidateFilter();
}

void EventFilterProxy::setOwnerFilter(qint64 owner) {
  if (owner == owner_) return;
  owner_ = owner;
  invalidateFilter();
}

void EventFilterProxy::setKindFilter(int kind) {
  if (kind == kind_) return;
  kind_ = kind;
  invalidateFilter();
}

void EventFilterProxy::setStateFilter(int state) {
  if (state == state_) return;
  state_ = state;
  invalidateFilter();
}

void EventFilterProxy::setLabelFilter(const QString& text) {
  if (text == label_) return;
  label_ = text;
  invalidateFilter();
}

void EventFilterProxy::setHideFreed(bool hide) {
  if (hide == hideFreed_) return;
  hideFreed_ = hide;
  invalidateFilter();
}

bool EventFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
  const QAbstractItemModel* m = sourceModel();
  const QModelIndex idx = m->index(sourceRow, 0, sourceParent);
  if (session_ >= 0 && m->data(idx, EventTableModel::SessionRole).toInt() != session_) return false;
  if (owner_ >= 0 && m->data(idx, EventTableModel::OwnerRole).toLongLong() != owner_) return false;
  if (kind_ >= 0 && m->data(idx, EventTableModel::KindRole).toInt() != kind_) return false;
  const int state = m->data(idx, EventTableModel::StateRole).toInt();
  if (state_ >= 0 && state != state_) return false;
  if (hideFreed_ && state == static_cast<int>(EventState::Invalid)) return false;
  if (!label_.isEmpty()) {
    const QString label = m->data(m->index(sourceRow, EventTableModel::ColLabel, sourceParent)).toString();
    if (!label.contains(label_, Qt::CaseInsensitive)) return false;
  }
  return true;
}

}  // namespace rs::gui
