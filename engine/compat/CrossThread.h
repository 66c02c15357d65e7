// Internal to the C API: calls from other threads after evthread_use_pthreads()
// (event2/thread.h). The engine's bases are loop-thread only, so instead of
// locking a base (libevent) a call from another thread while the loop runs is
// handed to the loop, which the hand-off wakes, and the caller waits for the
// loop's result.
//
// Thread contract: everything here is safe from any thread.
#pragma once
#include <atomic>
#include <functional>
#include <type_traits>

struct event_base;

namespace rs::compat {

namespace detail {
extern std::atomic<bool> g_threadsEnabled;
}

// evthread_use_pthreads() (and evthread_set_lock_callbacks) turn it on.
void enableThreads();

// True when the program enabled threads and `base`'s loop runs on a thread
// other than the caller's: the call must go through callInLoop().
bool loopOnOtherThread(const ::event_base* base);
inline bool threadsEnabled() { return detail::g_threadsEnabled.load(std::memory_order_relaxed); }
inline bool fromOtherThread(const ::event_base* base) {
  if (!threadsEnabled()) [[likely]]
    return false;
  return base && loopOnOtherThread(base);
}

// Runs `op` on `base`'s loop thread and returns its result once it ran. If the
// loop stops before it got to `op`, the caller runs it (exactly once either way).
int callInLoop(::event_base* base, std::function<int()> op);

// `op()`, on `base`'s loop thread when the caller is another thread while the
// loop runs (callInLoop()), here otherwise: what an API call that touches the
// base's state (an event made or freed, a bufferevent's buffers and events)
// does from any thread, as libevent's call does under the base's lock.
template <typename Op>
auto onLoopThread(::event_base* base, Op&& op) -> decltype(op()) {
  using Result = decltype(op());
  if (!fromOtherThread(base)) [[likely]]
    return op();
  if constexpr (std::is_void_v<Result>) {
    callInLoop(base, [&op] {
      op();
      return 0;
    });
  } else {
    Result result{};
    callInLoop(base, [&op, &result] {
      result = op();
      return 0;
    });
    return result;
  }
}

}  // namespace rs::compat
