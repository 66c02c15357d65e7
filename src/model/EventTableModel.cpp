#include "model/EventTableModel.h"

#include <QBrush>
#include <QFont>
#include <QStringList>

#include "core/Event.h"
#include "model/StateColors.h"
#include "workload/Format.h"

namespace rs::gui {

QString formatDuration(qint64 ns) { return QString::fromStdString(formatDurationSpaced(ns)); }

QString ownerName(const QString& label) {
  const QStringList words = label.split(QLatin1Char(' '), Qt::SkipEmptyParts);
  for (int i = 0; i < words.size(); ++i) {
    bool number = false;
    (void)words[i].toULongLong(&number);
    if (number) return words.mid(0, i + 1).join(QLatin1Char(' '));
  }
  return words.size() > 1 ? words.mid(0, words.size() - 1).join(QLatin1Char(' ')) : label;
}

EventTableModel::EventTableModel(FrameSource* source, QObject* parent)
    : QAbstractTableModel(parent), source_(source) {}

int EventTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : announced_;
}

int EventTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case ColSession: return tr("Session");
    case ColId: return tr("Id");
    case ColOwner: return tr("Owner");
    case ColLabel: return tr("Label");
    case ColKind: return tr("Kind");
    case ColFd: return tr("Fd");
    case ColFlags: return tr("Flags");
    case ColState: return tr("State");
    case ColActivations: return tr("Activations");
    case ColLastCallback: return tr("Last callback");
    case ColTotalCallback: return tr("Total callback");
    case ColLastCause: return tr("Last cause");
    case ColEnds: return tr("Local → peer");
    default: return {};
  }
}

QVariant EventTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= announced_ || index.column() >= ColumnCount) return {};
  const EventRow& e = source_->row(index.row());
  switch (role) {
    case StateRole: return static_cast<int>(e.state);
    case KindRole: return static_cast<int>(e.kind);
    case OwnerRole: return e.owner;
    case SessionRole: return e.session;
    case KeyRole: return e.key;
    case OwnerTextRole: {
      auto it = ends_.constFind(e.owner);
      const QString text = QStringLiteral("%1 %2").arg(e.owner).arg(ownerName(e.label));
      return it == ends_.constEnd() ? text : text + QLatin1Char(' ') + it->local;
    }
    case ConnectionRole: return e.owner != 0 && source_->connection(e.owner) != nullptr;
    case PinnedRole: return pinned_.contains(e.key);
    default: break;
  }
  const int col = index.column();
  if (role == Qt::DisplayRole) {
    switch (col) {
      case ColSession: {
        auto it = sessionNames_.constFind(e.session);
        return it != sessionNames_.constEnd() ? *it : QString::number(e.session);
      }
      case ColId: return e.id;
      case ColOwner: return e.owner;
      case ColLabel: return e.label;
      case ColKind: return QString::fromLatin1(toString(e.kind));
      case ColFd: return e.fd;
      case ColFlags: return QString::fromStdString(eventFlagsToString(e.events));
      case ColState: return QString::fromLatin1(stateTitle(e.state));
      case ColActivations: return e.activations;
      case ColLastCallback:
        return e.callbackCutShort ? tr("never returned (%1)").arg(formatDuration(e.lastCallbackNs))
                                  : formatDuration(e.lastCallbackNs);
      case ColTotalCallback: return formatDuration(e.totalCallbackNs);
      case ColLastCause: return QString::fromLatin1(toString(e.lastCause));
      case ColEnds: {
        auto it = ends_.constFind(e.owner);
        return it == ends_.constEnd() ? QString() : it->local + QStringLiteral(" → ") + it->peer;
      }
      default: return {};
    }
  }
  if (role == SortRole) {
    switch (col) {
      // Grouped by session, then by id (ids restart at 1 in every session and
      // would interleave the sessions' events, in the table and the timeline's lanes).
      case ColSession:
      case ColId: return e.key;
      case ColOwner: return e.owner;
      case ColLabel: return e.label;
      case ColKind: return static_cast<int>(e.kind);
      case ColFd: return e.fd;
      case ColFlags: return static_cast<int>(e.events);
      case ColState: return static_cast<int>(e.state);
      case ColActivations: return e.activations;
      case ColLastCallback: return e.lastCallbackNs;
      case ColTotalCallback: return e.totalCallbackNs;
      case ColLastCause: return static_cast<int>(e.lastCause);
      case ColEnds: return data(index, Qt::DisplayRole);
      default: return {};
    }
  }
  if (role == Qt::BackgroundRole && col == ColState) {
    QColor c = stateColor(e.state);
    c.setAlpha(110);
    return QBrush(c);
  }
  if (role == Qt::ForegroundRole && e.freedAtNs) return QBrush(QColor(0x80, 0x80, 0x80));
  if (role == Qt::TextAlignmentRole) {
    switch (col) {
      case ColId: case ColOwner: case ColFd: case ColActivations: case ColLastCallback:
      case ColTotalCallback:
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
      default: return {};
    }
  }
  if (role == Qt::ToolTipRole && col == ColLabel) return e.label;
  if (role == Qt::ToolTipRole && col == ColLastCallback && e.callbackCutShort)
    return tr("The process ended inside this callback (it crashed there, or exited from it): shown until the session's end.");
  if (role == Qt::ToolTipRole && col == ColOwner) return ownerName(e.label);
  if (role == Qt::FontRole && pinned_.contains(e.key)) {
    QFont bold;
    bold.setBold(true);
    return bold;
  }
  return {};
}

void EventTableModel::setPinned(const QSet<quint64>& keys) {
  if (keys == pinned_) return;
  pinned_ = keys;
  if (announced_ > 0) emit dataChanged(index(0, 0), index(announced_ - 1, ColumnCount - 1), {Qt::FontRole, PinnedRole});
}

void EventTableModel::addEnds(const std::vector<ConnectionEnds>& ends) {
  for (const ConnectionEnds& c : ends) {
    if (ends_.contains(c.owner)) continue;
    const Ends e{QString::fromStdString(c.local), QString::fromStdString(c.peer)};
    ends_.insert(c.owner, e);
    byEnds_.insert(e.local + QLatin1Char('|') + e.peer, c.owner);  // a reused port: the newest
  }
}

quint32 EventTableModel::peerOf(quint32 owner) const {
  auto it = ends_.constFind(owner);
  if (it == ends_.constEnd()) return 0;
  return byEnds_.value(it->peer + QLatin1Char('|') + it->local, 0);
}

// Ends of owners without rows go (once a second, with the freed rows).
void EventTableModel::pruneEnds() {
  QSet<quint32> owners;
  for (int i = 0; i < source_->rowCount(); ++i) owners.insert(source_->row(i).owner);
  for (auto it = ends_.begin(); it != ends_.end();) {
    if (owners.contains(it.key())) {
      ++it;
      continue;
    }
    const QString key = it->local + QLatin1Char('|') + it->peer;
    if (byEnds_.value(key) == it.key()) byEnds_.remove(key);  // not a newer connection's
    it = ends_.erase(it);
  }
}

std::array<int, 4> EventTableModel::statesOfKind(EventKind kind) const {
  std::array<int, 4> n{};
  for (int i = 0; i < announced_; ++i) {
    const EventRow& e = source_->row(i);
    if (e.kind == kind) ++n[static_cast<size_t>(e.state)];
  }
  return n;
}

void EventTableModel::setSessionName(int session, const QString& name) {
  sessionNames_.insert(session, name);
  if (announced_ > 0)
    emit dataChanged(index(0, ColSession), index(announced_ - 1, ColSession), {Qt::DisplayRole});
}

void EventTableModel::resetRows() {
  beginResetModel();
  announced_ = source_->rowCount();
  (void)source_->takeDirtyRange();
  endResetModel();
}

void EventTableModel::sync(qint64 nowNs, qint64 keepFreedNs) {
  // 1. Changes of rows the views already know, about 10 times a second: one
  //    dataChanged over the dirty range, only the columns that change after
  //    creation (so a proxy sorted by id/label/owner doesn't re-sort).
  if (++syncCount_ % kChangeEveryTicks == 0 || announced_ < 64) {
    auto [first, last] = source_->takeDirtyRange();
    if (first >= 0 && first < announced_) {
      const int to = std::min(last, announced_ - 1);
      emit dataChanged(index(first, ColLabel), index(to, ColumnCount - 1),
                       {Qt::DisplayRole, SortRole, StateRole, Qt::BackgroundRole, Qt::ForegroundRole});
    }
  }
  // 2. New rows, one batch. A burst that would scatter through a sorted proxy
  //    (thousands of connections at once) is cheaper as a reset.
  const int total = source_->rowCount();
  if (total > announced_) {
    const int added = total - announced_;
    if (added > kBulkRows && added > announced_ / 4) {
      beginResetModel();
      announced_ = total;
      (void)source_->takeDirtyRange();
      endResetModel();
    } else {
      beginInsertRows({}, announced_, total - 1);
      announced_ = total;
      endInsertRows();
    }
  }
  // 3. Freed events leave after keepFreedNs, checked about once a second:
  //    contiguous runs removed from the bottom up, or one reset for many.
  if (nowNs - lastPruneNs_ < 1'000'000'000) return;
  lastPruneNs_ = nowNs;
  pruneEnds();
  std::vector<int> expired = source_->expiredRows(nowNs, keepFreedNs);
  if (!held_.isEmpty() || !pinned_.isEmpty())
    std::erase_if(expired, [this](int row) {
      const quint64 key = source_->row(row).key;
      return held_.contains(key) || pinned_.contains(key);
    });
  if (expired.empty()) return;
  if (static_cast<int>(expired.size()) > kBulkRows) {
    beginResetModel();
    source_->removeRowsSorted(expired);
    announced_ = source_->rowCount();
    endResetModel();
    return;
  }
  size_t end = expired.size();
  while (end > 0) {
    size_t begin = end - 1;
    while (begin > 0 && expired[begin - 1] == expired[begin] - 1) --begin;
    const int a = expired[begin];
    const int b = expired[end - 1];
    beginRemoveRows({}, a, b);
    source_->removeRows(a, b);
    announced_ -= b - a + 1;
    endRemoveRows();
    end = begin;
  }
}

}  // namespace rs::gui
