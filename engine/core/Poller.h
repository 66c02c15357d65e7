// The I/O multiplexing backend behind an EventBase: a small interface in the
// spirit of libevent's struct eventop. The base merges the interest of every
// event on an fd and tells the poller only when that union changes.
#pragma once
#include <memory>
#include <vector>

#include "core/Clock.h"

namespace rs {

struct ReadyFd {
  int fd;
  short what;  // kEvRead | kEvWrite | kEvClosed
};

class Poller {
 public:
  // libevent's order of preference on Linux: epoll, poll, select.
  enum class Backend { Epoll, Poll, Select };
  virtual ~Poller() = default;
  virtual const char* name() const = 0;
  // interest: kEvRead | kEvWrite | kEvClosed | kEvET; 0 removes the fd.
  // Returns 0 or -errno.
  virtual int update(int fd, short oldInterest, short newInterest) = 0;
  // Waits at most timeoutNs (-1 = forever, never returns early because of
  // rounding) and writes up to `capacity` ready fds to `ready` (no allocation on
  // the hot path). Returns the count or -errno (EINTR -> 0). Level-triggered fds
  // beyond `capacity` are simply reported by the next wait.
  virtual int wait(Nanos timeoutNs, ReadyFd* ready, int capacity) = 0;
  // The most fds one wait can report.
  static constexpr int kMaxReady = 4096;

  // nullptr when the backend cannot be created (errno says why).
  static std::unique_ptr<Poller> create(Backend backend);
  // A poller that accepts every update and changes nothing, waits never
  // succeed: EventBase::reinitBackend() parks a base on it while it lets go of
  // a backend it may share with its parent process.
  static std::unique_ptr<Poller> createDetached();
  // "epoll", "poll", "select" (what name() of that backend says).
  static const char* backendName(Backend backend);
};

}  // namespace rs
