// libevent's event2/listener.h over rs::Listener.
#include <event2/listener.h>

#include <cerrno>
#include <new>

#include "AnnounceFirst.h"
#include "CompatLog.h"
#include "CompatNet.h"
#include "LiveCollector.h"

namespace {

void onAccept(rs::Listener*, int fd, sockaddr* peer, int socklen, void* ctx) {
  auto* lev = static_cast<evconnlistener*>(ctx);
  runUserCallback(lev, [&] { lev->cb(lev, fd, peer, socklen, lev->arg); });
}

void onError(rs::Listener*, void* ctx) {
  auto* lev = static_cast<evconnlistener*>(ctx);
  // libevent warns only when the program set no error callback.
  if (lev->errorcb) runUserCallback(lev, [&] { lev->errorcb(lev, lev->arg); });
  else rs::compat::logWarnErrno("Error from accept() call");
}

// Makes the native listener with `create` (which assigns its listening event
// first: a live trace has the callback's message before that event's first
// record) and wraps it; cleans up after a failed one. `fd`: the listening
// socket when the caller has it (-1: evconnlistener_new_bind makes it).
template <class Create>
struct evconnlistener* adopt(evconnlistener* lev, int fd, Create&& create) {
  rs::Listener* impl = nullptr;
  rs::live::assignAnnounced(lev->base, rs::live::CallbackRole::Listener, reinterpret_cast<const void*>(lev->cb), fd,
                            EV_READ, [&] { return (impl = create()) != nullptr; });
  if (!impl) {
    const int err = errno;
    delete lev;
    errno = err;
    return nullptr;
  }
  lev->impl = impl;
  impl->setUserHandle(lev);
  impl->setErrorCallback(&onError);
  return lev;
}

}  // namespace

extern "C" {

struct evconnlistener* evconnlistener_new(struct event_base* base, evconnlistener_cb cb, void* ptr, unsigned flags,
                                          int backlog, evutil_socket_t fd) {
  if (!base) return nullptr;
  auto* lev = new (std::nothrow) evconnlistener{nullptr, base, cb, nullptr, ptr, {}};
  if (!lev) return nullptr;
  return adopt(lev, fd, [&] { return rs::Listener::create(base, cb ? &onAccept : nullptr, lev, flags, backlog, fd); });
}

struct evconnlistener* evconnlistener_new_bind(struct event_base* base, evconnlistener_cb cb, void* ptr,
                                               unsigned flags, int backlog, const struct sockaddr* sa,
                                               int socklen) {
  if (!base) return nullptr;
  auto* lev = new (std::nothrow) evconnlistener{nullptr, base, cb, nullptr, ptr, {}};
  if (!lev) return nullptr;
  return adopt(lev, -1, [&] {
    return rs::Listener::createBind(base, cb ? &onAccept : nullptr, lev, flags, backlog, sa, socklen);
  });
}

void evconnlistener_free(struct evconnlistener* lev) {
  if (!lev || lev->lifetime.freed) return;
  lev->impl->setUserHandle(nullptr);
  lev->impl->free();  // released now, or when its running callback returns
  releaseHandle(lev);
}

int evconnlistener_enable(struct evconnlistener* lev) { return lev ? lev->impl->enable() : -1; }

int evconnlistener_disable(struct evconnlistener* lev) { return lev ? lev->impl->disable() : -1; }

struct event_base* evconnlistener_get_base(struct evconnlistener* lev) { return lev ? lev->base : nullptr; }

evutil_socket_t evconnlistener_get_fd(struct evconnlistener* lev) { return lev ? lev->impl->fd() : -1; }

void evconnlistener_set_cb(struct evconnlistener* lev, evconnlistener_cb cb, void* arg) {
  if (!lev) return;
  lev->cb = cb;
  lev->arg = arg;
  lev->impl->setCallback(cb ? &onAccept : nullptr, lev);
  rs::live::listenerCallbackSet(lev);
}

void evconnlistener_set_error_cb(struct evconnlistener* lev, evconnlistener_errorcb errorcb) {
  if (lev) lev->errorcb = errorcb;
}

}  // extern "C"
