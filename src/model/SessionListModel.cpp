#include "model/SessionListModel.h"

#include <QBrush>
#include <QColor>

#include "model/EventTableModel.h"
#include "workload/Format.h"

namespace rs::gui {

QString formatRate(double v, const QString& unit) {
  return QString::fromStdString(formatRateSpaced(v, unit.toStdString()));
}

QString formatBytes(double b) { return QString::fromStdString(formatBytesSpaced(b)); }

SessionListModel::SessionListModel(QObject* parent) : QAbstractTableModel(parent) {}

int SessionListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int SessionListModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant SessionListModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case ColSession: return tr("Session");
    case ColStatus: return tr("State");
    case ColPort: return tr("Port");
    case ColConnections: return tr("Conns");
    case ColRate: return tr("Rate");
    case ColTotals: return tr("Totals");
    case ColLatency: return tr("p50 / p99");
    case ColError: return tr("Details");  // an error, or how a traced program ended
    case ColAction: return QString();
    default: return {};
  }
}

QVariant SessionListModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rows_.size() || index.column() >= ColumnCount) return {};
  const SessionRow& r = rows_[index.row()];
  if (role == IdRole) return r.id;
  if (role == StatusRole) return static_cast<int>(r.status);
  const bool client = r.kind == EngineSession::Kind::Client;
  const bool program = r.kind == EngineSession::Kind::Program;
  if (role == Qt::DisplayRole && program && (index.column() == ColRate || index.column() == ColTotals)) {
    if (index.column() == ColRate) return formatRate(r.transitionsPerSec, QStringLiteral("transitions"));
    return QStringLiteral("%1 records, %2 dropped").arg(r.traceRecords).arg(r.traceDropped);
  }
  if (role == Qt::DisplayRole) {
    switch (index.column()) {
      case ColSession: return QStringLiteral("#%1 %2").arg(r.id).arg(r.title);
      case ColStatus:
        return r.statusDetail.isEmpty() ? QString::fromLatin1(toString(r.status))
                                        : QStringLiteral("%1 (%2)").arg(QLatin1String(toString(r.status)), r.statusDetail);
      case ColPort: return r.port ? QVariant(r.port) : QVariant(QStringLiteral("–"));
      case ColConnections: return r.connections;
      case ColRate:
        return client ? formatRate(r.messagesPerSec, QStringLiteral("msg")) + QStringLiteral(", ") +
                            formatRate(r.bytesPerSec, QStringLiteral("B"))
                      : formatRate(r.bytesPerSec, QStringLiteral("B"));
      case ColTotals:
        return client ? QStringLiteral("%1 msgs, %2, %3 errors").arg(r.messages).arg(formatBytes(static_cast<double>(r.bytes))).arg(r.errors)
                      : QStringLiteral("%1, %2 errors, %3 resets")
                            .arg(formatBytes(static_cast<double>(r.bytes)))
                            .arg(r.errors)
                            .arg(r.resets);
      case ColLatency:
        return client && r.p50Ns ? formatDuration(r.p50Ns) + QStringLiteral(" / ") + formatDuration(r.p99Ns)
                                 : QString();
      case ColError: return r.error;
      default: return {};
    }
  }
  if (role == Qt::ToolTipRole && index.column() == ColError) return r.error;
  if (role == Qt::ToolTipRole && index.column() == ColTotals)
    return client ? tr("errors: connections refused or reset by the server, timeouts, echo mismatches")
                  : tr("errors: accept failures, refusals over max connections, socket errors and timeouts.\n"
                       "resets: connections the peer aborted (RST, e.g. an rst-fault client): not a server error.");
  if (role == Qt::ForegroundRole && (index.column() == ColError || index.column() == ColStatus) &&
      r.status == EngineSession::Status::Failed)
    return QBrush(QColor(0xc0, 0x20, 0x20));
  return {};
}

int SessionListModel::rowOfId(int id) const {
  for (int i = 0; i < rows_.size(); ++i)
    if (rows_[i].id == id) return i;
  return -1;
}

const SessionRow* SessionListModel::session(int id) const {
  const int i = rowOfId(id);
  return i < 0 ? nullptr : &rows_[i];
}

void SessionListModel::addSession(const SessionRow& row) {
  const auto n = static_cast<int>(rows_.size());
  beginInsertRows({}, n, n);
  rows_.push_back(row);
  endInsertRows();
}

void SessionListModel::updateSession(const SessionRow& row) {
  const int i = rowOfId(row.id);
  if (i < 0) return;
  SessionRow& r = rows_[i];
  const bool changed = r.status != row.status || r.statusDetail != row.statusDetail || r.error != row.error || r.port != row.port ||
                       r.connections != row.connections || r.messages != row.messages ||
                       r.bytes != row.bytes || r.errors != row.errors || r.resets != row.resets ||
                       r.messagesPerSec != row.messagesPerSec || r.bytesPerSec != row.bytesPerSec ||
                       r.p50Ns != row.p50Ns || r.p99Ns != row.p99Ns || r.title != row.title ||
                       r.transitionsPerSec != row.transitionsPerSec || r.traceRecords != row.traceRecords ||
                       r.traceDropped != row.traceDropped;
  if (!changed) return;
  r = row;
  emit dataChanged(index(i, 0), index(i, ColumnCount - 1), {Qt::DisplayRole, Qt::ToolTipRole, Qt::ForegroundRole, StatusRole});
}

void SessionListModel::removeSession(int id) {
  const int i = rowOfId(id);
  if (i < 0) return;
  beginRemoveRows({}, i, i);
  rows_.removeAt(i);
  endRemoveRows();
}

}  // namespace rs::gui
