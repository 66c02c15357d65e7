// How fast a load client queues messages, apart from closed loop (one message
// per echo, the core's own):
// - OpenLoopPacer: open loop at a total rate. Each connection has its own
//   schedule (period = connections / rate); one timer is armed for the
//   earliest intended send time, but never sooner than kPacerMinGap after its
//   last run, so very high rates go out in small batches. A run visits the
//   connections round robin and queues at most kFloodBytesPerYield in all, so
//   a client that lags its schedule still yields to the loop. The latency of a
//   message counts from its intended time (no coordinated omission).
// - FloodGate: discard mode and the slow reader send as fast as the server
//   takes; at most kFloodBytesPerYield are queued per loop pass over all
//   connections, then the ones waiting resume from a zero-delay timer, so a
//   server that never pushes back cannot starve timers and signals.
// Neither decides whether a message may be sent (the core's canSend()); they
// call the core back to queue.
// Thread contract: loop thread only (the client's loop).
#pragma once
#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "core/EventBase.h"
#include "workload/LoadClient.h"
#include "workload/LoadConnection.h"

namespace rs {

class OpenLoopPacer {
 public:
  // Open loop stops queueing on a connection while this much is unsent (its
  // intended send times are kept, so the wait still counts as latency).
  static constexpr size_t kOutputCapBytes = 4u << 20;
  static constexpr Nanos kPacerMinGap = 20 * kNsPerUs;
  // Queues what is due on `c` by `now`, at most `budgetBytes`; returns the bytes queued.
  using PaceFn = std::function<size_t(LoadConnection* c, Nanos now, size_t budgetBytes)>;

  // `connections` outlives the pacer; the schedule gives each of them
  // ratePerSec / connections->size() messages per second.
  void start(EventBase* base, uint32_t ownerTag, double ratePerSec,
             const std::vector<std::unique_ptr<LoadConnection>>* connections, PaceFn pace);
  bool active() const { return timer_.initialized(); }
  Nanos periodPerConnection() const { return periodPerConnection_; }
  // Arms the timer for `due` unless it is already armed for no later.
  void schedule(Nanos now, Nanos due);
  // Sending stopped: nothing is scheduled any more.
  void stop() { stopped_ = true; }
  void cancel();

 private:
  static void onTimer(int, short, void* arg);

  const std::vector<std::unique_ptr<LoadConnection>>* connections_ = nullptr;
  PaceFn pace_;
  Event timer_;
  Nanos periodPerConnection_ = 0;
  Nanos due_ = 0;         // when the armed timer fires
  Nanos lastRun_ = 0;
  size_t nextConnection_ = 0;  // the connection the next run starts with
  bool stopped_ = false;
};

class FloodGate {
 public:
  // resume(c) is called for each connection that waited, on the next pass.
  void start(EventBase* base, uint32_t ownerTag, std::function<void(LoadConnection*)> resume);
  bool spent() const { return budgetBytes_ == 0; }
  void spend(size_t bytes) { budgetBytes_ -= std::min(budgetBytes_, bytes); }
  // c waits for the next pass (once, however often it asks).
  void wait(LoadConnection* c);
  void cancel();

 private:
  static void onResume(int, short, void* arg);

  std::function<void(LoadConnection*)> resume_;
  size_t budgetBytes_ = LoadClientConfig::kFloodBytesPerYield;  // left before the next yield
  std::vector<LoadConnection*> waiting_;
  Event resumeTimer_;  // zero-delay timer: the flood goes on after a yield
};

}  // namespace rs
