#include "core/Poller.h"

#include <cerrno>

#include "core/EpollPoller.h"
#include "core/PollPoller.h"
#include "core/SelectPoller.h"

namespace rs {

namespace {
// event_reinit's stand-in while the inherited backend is let go: it accepts
// every change and makes none (the parent may share that backend).
class DetachedPoller final : public Poller {
 public:
  const char* name() const override { return "none"; }
  int update(int, short, short) override { return 0; }
  int wait(Nanos, ReadyFd*, int) override { return -EBADF; }
};
}  // namespace

std::unique_ptr<Poller> Poller::create(Backend backend) {
  switch (backend) {
    case Backend::Poll: return std::make_unique<PollPoller>();
    case Backend::Select: return std::make_unique<SelectPoller>();
    case Backend::Epoll: break;
  }
  auto epoll = std::make_unique<EpollPoller>();
  if (!epoll->ok()) return nullptr;
  return epoll;
}

std::unique_ptr<Poller> Poller::createDetached() { return std::make_unique<DetachedPoller>(); }

const char* Poller::backendName(Backend backend) {
  switch (backend) {
    case Backend::Poll: return "poll";
    case Backend::Select: return "select";
    case Backend::Epoll: break;
  }
  return "epoll";
}

}  // namespace rs
