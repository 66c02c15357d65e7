// The events table: one row per traced event of every session, straight from the
// frame source's rows (no copy). sync() runs once per GUI tick and turns what the
// tick changed into a few batched signals: one insert range for new events, one
// dataChanged over the dirty range, and removals of events freed long enough ago.
// Thread contract: GUI thread only.
#pragma once
#include <QAbstractTableModel>
#include <QHash>
#include <QSet>

#include <array>

#include "model/FrameSource.h"
#include "workload/EchoServer.h"  // ConnectionEnds

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
    ColEnds,  // a connection's "local → peer" addresses
    ColumnCount
  };
  enum Role {
    SortRole = Qt::UserRole + 1,  // numeric value for sorting
    StateRole,                    // int(EventState)
    KindRole,                     // int(EventKind)
    OwnerRole,                    // owner tag
    SessionRole,                  // session id
    KeyRole,                      // EventRow::key
    OwnerTextRole,                // "105 load conn 7": owner tag and name (the Owner filter's text)
    ConnectionRole,               // bool: the owner is a connection with buffer series
    PinnedRole,                   // bool: pinned (stays in the timeline)
  };

  explicit EventTableModel(FrameSource* source, QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  // Once per tick, after the source took the tick's records. keepFreedNs: how long freed
  // (invalid) events stay visible before they are removed.
  void sync(qint64 nowNs, qint64 keepFreedNs);
  // One reset after the source rebuilt all its rows (a replay's seek).
  void resetRows();
  // Session display names ("server :9000").
  void setSessionName(int session, const QString& name);
  // Pinned events (EventRow::key): shown bold, PinnedRole true.
  void setPinned(const QSet<quint64>& keys);
  const QSet<quint64>& pinned() const { return pinned_; }
  // Rows kept although freed longer than sync()'s keepFreedNs (the selected
  // ones: a closed connection stays inspectable while selected); pinned rows too.
  void setHeld(const QSet<quint64>& keys) { held_ = keys; }
  // Rows of this kind now, by state (indexed by EventState): the events panel
  // counts the internal ones it hides, the diagram leaves them out with them.
  std::array<int, 4> statesOfKind(EventKind kind) const;
  // Connections' ends as their sessions publish them (kept while the owner has
  // rows). A connection's peer is the connection with the same ends swapped: a
  // client's connection and the server's connection it reached. 0 = none known.
  void addEnds(const std::vector<ConnectionEnds>& ends);
  quint32 peerOf(quint32 owner) const;

 private:
  FrameSource* source_;
  static constexpr int kChangeEveryTicks = framesIn(100);  // ~10 times a second
  static constexpr int kBulkRows = 256;
  int announced_ = 0;  // rows the views know about
  quint64 syncCount_ = 0;
  qint64 lastPruneNs_ = 0;
  QHash<int, QString> sessionNames_;
  QSet<quint64> pinned_;
  QSet<quint64> held_;
  struct Ends {
    QString local;
    QString peer;
  };
  QHash<quint32, Ends> ends_;         // owner -> its ends
  QHash<QString, quint32> byEnds_;    // "local|peer" -> owner
  void pruneEnds();
};

QString formatDuration(qint64 ns);
// The name of what owns an event, from its label: up to its first number
// ("echo conn 3 read" -> "echo conn 3"), else without its last word ("load client
// housekeeping" -> "load client"), else the label.
QString ownerName(const QString& label);

}  // namespace rs::gui
