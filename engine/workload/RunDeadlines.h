// When a load-client run stops sending and when it ends at the latest, and
// when one of its connections is overdue. Every run ends by itself:
// - sending (and opening) stops at the duration, or for a count alone after
//   LoadClientConfig::kCountOnlyTimeLimitSec (the send-end timer);
// - the run ends one timeout after that whatever the server does (the run-end
//   timer); drain() brings that to one timeout from now;
// - a connection is overdue one timeout after its connect started, after its
//   oldest unanswered message became the oldest, or after its sending ended.
// The two timers call the client's core back; the overdue check runs on the
// core's housekeeping tick.
// Thread contract: loop thread only (the client's loop).
#pragma once
#include <limits>

#include "core/EventBase.h"
#include "workload/LoadClient.h"
#include "workload/LoadConnection.h"

namespace rs {

class RunDeadlines {
 public:
  static constexpr Nanos kNever = std::numeric_limits<Nanos>::max();

  // Sets the deadlines from `config` counted from `startNs` and arms the
  // timers: onSendEnd(arg) at the send deadline (if there is one), onRunEnd(arg)
  // at the run deadline.
  void start(EventBase* base, uint32_t ownerTag, const LoadClientConfig& config, Nanos startNs,
             EventCallback onSendEnd, EventCallback onRunEnd, void* arg);
  Nanos startNs() const { return startNs_; }
  bool sendTimeUp(Nanos now) const { return sendDeadline_ != kNever && now >= sendDeadline_; }
  // Sending stopped for another reason: the send-end timer is not needed.
  void cancelSendEnd();
  // drain(): the run ends one timeout from now, unless it ends sooner anyway.
  void endWithin(Nanos now, Nanos timeout);
  // finish(): both timers off.
  void cancel();

  // What stopping at the send deadline is called ("the duration ended").
  static const char* sendEndText(const LoadClientConfig& config);
  // The connection's own deadline has passed (see above). A slow reader's
  // unanswered messages have no deadline: it reads slowly on purpose.
  static bool connectionOverdue(const LoadConnection& c, Nanos now, Nanos timeout, bool slowReader);

 private:
  Nanos startNs_ = 0;
  Nanos sendDeadline_ = kNever;
  Nanos runDeadline_ = kNever;  // send deadline (or start) + timeout; drain() brings it closer
  Event sendEnd_;               // at sendDeadline_: sending and opening stop
  Event runEnd_;                // at runDeadline_: whatever is still open is timed out
};

}  // namespace rs
