// libevent's event2/bufferevent.h over rs::BufferEvent.
#include <event2/bufferevent.h>
#include <event2/bufferevent_compat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <string>
#include <utility>

#include "CompatNet.h"
#include "CrossThread.h"
#include "LiveCollector.h"
#include "net/InetAddress.h"

namespace {

// The native callbacks carry the C handle as their context and pass the C
// program its own pointers. Nothing here touches the handle after the user's
// callback returns: it may have called bufferevent_free.
void onRead(rs::BufferEvent*, void* ctx) {
  auto* bev = static_cast<bufferevent*>(ctx);
  bev->mirrorEnabled();
  runUserCallback(bev, [bev] { bev->readcb(bev, bev->cbarg); });
}

void onWrite(rs::BufferEvent*, void* ctx) {
  auto* bev = static_cast<bufferevent*>(ctx);
  bev->mirrorEnabled();
  runUserCallback(bev, [bev] { bev->writecb(bev, bev->cbarg); });
}

void onEvent(rs::BufferEvent*, short what, void* ctx) {
  auto* bev = static_cast<bufferevent*>(ctx);
  if (bev->muteEvents) return;
  bev->mirrorEnabled();
  runUserCallback(bev, [bev, what] { bev->eventcb(bev, what, bev->cbarg); });
}

void installCallbacks(bufferevent* bev) {
  // A null native callback lets the engine skip the call (and a deferral).
  bev->impl->setCallbacks(bev->readcb ? &onRead : nullptr, bev->writecb ? &onWrite : nullptr,
                          bev->eventcb ? &onEvent : nullptr, bev);
  rs::live::bufferEventCallbacksSet(bev);
}

// The engine relabels the bufferevent's events, new ones too (a socket made by
// connect, a new fd or base, a cleared timeout: new ids): a live trace names
// them after the program's callbacks.
void onRelabelled(rs::BufferEvent* impl) {
  if (auto* bev = static_cast<bufferevent*>(impl->userHandle())) rs::live::bufferEventCallbacksSet(bev);
}

constexpr short kIoBits = EV_READ | EV_WRITE;

// The C handle on a new native bufferevent, set up as libevent's (nullptr, and
// the native one freed, when out of memory).
bufferevent* wrap(rs::BufferEvent* impl, struct event_base* base) {
  auto* bev = new (std::nothrow) bufferevent(impl, base);
  if (!bev) {
    impl->free();
    return nullptr;
  }
  impl->setUserHandle(bev);
  impl->setLabelledCallback(&onRelabelled);
  impl->setLibeventCompatible(true);
  impl->setMaxSingleRead(bufferevent::kMaxReadPerCall);
  impl->setMaxSingleWrite(bev->maxSingleWrite);
  return bev;
}

}  // namespace

extern "C" {

struct bufferevent* bufferevent_new(evutil_socket_t fd, evbuffercb readcb, evbuffercb writecb, everrorcb errorcb,
                                    void* cbarg) {
  struct bufferevent* bev = bufferevent_socket_new(rs::compat::currentBase(), fd, 0);
  if (bev) bufferevent_setcb(bev, readcb, writecb, errorcb, cbarg);
  return bev;
}

struct bufferevent* bufferevent_socket_new(struct event_base* base, evutil_socket_t fd, int options) {
  if (!base) return nullptr;
  return rs::compat::onLoopThread(base, [&]() -> struct bufferevent* {
    rs::BufferEvent* impl = rs::BufferEvent::create(base, fd, options);
    return impl ? wrap(impl, base) : nullptr;
  });
}

int bufferevent_pair_new(struct event_base* base, int options, struct bufferevent* pair[2]) {
  if (!base || !pair) return -1;
  rs::BufferEvent* impls[2];
  if (!rs::BufferEvent::createPair(base, options, impls)) return -1;
  bufferevent* first = wrap(impls[0], base);
  bufferevent* second = first ? wrap(impls[1], base) : nullptr;
  if (!second) {
    if (first) bufferevent_free(first);
    else impls[1]->free();
    return -1;
  }
  pair[0] = first;
  pair[1] = second;
  return 0;
}

struct bufferevent* bufferevent_pair_get_partner(struct bufferevent* bev) {
  rs::BufferEvent* partner = bev ? bev->impl->partner() : nullptr;
  return partner ? static_cast<bufferevent*>(partner->userHandle()) : nullptr;
}

namespace {
// The end of a bufferevent: its last reference went (bufferevent_free, or the
// decref after it). Deleting the handle unhooks the C evbuffer callbacks from
// the native buffers, so it happens first, or (freed inside its own callback)
// when that callback returns, while the native object, which is in the
// callback, lives.
void finalFree(struct bufferevent* bufev) {
  rs::BufferEvent* impl = bufev->impl;
  impl->setUserHandle(nullptr);
  impl->setCallbacks(nullptr, nullptr, nullptr, nullptr);
  releaseHandle(bufev);
  impl->free();  // released now, or when its running callback returns
}
}  // namespace

// libevent's bufferevent_free drops the program's reference: the callbacks go
// at once; the bufferevent itself (its buffers, its pair link, its fd) lives
// while a bufferevent_incref holds it.
void bufferevent_free(struct bufferevent* bufev) {
  if (!bufev || bufev->lifetime.freed || bufev->freeCalled) return;
  rs::compat::onLoopThread(bufev->base, [bufev] {
    bufev->freeCalled = true;
    if (bufev->extraRefs > 0) {
      bufev->impl->setCallbacks(nullptr, nullptr, nullptr, nullptr);
      bufev->readcb = nullptr;
      bufev->writecb = nullptr;
      bufev->eventcb = nullptr;
      bufev->cbarg = nullptr;
      return;
    }
    finalFree(bufev);
  });
}

int bufferevent_socket_connect(struct bufferevent* bev, const struct sockaddr* sa, int socklen) {
  if (!bev) return -1;
  return rs::compat::onLoopThread(bev->base, [&] {
    bev->muteEvents = true;
    const int rc = bev->impl->connect(sa, socklen);
    const int err = errno;
    bev->muteEvents = false;
    errno = err;
    return rc;
  });
}

int bufferevent_socket_connect_hostname(struct bufferevent* bev, struct evdns_base*, int family,
                                        const char* hostname, int port) {
  if (!bev || !hostname) return -1;
  if (family != AF_INET && family != AF_INET6 && family != AF_UNSPEC) return -1;
  if (port < 1 || port > 65535) return -1;
  // No resolver: numeric addresses and "localhost" only, never a blocking lookup.
  std::string error;
  auto addr = rs::InetAddress::resolve(hostname, static_cast<uint16_t>(port), &error, family == AF_INET6);
  if (!addr || (family != AF_UNSPEC && addr->family() != family)) {
    errno = EINVAL;
    return -1;
  }
  return bufferevent_socket_connect(bev, addr->sockAddr(), static_cast<int>(addr->length()));
}

int bufferevent_socket_get_dns_error(struct bufferevent*) { return 0; }

// (The old API's pattern: bufferevent_new on the event_init base, then moved to
// a worker's base before it is enabled.)
int bufferevent_base_set(struct event_base* base, struct bufferevent* bufev) {
  if (!bufev || !base) return -1;
  if (base == bufev->base) return 0;
  event_base* const old = std::exchange(bufev->base, base);  // (set first: the move relabels, announced on `base`)
  if (bufev->impl->setBase(base) == 0) return 0;
  bufev->base = old;
  return -1;
}

struct event_base* bufferevent_get_base(struct bufferevent* bev) { return bev ? bev->base : nullptr; }

int bufferevent_priority_set(struct bufferevent* bufev, int pri) {
  return bufev ? bufev->impl->setPriority(pri) : -1;
}

int bufferevent_get_priority(const struct bufferevent* bufev) { return bufev ? bufev->impl->priority() : -1; }

void bufferevent_setcb(struct bufferevent* bufev, bufferevent_data_cb readcb, bufferevent_data_cb writecb,
                       bufferevent_event_cb eventcb, void* cbarg) {
  if (!bufev) return;
  rs::compat::onLoopThread(bufev->base, [&] {
    bufev->readcb = readcb;
    bufev->writecb = writecb;
    bufev->eventcb = eventcb;
    bufev->cbarg = cbarg;
    installCallbacks(bufev);
  });
}

void bufferevent_getcb(struct bufferevent* bufev, bufferevent_data_cb* readcb_ptr, bufferevent_data_cb* writecb_ptr,
                       bufferevent_event_cb* eventcb_ptr, void** cbarg_ptr) {
  if (readcb_ptr) *readcb_ptr = bufev->readcb;
  if (writecb_ptr) *writecb_ptr = bufev->writecb;
  if (eventcb_ptr) *eventcb_ptr = bufev->eventcb;
  if (cbarg_ptr) *cbarg_ptr = bufev->cbarg;
}

int bufferevent_setfd(struct bufferevent* bufev, evutil_socket_t fd) { return bufev ? bufev->impl->setFd(fd) : -1; }

evutil_socket_t bufferevent_getfd(struct bufferevent* bufev) { return bufev ? bufev->impl->fd() : -1; }

struct bufferevent* bufferevent_get_underlying(struct bufferevent*) { return nullptr; }

int bufferevent_write(struct bufferevent* bufev, const void* data, size_t size) {
  return rs::compat::onLoopThread(bufev->base, [&] { return bufev->impl->write(data, size); });
}

int bufferevent_write_buffer(struct bufferevent* bufev, struct evbuffer* buf) {
  return rs::compat::onLoopThread(bufev->base, [&] { return bufev->impl->writeBuffer(*buf->buf); });
}

size_t bufferevent_read(struct bufferevent* bufev, void* data, size_t size) {
  return rs::compat::onLoopThread(bufev->base, [&] { return bufev->impl->read(data, size); });
}

int bufferevent_read_buffer(struct bufferevent* bufev, struct evbuffer* buf) {
  return rs::compat::onLoopThread(bufev->base, [&] { return bufev->impl->readBuffer(*buf->buf); });
}

struct evbuffer* bufferevent_get_input(struct bufferevent* bufev) { return bufev->input; }

struct evbuffer* bufferevent_get_output(struct bufferevent* bufev) { return bufev->output; }

int bufferevent_enable(struct bufferevent* bufev, short event) {
  if (!bufev) return -1;
  return rs::compat::onLoopThread(bufev->base, [&] {
    bufev->extraEnabled = static_cast<short>(bufev->extraEnabled | (event & ~kIoBits));
    const int rc = bufev->impl->enable(static_cast<short>(event & kIoBits));
    bufev->mirrorEnabled();
    return rc;
  });
}

int bufferevent_disable(struct bufferevent* bufev, short event) {
  if (!bufev) return -1;
  return rs::compat::onLoopThread(bufev->base, [&] {
    bufev->extraEnabled = static_cast<short>(bufev->extraEnabled & ~event);
    const int rc = bufev->impl->disable(static_cast<short>(event & kIoBits));
    bufev->mirrorEnabled();
    return rc;
  });
}

short bufferevent_get_enabled(struct bufferevent* bufev) {
  if (!bufev) return 0;
  bufev->mirrorEnabled();
  return bufev->enabled;
}

int bufferevent_set_timeouts(struct bufferevent* bufev, const struct timeval* timeout_read,
                             const struct timeval* timeout_write) {
  if (!bufev) return -1;
  const int rc = bufev->impl->setTimeouts(timeout_read, timeout_write);
  if (rc == 0) {
    bufev->timeoutRead = timeout_read ? *timeout_read : timeval{};
    bufev->timeoutWrite = timeout_write ? *timeout_write : timeval{};
  }
  return rc;
}

void bufferevent_settimeout(struct bufferevent* bufev, int timeout_read, int timeout_write) {
  timeval readTv{timeout_read, 0};
  timeval writeTv{timeout_write, 0};
  bufferevent_set_timeouts(bufev, timeout_read ? &readTv : nullptr, timeout_write ? &writeTv : nullptr);
}

void bufferevent_setwatermark(struct bufferevent* bufev, short events, size_t lowmark, size_t highmark) {
  if (!bufev) return;
  bufev->impl->setWatermark(events, lowmark, highmark);
  bufev->mirrorWatermarks();
}

int bufferevent_getwatermark(struct bufferevent* bufev, short events, size_t* lowmark, size_t* highmark) {
  return bufev ? bufev->impl->getWatermark(events, lowmark, highmark) : -1;
}

void bufferevent_lock(struct bufferevent*) {}
void bufferevent_unlock(struct bufferevent*) {}
void bufferevent_incref(struct bufferevent* bufev) {
  if (!bufev || bufev->lifetime.freed) return;
  rs::compat::onLoopThread(bufev->base, [bufev] { ++bufev->extraRefs; });
}

// 1 when this dropped the last reference (the bufferevent is gone), else 0.
// Without a reference taken by bufferevent_incref it drops the program's own,
// as bufferevent_free does.
int bufferevent_decref(struct bufferevent* bufev) {
  if (!bufev || bufev->lifetime.freed) return -1;
  return rs::compat::onLoopThread(bufev->base, [bufev] {
    if (bufev->extraRefs > 0 && (--bufev->extraRefs > 0 || !bufev->freeCalled)) return 0;
    bufev->freeCalled = true;
    finalFree(bufev);
    return 1;
  });
}

int bufferevent_flush(struct bufferevent* bufev, short iotype, enum bufferevent_flush_mode mode) {
  return bufev ? bufev->impl->flush(iotype, static_cast<int>(mode)) : -1;
}

int bufferevent_set_max_single_read(struct bufferevent* bev, size_t size) {
  // libevent: 0 or more than EV_SSIZE_MAX restores the default.
  if (size == 0 || size > static_cast<size_t>(EV_SSIZE_MAX)) size = bufferevent::kDefaultMaxSingle;
  bev->maxSingleRead = size;
  bev->impl->setMaxSingleRead(std::min(size, bufferevent::kMaxReadPerCall));
  return 0;
}

int bufferevent_set_max_single_write(struct bufferevent* bev, size_t size) {
  if (size == 0 || size > static_cast<size_t>(EV_SSIZE_MAX)) size = bufferevent::kDefaultMaxSingle;
  bev->maxSingleWrite = size;
  bev->impl->setMaxSingleWrite(size);
  return 0;
}

ev_ssize_t bufferevent_get_max_single_read(struct bufferevent* bev) {
  return static_cast<ev_ssize_t>(bev->maxSingleRead);
}

ev_ssize_t bufferevent_get_max_single_write(struct bufferevent* bev) {
  return static_cast<ev_ssize_t>(bev->maxSingleWrite);
}

}  // extern "C"
