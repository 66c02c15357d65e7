// rs::Listener: libevent 2.1's evconnlistener. A persistent read event on a
// listening socket; when it fires, accepts in a batch until EAGAIN and hands
// each new fd to the accept callback.
//
// Unlike libevent (whose level-triggered listener spins on EMFILE, calling the
// error callback in a busy loop), a full fd table (EMFILE/ENFILE, or ENOBUFS/
// ENOMEM) pauses accepting: the listen event is deleted, the error callback
// reports it once (errno preserved), and a backoff timer (10 ms doubling to 1 s)
// re-enables accepting by itself. Existing connections are untouched.
//
// Thread contract: loop thread only. free() is safe inside the listener's own
// callbacks (the object is released when the callback returns).
#pragma once
#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/Event.h"
#include "net/InetAddress.h"

namespace rs {

class EventBase;

class Listener {
 public:
  // LEV_OPT_* with libevent's values.
  static constexpr unsigned kLeaveSocketsBlocking = 1u << 0;
  static constexpr unsigned kCloseOnFree = 1u << 1;
  static constexpr unsigned kCloseOnExec = 1u << 2;
  static constexpr unsigned kReuseable = 1u << 3;
  static constexpr unsigned kThreadsafe = 1u << 4;  // accepted, no effect (loop thread only)
  static constexpr unsigned kDisabled = 1u << 5;
  static constexpr unsigned kDeferredAccept = 1u << 6;
  static constexpr unsigned kReuseablePort = 1u << 7;
  static constexpr unsigned kBindIpv6Only = 1u << 8;

  // evconnlistener_cb / evconnlistener_errorcb shapes. The first argument is the
  // Listener; a wrapper (the compat layer) finds its own handle via userHandle().
  using AcceptCallback = void (*)(Listener* listener, int fd, sockaddr* peer, int socklen,
                                  void* ctx);
  using ErrorCallback = void (*)(Listener* listener, void* ctx);

  // evconnlistener_new: wraps an already bound socket. backlog > 0 listens with
  // it, < 0 listens with SOMAXCONN, 0 means the socket is already listening.
  // nullptr (errno set) on failure; `fd` is not closed then.
  static Listener* create(EventBase* base, AcceptCallback cb, void* ctx, unsigned flags,
                          int backlog, int fd);
  // evconnlistener_new_bind: socket + options + bind + listen. nullptr on failure,
  // with errno set and *error (if given) = "bind 127.0.0.1:9000: Address already in use".
  static Listener* createBind(EventBase* base, AcceptCallback cb, void* ctx, unsigned flags,
                              int backlog, const sockaddr* sa, int socklen,
                              std::string* error = nullptr);

  // evconnlistener_free: stops accepting, closes the fd with kCloseOnFree.
  void free();
  struct Deleter {
    void operator()(Listener* l) const { l->free(); }
  };

  // evconnlistener_enable / _disable: 0 or -1.
  int enable();
  int disable();
  bool enabled() const { return enabled_; }
  // evconnlistener_set_cb: a null cb keeps the listener idle; setting one on an
  // enabled listener starts accepting.
  void setCallback(AcceptCallback cb, void* ctx);
  void setErrorCallback(ErrorCallback cb) { errorCb_ = cb; }

  int fd() const { return fd_; }
  EventBase* base() const { return base_; }
  InetAddress localAddress() const;
  // Owner tag of the listen and backoff events (see allocateOwnerTag()).
  uint32_t ownerTag() const { return owner_; }
  // The event that waits for connections (its id labels it in a live trace).
  const Event& listenEvent() const { return listenEvent_; }
  // Regroups the listener's events under `tag` (e.g. a server's session tag),
  // labelled "<prefix> <address>" and "<prefix> <address> backoff".
  void setOwnerTag(uint32_t tag, std::string_view labelPrefix = "listen");
  // Opaque pointer for wrappers (e.g. the compat layer's evconnlistener).
  void setUserHandle(void* handle) { userHandle_ = handle; }
  void* userHandle() const { return userHandle_; }

  // Counters and the fd-exhaustion state.
  uint64_t acceptedCount() const { return accepted_; }
  uint64_t acceptErrorCount() const { return acceptErrors_; }
  uint64_t pauseCount() const { return pauses_; }
  bool paused() const { return paused_; }
  int lastError() const { return lastError_; }
  // First and maximum backoff delays (defaults 10 ms and 1 s).
  void setBackoff(Nanos initial, Nanos max);

 private:
  Listener(EventBase* base, AcceptCallback cb, void* ctx, unsigned flags, int fd);
  ~Listener();
  static void readCallback(int fd, short what, void* arg);
  static void backoffCallback(int fd, short what, void* arg);
  void handleAccept();
  void pauseAccepting(int err);
  int addListenEvent();
  // Callback re-entrancy guard: free() inside a callback defers the delete.
  void leaveCallback();

  EventBase* base_;
  int fd_;
  unsigned flags_;
  AcceptCallback cb_;
  void* ctx_;
  ErrorCallback errorCb_ = nullptr;
  void* userHandle_ = nullptr;
  uint32_t owner_;
  Event listenEvent_;
  Event backoffEvent_;
  bool enabled_ = false;
  bool paused_ = false;
  bool freed_ = false;
  int callbackDepth_ = 0;
  Nanos backoffInitial_ = 10 * kNsPerMs;
  Nanos backoffMax_ = kNsPerSec;
  Nanos backoffNext_ = 10 * kNsPerMs;
  uint64_t accepted_ = 0;
  uint64_t acceptErrors_ = 0;
  uint64_t pauses_ = 0;
  int lastError_ = 0;
};

using ListenerPtr = std::unique_ptr<Listener, Listener::Deleter>;

}  // namespace rs
