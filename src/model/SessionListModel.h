// The sessions panel's rows: one per echo server or load client, with its state,
// chosen port, counters and rates. The controller refreshes it once per tick.
// Thread contract: GUI thread only.
#pragma once
#include <QAbstractTableModel>
#include <QVector>

#include "model/EngineSession.h"

namespace rs::gui {

// A session is over once it is Finished (a client's run ended on its own), Failed
// or Stopped: its row offers Remove (never Stop), and "Clear finished" removes it.
inline bool isOver(EngineSession::Status s) {
  return s == EngineSession::Status::Finished || s == EngineSession::Status::Failed ||
         s == EngineSession::Status::Stopped;
}

struct SessionRow {
  int id = 0;
  EngineSession::Kind kind = EngineSession::Kind::Server;
  QString title;
  EngineSession::Status status = EngineSession::Status::Starting;
  QString statusDetail;  // shown after the status: how a traced program ended ("SIGSEGV", "exit 3")
  QString error;
  uint16_t port = 0;
  quint64 connections = 0;
  quint64 messages = 0;  // client: echoed and verified
  quint64 bytes = 0;     // in + out
  quint64 errors = 0;  // real failures (see EchoServerStats, LoadClientStats)
  quint64 resets = 0;  // server: connections the peer reset (not errors)
  double messagesPerSec = 0;
  double bytesPerSec = 0;
  qint64 p50Ns = 0;
  qint64 p99Ns = 0;
  // A traced program's base (kind Program): what its trace says.
  double transitionsPerSec = 0;
  quint64 traceRecords = 0;
  quint64 traceDropped = 0;
};

class SessionListModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { ColSession = 0, ColStatus, ColPort, ColConnections, ColRate, ColTotals, ColLatency, ColError, ColAction, ColumnCount };
  enum Role { IdRole = Qt::UserRole + 1, StatusRole };

  explicit SessionListModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  void addSession(const SessionRow& row);
  void updateSession(const SessionRow& row);  // by id; one dataChanged per changed row
  void removeSession(int id);
  int rowOfId(int id) const;
  const SessionRow* session(int id) const;
  const QVector<SessionRow>& rows() const { return rows_; }

 private:
  QVector<SessionRow> rows_;
};

QString formatRate(double perSecond, const QString& unit);
QString formatBytes(double bytes);

}  // namespace rs::gui
