// The colours of the four states, shared by the events table, the timeline and the
// legend; the same Okabe-Ito hues as StateDiagramView::stateColor (widgets lib).
#pragma once
#include <QColor>

#include "core/Trace.h"

namespace rs::gui {

inline QColor stateColor(EventState s) {
  switch (s) {
    case EventState::Invalid: return QColor(0x9a, 0x9a, 0x9a);     // grey
    case EventState::NonPending: return QColor(0x56, 0xb4, 0xe9);  // sky blue
    case EventState::Pending: return QColor(0xe6, 0x9f, 0x00);     // orange
    case EventState::Active: return QColor(0x00, 0x9e, 0x73);      // bluish green
  }
  return QColor(Qt::black);
}

inline const char* stateTitle(EventState s) {
  switch (s) {
    case EventState::Invalid: return "invalid";
    case EventState::NonPending: return "non-pending";
    case EventState::Pending: return "pending";
    case EventState::Active: return "active";
  }
  return "?";
}

}  // namespace rs::gui
