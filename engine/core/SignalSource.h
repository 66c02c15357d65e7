// The signal source of one EventBase: libevent's evsig. A process-wide handler
// writes each caught signal's number into a self-pipe; the pipe's read end is
// an internal event of the base whose callback hands every caught signal, with
// its count, to the events linked here. Like libevent, the base that most
// recently linked a signal event receives every signal (one base per process).
//
// The pipe is opened by open() (libevent's evsig_init_, which the compat layer
// runs when the base is made, so fd numbers match libevent's) or else by the
// first link(); its internal event is added to the base at the first link, as
// libevent's evsig_add does.
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
  // `onReadable(fd, what, arg)` is the pipe event's callback on `base`.
  SignalSource(EventBase* base, EventCallback onReadable, void* arg)
      : base_(base), onReadable_(onReadable), arg_(arg) {}
  // Closes the pipe (close() must have run, or the base never linked a signal).
  ~SignalSource();
  SignalSource(const SignalSource&) = delete;
  SignalSource& operator=(const SignalSource&) = delete;

  // Opens the pipe and assigns its internal event (not added yet). 0, or -1
  // when pipe() fails. Nothing to do when open.
  int open();
  bool isOpen() const { return pipe_[0] >= 0; }
  // Links `ev` (its fd is the signal number) into its signal's list, newest
  // first, installing the handler for the first event of that signal and
  // adding the pipe's event to the base for the first event of all. -1 on a
  // bad signal number or a failed pipe()/sigaction().
  int link(Event* ev);
  // Unlinks `ev`; the last event of a signal restores the previous handler.
  void unlink(Event* ev);
  // Frees the internal event (before the base tears its events down).
  void close() { pipeEvent_.reset(); }
  // event_reinit, in a child after fork(): shut() deletes the pipe's event and
  // closes the pipe (shared with the parent); reopen() opens a new one, adds
  // its event if it was added, and points the handler at it if it wrote to
  // the old one. Between the two the base re-creates its backend.
  void shut();
  int reopen();

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
  static void readCaught(int fd, int (&caught)[NSIG]);
  void closePipe();

  EventBase* const base_;
  const EventCallback onReadable_;
  void* const arg_;
  int pipe_[2] = {-1, -1};
  std::unique_ptr<Event> pipeEvent_;
  bool eventAdded_ = false;       // pipeEvent_ was added (at the first link)
  bool handlerWroteHere_ = false; // shut(): the handler wrote to the old pipe
  std::vector<Event*> heads_;  // per signal number, newest first
  std::vector<int> linked_;    // events per signal number
};

}  // namespace rs
