// What the state diagram view shows: live counts per state and, per edge of the
// tutorial's diagram, the transitions that passed along it.
#pragma once
#include <QtGlobal>

#include <array>
#include <vector>

#include "core/Trace.h"

namespace rs::gui {

// The edges of the tutorial's diagram (docs/architecture.md, "Event states"), in drawing order.
enum class DiagramEdge : int {
  New = 0,           // Invalid -> NonPending      event_new / event_assign
  Add,               // NonPending -> Pending      event_add
  DelPending,        // Pending -> NonPending      event_del
  Ready,             // Pending -> Active          fd ready / timeout / signal
  ManualActivate,    // NonPending|Pending -> Active   event_active
  DispatchPersist,   // Active -> Pending          dispatched, PERSIST
  DispatchOnce,      // Active -> NonPending       dispatched, not PERSIST
  DelActive,         // Active -> NonPending       event_del
  Free,              // NonPending -> Invalid      event_free
  Count
};
constexpr int kDiagramEdgeCount = static_cast<int>(DiagramEdge::Count);

// Which edge a traced transition moved along; Count when it is not a diagram edge.
inline DiagramEdge diagramEdgeFor(EventState from, EventState to, TraceCause cause) {
  switch (cause) {
    case TraceCause::New: return DiagramEdge::New;
    case TraceCause::Free: return DiagramEdge::Free;
    case TraceCause::Add: return DiagramEdge::Add;
    case TraceCause::ManualActivate: return DiagramEdge::ManualActivate;
    case TraceCause::ReadyRead:
    case TraceCause::ReadyWrite:
    case TraceCause::ReadyClosed:
    case TraceCause::Timeout:
    case TraceCause::Signal:
      return from == EventState::NonPending ? DiagramEdge::ManualActivate : DiagramEdge::Ready;
    case TraceCause::Del:
      return from == EventState::Active ? DiagramEdge::DelActive : DiagramEdge::DelPending;
    case TraceCause::Dispatch:
      return to == EventState::Pending ? DiagramEdge::DispatchPersist : DiagramEdge::DispatchOnce;
    default: break;
  }
  (void)to;
  return DiagramEdge::Count;
}

struct DiagramStats {
  std::array<qint64, 4> stateCounts{};                 // indexed by EventState; Invalid = freed so far
  std::array<double, kDiagramEdgeCount> edgeRate{};    // transitions/s, smoothed over ~1 s
  std::array<quint64, kDiagramEdgeCount> edgeTotal{};  // since the session started
  std::array<quint64, kDiagramEdgeCount> edgeTick{};   // during the last GUI tick (flash)
};

// One step of the selected event's recent path (for replay on the diagram).
struct PathStep {
  qint64 tsNs = 0;
  EventState from = EventState::Invalid;
  EventState to = EventState::Invalid;
  TraceCause cause = TraceCause::None;
};

}  // namespace rs::gui
