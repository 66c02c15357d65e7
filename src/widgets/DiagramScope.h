// What the state diagram counts: the events the Events tab shows. Its boxes count
// the shown events by state; its arrows carry the transitions of the session the
// Session filter picks (all sessions' when it picks none: transitions are counted
// per session, not per event, so the other filters cannot narrow them), and the
// scope line under the figure says both.
// Thread contract: GUI thread only (reads the frame and the proxy of one tick).
#pragma once
#include <QString>

#include "model/DiagramStats.h"
#include "model/FrameSource.h"

class QAbstractProxyModel;

namespace rs::gui {

struct DiagramScope {
  DiagramStats stats;
  QString description;  // one line, e.g. "12 of 40 events shown (session #2) · arrows: session #2"
};

// `shown` filters a model whose rows are the frame's rows (EventTableModel);
// `session` is its Session filter (-1 = all sessions).
DiagramScope scopeDiagram(const FrameSource& frame, const QAbstractProxyModel& shown, int session);

}  // namespace rs::gui
