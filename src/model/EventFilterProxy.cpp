#include "model/EventFilterProxy.h"

#include "core/Trace.h"
#include "model/EventTableModel.h"

namespace rs::gui {

EventFilterProxy::EventFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {
  setSortRole(EventTableModel::SortRole);
  setDynamicSortFilter(true);
}

// Each filter changes in one place: a new value refilters, the same one does nothing.
template <typename T>
void EventFilterProxy::setFilter(T* field, const T& value) {
  if (*field == value) return;
  *field = value;
  invalidateFilter();
}

void EventFilterProxy::setSessionFilter(int session) { setFilter(&session_, session); }
void EventFilterProxy::setOwnerFilter(const QString& text) { setFilter(&owner_, text); }
void EventFilterProxy::setKindFilter(int kind) { setFilter(&kind_, kind); }
void EventFilterProxy::setStateFilter(int state) { setFilter(&state_, state); }
void EventFilterProxy::setLabelFilter(const QString& text) { setFilter(&label_, text); }
void EventFilterProxy::setHideFreed(bool hide) { setFilter(&hideFreed_, hide); }
void EventFilterProxy::setShowInternal(bool show) { setFilter(&showInternal_, show); }

bool EventFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
  const QAbstractItemModel* m = sourceModel();
  const QModelIndex idx = m->index(sourceRow, 0, sourceParent);
  if (session_ >= 0 && m->data(idx, EventTableModel::SessionRole).toInt() != session_) return false;
  if (!owner_.isEmpty() &&
      !m->data(idx, EventTableModel::OwnerTextRole).toString().contains(owner_, Qt::CaseInsensitive))
    return false;
  const int kind = m->data(idx, EventTableModel::KindRole).toInt();
  if (kind_ >= 0 && kind != kind_) return false;
  if (!showInternal_ && kind == static_cast<int>(EventKind::Internal) && kind_ != kind) return false;
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
