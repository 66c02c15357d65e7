// A session that overflows its trace ring at its start, as the drop and resync
// tests need it: `timers` quiet timers (label "quiet timer", due in an hour,
// never firing) added at once by a custom workload, two records each (created,
// added) into a ring far smaller. Header-only; GUI thread only, like the
// controller. Waits are bounded hang guards, never timing assertions.
#pragma once
#include <QtTest>

#include <memory>
#include <vector>

#include "core/Event.h"
#include "core/EventBase.h"
#include "model/SessionController.h"

namespace rs::gui::test {

inline constexpr char kQuietTimerLabel[] = "quiet timer";

// Turns the controller's auto tick off (nothing drains a ring until the test
// calls tick()), gives new sessions rings of ringRecords, and starts the quiet
// timers' session; its id.
inline int startQuietTimers(SessionController& ctl, int timers, size_t ringRecords) {
  ctl.setAutoTick(false);
  ctl.setTraceCapacity(ringRecords);
  auto events = std::make_shared<std::vector<std::unique_ptr<Event>>>();
  EngineSession::CustomWorkload work;
  work.title = QStringLiteral("quiet timers");
  work.start = [events, timers](EventBase* base, std::string*) {
    for (int i = 0; i < timers; ++i) {
      events->push_back(std::make_unique<Event>(base, -1, 0, [](int, short) {}));
      events->back()->setLabel(kQuietTimerLabel);
      events->back()->addTimeoutNs(3600 * kNsPerSec);
    }
    return true;
  };
  work.stop = [events] { events->clear(); };
  return ctl.startCustom(work);
}

// True once the session runs and its tracer dropped at least minDropped
// records (hang guards of 20 s each).
inline bool waitDropped(EngineSession& session, quint64 minDropped) {
  return QTest::qWaitFor([&] { return session.shared().status == EngineSession::Status::Running; }, 20000) &&
         QTest::qWaitFor([&] { return session.dropped() >= minDropped; }, 20000);
}

// How many of the session's quiet timers the controller's table shows pending.
inline int pendingQuietTimers(SessionController& ctl, int session) {
  const TraceAggregator& agg = ctl.aggregator();
  int n = 0;
  for (int r = 0; r < agg.rowCount(); ++r) {
    const EventRow& e = agg.row(r);
    if (e.session == session && e.label == QLatin1String(kQuietTimerLabel) && e.state == EventState::Pending) ++n;
  }
  return n;
}

}  // namespace rs::gui::test
