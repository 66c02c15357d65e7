#include "net/Listener.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/EventBase.h"
#include "net/Socket.h"

namespace rs {

namespace {
bool acceptRetriable(int err) {
  return err == EAGAIN || err == EWOULDBLOCK || err == EINTR || err == ECONNABORTED;
}
}  // namespace

Listener::Listener(EventBase* base, AcceptCallback cb, void* ctx, unsigned flags, int fd)
    : base_(base), fd_(fd), flags_(flags), cb_(cb), ctx_(ctx), owner_(allocateOwnerTag()) {
  listenEvent_.assign(base, fd, kEvRead | kEvPersist, &Listener::readCallback, this);
  setOwnerTag(owner_);
}

void Listener::setOwnerTag(uint32_t tag, std::string_view labelPrefix) {
  owner_ = tag;
  const std::string name = std::string(labelPrefix) + " " + sockets::localAddress(fd_).toString();
  listenEvent_.setLabel(name, owner_);
  if (backoffEvent_.initialized()) backoffEvent_.setLabel(name + " backoff", owner_);
}

Listener::~Listener() {
  listenEvent_.release();
  if (backoffEvent_.initialized()) backoffEvent_.release();
  if ((flags_ & kCloseOnFree) && fd_ >= 0) ::close(fd_);
}

Listener* Listener::create(EventBase* base, AcceptCallback cb, void* ctx, unsigned flags,
                           int backlog, int fd) {
  if (!base || fd < 0) {
    errno = EINVAL;
    return nullptr;
  }
  if (backlog != 0 && ::listen(fd, backlog < 0 ? SOMAXCONN : backlog) < 0) return nullptr;
  // The batch accept loop needs a nonblocking listening socket.
  if (sockets::setNonblocking(fd, true) < 0) return nullptr;
  if (flags & kCloseOnExec) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  auto* l = new Listener(base, cb, ctx, flags, fd);
  if (!(flags & kDisabled) && l->enable() < 0) {
    const int err = errno;
    l->flags_ &= ~kCloseOnFree;  // the caller still owns fd on failure
    delete l;
    errno = err;
    return nullptr;
  }
  return l;
}

Listener* Listener::createBind(EventBase* base, AcceptCallback cb, void* ctx, unsigned flags,
                               int backlog, const sockaddr* sa, int socklen, std::string* error) {
  const InetAddress addr(sa, static_cast<socklen_t>(socklen));
  const int family = sa ? sa->sa_family : AF_INET;
  Socket s(sockets::createNonblocking(family));
  auto fail = [&](const char* what) -> Listener* {
    const int err = errno;
    if (error) *error = sockets::describeError(what, addr, err);
    errno = err;
    return nullptr;
  };
  if (!s.valid()) return fail("socket");
  sockets::setKeepAlive(s.fd(), true);
  if ((flags & kReuseable) && sockets::setReuseAddr(s.fd(), true) < 0) return fail("setsockopt");
  if ((flags & kReuseablePort) && sockets::setReusePort(s.fd(), true) < 0)
    return fail("setsockopt");
  if (flags & kBindIpv6Only) {
    const int on = 1;
    if (::setsockopt(s.fd(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) < 0)
      return fail("setsockopt");
  }
  if (flags & kDeferredAccept) {
    const int secs = 1;
    ::setsockopt(s.fd(), IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof secs);
  }
  if (sa && ::bind(s.fd(), sa, static_cast<socklen_t>(socklen)) < 0) return fail("bind");
  if (backlog == 0) backlog = -1;  // we just created it: it is not listening yet
  if (::listen(s.fd(), backlog < 0 ? SOMAXCONN : backlog) < 0) return fail("listen");
  Listener* l = create(base, cb, ctx, flags, 0, s.fd());
  if (!l) return fail("listen");
  s.release();
  return l;
}

void Listener::free() {
  if (freed_) return;
  freed_ = true;
  enabled_ = false;
  listenEvent_.del();
  if (backoffEvent_.initialized()) backoffEvent_.del();
  cb_ = nullptr;
  errorCb_ = nullptr;
  if ((flags_ & kCloseOnFree) && fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (callbackDepth_ == 0) delete this;
}

void Listener::leaveCallback() {
  if (--callbackDepth_ == 0 && freed_) delete this;
}

int Listener::addListenEvent() {
  if (!cb_ || paused_ || fd_ < 0) return 0;
  return listenEvent_.add(nullptr);
}

int Listener::enable() {
  if (freed_) return -1;
  enabled_ = true;
  return addListenEvent();
}

int Listener::disable() {
  enabled_ = false;
  return listenEvent_.del();
}

void Listener::setCallback(AcceptCallback cb, void* ctx) {
  const bool start = enabled_ && !cb_ && cb;
  cb_ = cb;
  ctx_ = ctx;
  if (start) addListenEvent();
}

InetAddress Listener::localAddress() const { return sockets::localAddress(fd_); }

void Listener::setBackoff(Nanos initial, Nanos max) {
  backoffInitial_ = std::max<Nanos>(initial, kNsPerMs);
  backoffMax_ = std::max(max, backoffInitial_);
  backoffNext_ = backoffInitial_;
}

void Listener::readCallback(int, short, void* arg) {
  auto* self = static_cast<Listener*>(arg);
  ++self->callbackDepth_;
  self->handleAccept();
  self->leaveCallback();
}

void Listener::handleAccept() {
  const int acceptFlags = SOCK_CLOEXEC | ((flags_ & kLeaveSocketsBlocking) ? 0 : SOCK_NONBLOCK);
  int err = 0;
  for (;;) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    const int nfd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&ss), &len, acceptFlags);
    if (nfd < 0) {
      err = errno;
      break;
    }
    ++accepted_;
    backoffNext_ = backoffInitial_;
    if (!cb_) {
      ::close(nfd);
      return;
    }
    cb_(this, nfd, reinterpret_cast<sockaddr*>(&ss), static_cast<int>(len), ctx_);
    if (freed_ || !enabled_ || paused_) return;
  }
  if (acceptRetriable(err)) return;
  // Anything else would make a level-triggered listener spin: pause, report,
  // and let the backoff timer resume accepting.
  pauseAccepting(err);
}

void Listener::pauseAccepting(int err) {
  ++acceptErrors_;
  ++pauses_;
  lastError_ = err;
  paused_ = true;
  listenEvent_.del();
  if (!backoffEvent_.initialized()) {  // (made at the first pause: a listener that never pauses shows no timer)
    backoffEvent_.assign(base_, -1, 0, &Listener::backoffCallback, this);
    backoffEvent_.setLabel(listenEvent_.label() + " backoff", owner_);
  }
  backoffEvent_.addTimeoutNs(backoffNext_);
  backoffNext_ = std::min(backoffNext_ * 2, backoffMax_);
  if (errorCb_) {
    errno = err;
    errorCb_(this, ctx_);
  }
}

void Listener::backoffCallback(int, short, void* arg) {
  auto* self = static_cast<Listener*>(arg);
  self->paused_ = false;
  if (self->enabled_) self->addListenEvent();
}

}  // namespace rs
