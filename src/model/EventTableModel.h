// The events table: one row per traced event of every session, straight from the
// frame source's rows (no copy). sync() runs once per GUI tick and turns what the
// tick changed into a few batched signals: one insert range for new events, one
// dataChanged over the dirty range, and removals of events freed long enough ago.
// Thread contract: GUI thread only.
#pragma once
#include <QAbstractTableModel>
#include <QHash>

#include "model/FrameSource.h"

namespace rs::gui {

class EventTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column {
    ColSession = 0,
    ColId,
    ColOwner,
    ColLabel,
    ColKind,
    ColFd,
    ColFlags,
    ColState,
    ColActivations,
    ColLastCallback,
    ColTotalCallback,
    ColLastCause,
    ColumnCount
  };
  enum Role {
    SortRole = Qt::UserRole + 1,  // numeric value for sorting
    StateRole,                    // int(EventState)
    KindRole,                     // int(EventKind)
    OwnerRole,                    // owner tag
    SessionRole,                  // session id
    KeyRole,                      // EventRow::key
  };

  explicit EventTableModel(FrameSource* source, QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  // Once per tick, after the source took the tick's records. keepFreedNs: how long freed
  // (invalid) events stay visible before they are removed.
  void sync(qint64 nowNs, qint64 keepFreedNs);
  // Session display names ("server :9000").
  void setSessionName(int session, const QString& name);

 private:
  FrameSource* source_;
  static constexpr int kChangeEveryTicks = framesIn(100);  // ~10 times a second
  static constexpr int kBulkRows = 256;
  int announced_ = 0;  // rows the views know about
  quint64 syncCount_ = 0;
  qint64 lastPruneNs_ = 0;
  QHash<int, QString> sessionNames_;
};

QString formatDuration(qint64 ns);

}  // namespace rs::gui
