#include "widgets/DiagramScope.h"

#include <QAbstractProxyModel>

namespace rs::gui {

DiagramScope scopeDiagram(const FrameSource& frame, const QAbstractProxyModel& shown, int session) {
  DiagramScope out;
  const SessionTraceStats* st = session >= 0 ? frame.sessionStats(session) : nullptr;
  out.stats = st ? DiagramStats{} : frame.diagramStats();
  if (st) {
    out.stats.edgeRate = st->edgeRate;
    out.stats.edgeTotal = st->edgeTotal;
    out.stats.edgeTick = st->edgeTick;
  }
  // The table announces new rows in batches: compare with what it has.
  const int total = shown.sourceModel() ? shown.sourceModel()->rowCount() : frame.rowCount();
  const int rows = shown.rowCount();
  const bool all = rows == total && session < 0;
  if (!all) {
    std::array<qint64, 4> counts{};
    for (int r = 0; r < rows; ++r) {
      const int source = shown.mapToSource(shown.index(r, 0)).row();
      if (source < 0 || source >= frame.rowCount()) continue;
      const EventRow& e = frame.row(source);
      if (!e.freedAtNs) ++counts[static_cast<size_t>(e.state)];
    }
    // "Invalid ptr" counts the events freed so far: of the shown session, or all.
    counts[static_cast<size_t>(EventState::Invalid)] =
        st ? static_cast<qint64>(st->edgeTotal[static_cast<size_t>(DiagramEdge::Free)])
           : out.stats.stateCounts[static_cast<size_t>(EventState::Invalid)];
    out.stats.stateCounts = counts;
  }
  const QString arrows = session >= 0 ? QObject::tr("arrows: session #%1's transitions").arg(session)
                                      : QObject::tr("arrows: all sessions' transitions");
  out.description = all ? QObject::tr("Showing all %1 events of all sessions").arg(total)
                        : QObject::tr("Showing the %1 of %2 events the Events tab's filter shows")
                              .arg(rows)
                              .arg(total);
  out.description += QStringLiteral("  ·  ") + arrows;
  return out;
}

}  // namespace rs::gui
