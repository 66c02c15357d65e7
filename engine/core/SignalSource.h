// The signal source of one EventBase: libevent's evsig. A process-wide handler
// writes each caught signal's number into a self-pipe; the pipe's read end is
// an internal event of the base whose callback hands every caught signal, with
// its count, to the events linked here. Like libevent, the base that most
// recently linked a signal event receives every signal (one base per process).
//
// Thread contract: loop thread only (the owning EventBase's), except the
// process-wide handler, which runs on whatever thread the kernel picks and only
// writes to the pipe (async-signal-safe). Linking does not touch list bits:
// EventBase::insertSignal() / removeSignal() do.
#pragma once
#include <csignal>
#include <memory>
#include <vector>

#include "core/Event.h"

namespace rs {

class SignalSource {
 public:
  SignalSource() = default;
  // Closes the pipe (close() must have run, or the base never linked a signal).
  ~SignalSource();
  SignalSource(const SignalSource&) = delete;
  SignalSource& operator=(const SignalSource&) = delete;

  // Links `ev` (its fd is the signal number) into its signal's list, newest
  // first, installing the handler for the first event of that signal. The
  // first link opens the pipe and adds its internal event to `base`, calling
  // `onReadable(fd, what, arg)` when signals arrive. -1 on a bad signal number
  // or a failed pipe()/sigaction().
  int link(Event* ev, EventBase* base, EventCallback onReadable, void* arg);
  // Unlinks `ev`; the last event of a signal restores the previous handler.
  void unlink(Event* ev);
  // Frees the internal event (before the base tears its events down).
  void close() { pipeEvent_.reset(); }

  // From onReadable: reads the pipe empty and calls fn(event, count) for every
  // event linked to a caught signal, by signal number, newest event first.
  // `fn` may unlink the event it gets.
  template <class Fn>
  void forEachCaught(int fd, Fn&& fn) {
    int caught[NSIG] = {};
    readCaught(fd, caught);
    for (int sig = 1; sig < NSIG; ++sig) {
      if (!caught[sig]) continue;
      for (Event* ev = heads_[static_cast<size_t>(sig)]; ev;) {
        Event* const next = ev->ioNext_;
        fn(ev, static_cast<short>(caught[sig]));
        ev = next;
      }
    }
  }

 private:
  int open(EventBase* base, EventCallback onReadable, void* arg);
  static void readCaught(int fd, int (&caught)[NSIG]);

  int pipe_[2] = {-1, -1};
  std::unique_ptr<Event> pipeEvent_;
  std::vector<Event*> heads_;  // per signal number, newest first
  std::vector<int> linked_;    // events per signal number
};

}  // namespace rs
