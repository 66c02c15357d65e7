// Synthetic trace traffic shaped like the echo workload's (per loop iteration: a
// wait begin/end, then for each ready connection ready -> callback begin -> input
// and output buffer levels -> callback end -> dispatch), deterministic from a seed.
// Shared by the recording tests and bench_recording.
#pragma once
#include <cstdint>
#include <vector>

#include "core/Trace.h"

namespace rs::recording::testing {

class EchoLikeRecords {
 public:
  explicit EchoLikeRecords(uint64_t seed, uint32_t connections = 100, int64_t startNs = 1'000'000'000)
      : state_(seed * 2654435761u + 1), connections_(connections), ts_(startNs) {}

  // Appends about `count` records (whole loop iterations) to out.
  void generate(size_t count, std::vector<TraceRecord>& out) {
    const size_t target = out.size() + count;
    while (out.size() < target) iteration(out);
  }
  int64_t nowNs() const { return ts_; }

 private:
  uint64_t next() {
    state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
    return state_ >> 33;
  }
  int64_t tick(uint64_t spreadNs) { return ts_ += 40 + static_cast<int64_t>(next() % spreadNs); }

  void push(std::vector<TraceRecord>& out, uint64_t id, int64_t value, uint32_t owner, int32_t fd, TraceType type,
            EventState from, EventState to, TraceCause cause, BufferId buffer, int16_t flags) {
    TraceRecord r;
    r.tsNs = tick(200);
    r.eventId = id;
    r.value = value;
    r.owner = owner;
    r.fd = fd;
    r.type = type;
    r.from = from;
    r.to = to;
    r.cause = cause;
    r.buffer = buffer;
    r.flags = flags;
    out.push_back(r);
  }

  void iteration(std::vector<TraceRecord>& out) {
    using S = EventState;
    const auto ready = static_cast<uint32_t>(1 + next() % 8);
    push(out, 0, -1, 0, -1, TraceType::WaitBegin, S::Invalid, S::Invalid, TraceCause::None, BufferId::None, 0);
    ts_ += static_cast<int64_t>(next() % 20000);
    push(out, 0, ready, 0, -1, TraceType::WaitEnd, S::Invalid, S::Invalid, TraceCause::None, BufferId::None, 0);
    for (uint32_t i = 0; i < ready; ++i) {
      const auto conn = static_cast<uint32_t>(next() % connections_);
      const uint64_t id = 1000 + 2 * conn;
      const uint32_t owner = 10 + conn;
      const auto fd = static_cast<int32_t>(20 + conn);
      const int64_t bytes = 64 * static_cast<int64_t>(1 + next() % 2);
      push(out, id, 0, owner, fd, TraceType::Transition, S::Pending, S::Active, TraceCause::ReadyRead, BufferId::None,
           0x22);
      push(out, id, 0, owner, fd, TraceType::CallbackBegin, S::Active, S::Active, TraceCause::None, BufferId::None,
           0x02);
      push(out, id, bytes, owner, fd, TraceType::BufferLevel, S::Active, S::Active, TraceCause::None,
           BufferId::Input, 0);
      push(out, id, bytes, owner, fd, TraceType::BufferLevel, S::Active, S::Active, TraceCause::None,
           BufferId::Output, 0);
      push(out, id, 0, owner, fd, TraceType::BufferLevel, S::Active, S::Active, TraceCause::None, BufferId::Input, 0);
      push(out, id, 300 + static_cast<int64_t>(next() % 2000), owner, fd, TraceType::CallbackEnd, S::Active,
           S::Active, TraceCause::None, BufferId::None, 0);
      push(out, id, 0, owner, fd, TraceType::Transition, S::Active, S::Pending, TraceCause::Dispatch, BufferId::None,
           0x12);
    }
  }

  uint64_t state_;
  uint32_t connections_;
  int64_t ts_;
};

}  // namespace rs::recording::testing
