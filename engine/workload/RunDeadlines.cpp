#include "workload/RunDeadlines.h"

namespace rs {

void RunDeadlines::start(EventBase* base, uint32_t ownerTag, const LoadClientConfig& cfg, Nanos startNs,
                         EventCallback onSendEnd, EventCallback onRunEnd, void* arg) {
  startNs_ = startNs;
  if (cfg.durationSec > 0) {
    sendDeadline_ = startNs + static_cast<Nanos>(cfg.durationSec * 1e9);
  } else if (cfg.messageCount > 0) {
    sendDeadline_ = startNs + static_cast<Nanos>(LoadClientConfig::kCountOnlyTimeLimitSec * 1e9);
  }
  runDeadline_ = (sendDeadline_ == kNever ? startNs : sendDeadline_) + cfg.timeout;
  if (sendDeadline_ != kNever) {
    sendEnd_.assign(base, -1, 0, onSendEnd, arg);
    sendEnd_.setLabel("load client send end", ownerTag);
    sendEnd_.addTimeoutNs(sendDeadline_ - startNs);
  }
  runEnd_.assign(base, -1, 0, onRunEnd, arg);
  runEnd_.setLabel("load client run end", ownerTag);
  runEnd_.addTimeoutNs(runDeadline_ - startNs);
}

void RunDeadlines::cancelSendEnd() {
  if (sendEnd_.initialized()) sendEnd_.del();
}

void RunDeadlines::endWithin(Nanos now, Nanos timeout) {
  if (now + timeout < runDeadline_) {
    runDeadline_ = now + timeout;
    runEnd_.addTimeoutNs(timeout);
  }
}

void RunDeadlines::cancel() {
  for (Event* ev : {&sendEnd_, &runEnd_})
    if (ev->initialized()) ev->del();
}

const char* RunDeadlines::sendEndText(const LoadClientConfig& cfg) {
  return cfg.durationSec > 0 ? "the duration ended" : "the time limit of a count-only run ended";
}

bool RunDeadlines::connectionOverdue(const LoadConnection& c, Nanos now, Nanos timeout, bool slowReader) {
  using State = LoadConnection::State;
  if (c.state == State::Connecting) return now - c.connectStarted > timeout;
  if (c.state != State::Open) return false;
  if (!c.inflight.empty() && !slowReader && now - c.headSince > timeout) return true;  // oldest echo overdue
  return c.sendingDone && now - c.doneAt > timeout;  // one timeout after sending ended, not finished
}

}  // namespace rs
