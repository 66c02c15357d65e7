#include "core/SignalSource.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace rs {

namespace {
// The process-wide half: where the handler writes, and the handlers it replaced.
std::atomic<int> g_signalWriteFd{-1};
struct sigaction g_oldActions[NSIG];
int g_handlerInstalled[NSIG];

extern "C" void rsSignalHandler(int sig) {
  const int savedErrno = errno;
  const int fd = g_signalWriteFd.load(std::memory_order_relaxed);
  if (fd >= 0) {
    const unsigned char c = static_cast<unsigned char>(sig);
    [[maybe_unused]] ssize_t n = ::write(fd, &c, 1);
  }
  errno = savedErrno;
}
}  // namespace

SignalSource::~SignalSource() { closePipe(); }

void SignalSource::closePipe() {
  if (pipe_[0] < 0) return;
  int expected = pipe_[1];
  handlerWroteHere_ = g_signalWriteFd.compare_exchange_strong(expected, -1);
  ::close(pipe_[0]);
  ::close(pipe_[1]);
  pipe_[0] = pipe_[1] = -1;
}

int SignalSource::open() {
  if (isOpen()) return 0;
  // libevent's evutil_make_internal_pipe_: two fds, nonblocking, close-on-exec.
  if (::pipe2(pipe_, O_NONBLOCK | O_CLOEXEC) != 0) {
    pipe_[0] = pipe_[1] = -1;
    return -1;
  }
  pipeEvent_ = std::make_unique<Event>();
  pipeEvent_->setInternal(true);
  pipeEvent_->assign(base_, pipe_[0], kEvRead | kEvPersist, onReadable_, arg_);
  pipeEvent_->setLabel("signal pipe");
  pipeEvent_->setPriority(0);
  eventAdded_ = false;
  if (heads_.empty()) {
    heads_.assign(NSIG, nullptr);
    linked_.assign(NSIG, 0);
  }
  return 0;
}

void SignalSource::shut() {
  if (!isOpen()) return;
  pipeEvent_.reset();  // deleted from the base (which ignores the backend now)
  closePipe();
}

int SignalSource::reopen() {
  const bool wasAdded = eventAdded_;
  if (open() != 0) return -1;
  if (handlerWroteHere_) g_signalWriteFd.store(pipe_[1]);
  handlerWroteHere_ = false;
  if (wasAdded && pipeEvent_->add(nullptr) != 0) return -1;
  eventAdded_ = wasAdded;
  return 0;
}

int SignalSource::link(Event* ev) {
  const int sig = ev->fd_;
  if (sig <= 0 || sig >= NSIG) return -1;
  if (open() != 0) return -1;
  if (!eventAdded_) {
    if (pipeEvent_->add(nullptr) != 0) return -1;
    eventAdded_ = true;
  }
  const auto usig = static_cast<size_t>(sig);
  if (linked_[usig] == 0 && !g_handlerInstalled[sig]) {
    struct sigaction sa {};
    sa.sa_handler = rsSignalHandler;
    sa.sa_flags = SA_RESTART;
    sigfillset(&sa.sa_mask);
    if (sigaction(sig, &sa, &g_oldActions[sig]) != 0) return -1;
    g_handlerInstalled[sig] = 1;
  }
  g_signalWriteFd.store(pipe_[1]);
  ++linked_[usig];
  ev->ioPrev_ = nullptr;
  ev->ioNext_ = heads_[usig];
  if (heads_[usig]) heads_[usig]->ioPrev_ = ev;
  heads_[usig] = ev;
  return 0;
}

void SignalSource::unlink(Event* ev) {
  const int sig = ev->fd_;
  const auto usig = static_cast<size_t>(sig);
  if (ev->ioPrev_) ev->ioPrev_->ioNext_ = ev->ioNext_;
  else heads_[usig] = ev->ioNext_;
  if (ev->ioNext_) ev->ioNext_->ioPrev_ = ev->ioPrev_;
  ev->ioNext_ = ev->ioPrev_ = nullptr;
  if (--linked_[usig] == 0 && g_handlerInstalled[sig]) {
    sigaction(sig, &g_oldActions[sig], nullptr);
    g_handlerInstalled[sig] = 0;
  }
}

void SignalSource::readCaught(int fd, int (&caught)[NSIG]) {
  unsigned char buf[1024];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i)
      if (buf[i] < NSIG) ++caught[buf[i]];
  }
}

}  // namespace rs
