#include "core/Poller.h"

#include "core/EpollPoller.h"
#include "core/PollPoller.h"

namespace rs {

std::unique_ptr<Poller> Poller::create(Backend backend) {
  if (backend == Backend::Poll) return std::make_unique<PollPoller>();
  auto epoll = std::make_unique<EpollPoller>();
  if (!epoll->ok()) return nullptr;
  return epoll;
}

}  // namespace rs
