#include "CrossThread.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "CompatBase.h"

namespace rs::compat {

std::atomic<bool> detail::g_threadsEnabled{false};

void enableThreads() { detail::g_threadsEnabled.store(true); }

bool loopOnOtherThread(const ::event_base* base) { return base->loopRunning() && !base->isInLoopThread(); }

namespace {
// One hand-off: whoever claims it first (the loop's task or the caller after
// the loop stopped) runs the operation.
struct Handoff {
  std::mutex mutex;
  std::condition_variable doneCv;
  bool claimed = false;
  bool done = false;
  int result = -1;
  std::function<int()> op;

  bool claim() {
    std::lock_guard lock(mutex);
    if (claimed) return false;
    claimed = true;
    return true;
  }
  void finish(int value) {
    {
      std::lock_guard lock(mutex);
      result = value;
      done = true;
    }
    doneCv.notify_all();
  }
};
}  // namespace

int callInLoop(::event_base* base, std::function<int()> op) {
  auto handoff = std::make_shared<Handoff>();
  handoff->op = std::move(op);
  base->queueInLoop([handoff] {
    if (handoff->claim()) handoff->finish(handoff->op());
  });
  std::unique_lock lock(handoff->mutex);
  while (!handoff->done) {
    // Woken by finish(), or every 10 ms to see whether the loop stopped.
    if (handoff->doneCv.wait_for(lock, std::chrono::milliseconds(10), [&] { return handoff->done; })) break;
    if (!handoff->claimed && !base->loopRunning()) {
      handoff->claimed = true;
      lock.unlock();
      return handoff->op();
    }
  }
  return handoff->result;
}

}  // namespace rs::compat
