#include "workload/LoadPacing.h"

#include <algorithm>
#include <limits>

namespace rs {

// ---- OpenLoopPacer -------------------------------------------------------------

void OpenLoopPacer::start(EventBase* base, uint32_t ownerTag, double ratePerSec,
                          const std::vector<std::unique_ptr<LoadConnection>>* connections, PaceFn pace) {
  connections_ = connections;
  pace_ = std::move(pace);
  const double perConnection = ratePerSec / static_cast<double>(connections->size());
  periodPerConnection_ = std::max<Nanos>(1, static_cast<Nanos>(1e9 / perConnection));
  timer_.assign(base, -1, 0, &OpenLoopPacer::onTimer, this);
  timer_.setLabel("load client pacer", ownerTag);
}

void OpenLoopPacer::schedule(Nanos now, Nanos due) {
  if (stopped_ || !timer_.initialized()) return;
  due = std::max(due, lastRun_ + kPacerMinGap);
  if (timer_.state() == EventState::Pending && due_ <= due) return;
  due_ = due;
  timer_.addTimeoutNs(std::max<Nanos>(due - now, 0));
}

void OpenLoopPacer::cancel() {
  if (timer_.initialized()) timer_.del();
}

void OpenLoopPacer::onTimer(int, short, void* arg) {
  auto* self = static_cast<OpenLoopPacer*>(arg);
  const Nanos now = monotonicNowNs();
  self->lastRun_ = now;
  Nanos earliest = std::numeric_limits<Nanos>::max();
  // At most kFloodBytesPerYield per run, round robin from where the last run
  // stopped; a client that lags its schedule yields between runs.
  size_t budget = LoadClientConfig::kFloodBytesPerYield;
  const auto& conns = *self->connections_;
  const size_t n = conns.size();
  for (size_t k = 0; k < n; ++k) {
    LoadConnection* c = conns[(self->nextConnection_ + k) % n].get();
    if (!c->open() || c->sendingDone) continue;
    budget -= self->pace_(c, now, budget);
    if (self->stopped_) return;
    if (budget == 0) {
      self->nextConnection_ = (self->nextConnection_ + k) % n;
      earliest = now;
      break;
    }
    // A connection whose output is full is paced again from its write callback.
    if (c->open() && c->bev->output().length() < kOutputCapBytes) earliest = std::min(earliest, c->nextIntended);
  }
  if (earliest != std::numeric_limits<Nanos>::max()) self->schedule(monotonicNowNs(), earliest);
}

// ---- FloodGate -----------------------------------------------------------------

void FloodGate::start(EventBase* base, uint32_t ownerTag, std::function<void(LoadConnection*)> resume) {
  resume_ = std::move(resume);
  resumeTimer_.assign(base, -1, 0, &FloodGate::onResume, this);
  resumeTimer_.setLabel("load client flood resume", ownerTag);
}

void FloodGate::wait(LoadConnection* c) {
  if (!c->waitingForFloodTurn) {
    c->waitingForFloodTurn = true;
    waiting_.push_back(c);
  }
  if (!resumeTimer_.pending(kEvTimeout, nullptr)) resumeTimer_.addTimeoutNs(0);
}

void FloodGate::cancel() {
  if (resumeTimer_.initialized()) resumeTimer_.del();
}

void FloodGate::onResume(int, short, void* arg) {
  auto* self = static_cast<FloodGate*>(arg);
  self->budgetBytes_ = LoadClientConfig::kFloodBytesPerYield;
  std::vector<LoadConnection*> turns;
  turns.swap(self->waiting_);
  for (LoadConnection* c : turns) {
    c->waitingForFloodTurn = false;
    self->resume_(c);
  }
}

}  // namespace rs
