// Internal to the C API: what `struct evbuffer`, `struct bufferevent` and
// `struct evconnlistener` are on the C++ side. Each is a small handle on the
// engine object it wraps 1:1 (rs::Buffer, rs::BufferEvent, rs::Listener), so
// that callbacks hand C programs back the very pointers they hold.
#pragma once
#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "CompatBase.h"
#include "net/Buffer.h"
#include "net/BufferEvent.h"
#include "net/Listener.h"

static_assert(sizeof(evbuffer_cb_info) == sizeof(rs::Buffer::ChangeInfo),
              "evbuffer_cb_info mirrors rs::Buffer::ChangeInfo");

// One evbuffer_add_cb registration: the native callback id plus what the C
// callback needs. Owned by its evbuffer; the pointer is the C handle.
struct evbuffer_cb_entry {
  struct evbuffer* owner;
  evbuffer_cb_func cb;
  void* arg;
  rs::Buffer::CallbackId id;
  evbuffer_cb obsoleteCb = nullptr;  // evbuffer_setcb's (then cb is null)
};

// A C handle on an rs::Buffer: one it owns (evbuffer_new) or a bufferevent's
// input or output.
struct evbuffer {
  explicit evbuffer(rs::Buffer* b) : buf(b) {}
  // Unhooks the C callbacks so the native buffer, which may outlive this
  // handle (a bufferevent freed inside its own callback), never calls them.
  virtual ~evbuffer() {
    for (auto& e : callbacks) buf->removeCallback(e->id);
  }
  evbuffer(const evbuffer&) = delete;
  evbuffer& operator=(const evbuffer&) = delete;

  rs::Buffer* buf;
  std::vector<std::unique_ptr<evbuffer_cb_entry>> callbacks;
};

// libevent keeps a handle alive until the callback that freed it returns (its
// reference count), and programs rely on it: an event callback that calls
// bufferevent_free(bev) and then bufferevent_get_base(bev) is idiomatic. A C
// handle whose callbacks run through runUserCallback() and which is freed
// through releaseHandle() gets the same lifetime.
struct CallbackLifetime {
  int callbackDepth = 0;  // user callbacks of this handle now running
  bool freed = false;     // freed inside one of them: deleted when it returns
};

// Runs a user callback of handle h; deletes h afterwards if the callback freed it.
template <class Handle, class Fn>
void runUserCallback(Handle* h, Fn&& userCallback) {
  ++h->lifetime.callbackDepth;
  userCallback();
  if (--h->lifetime.callbackDepth == 0 && h->lifetime.freed) delete h;
}

// The handle's deletion at free: now, or when its running callback returns.
template <class Handle>
void releaseHandle(Handle* h) {
  if (h->lifetime.callbackDepth > 0) h->lifetime.freed = true;
  else delete h;
}

// libevent 2.1's public struct bufferevent (event2/bufferevent_struct.h), field
// for field, so old C code reading bev->input, bev->output or bev->enabled
// finds them at libevent's offsets (input at 272 on x86-64). The C++ names
// differ; the C header has libevent's. A program's writes to them change nothing.
struct BufferEventPublicFields {
  struct event_base* base = nullptr;  // ev_base
  const void* beOps = nullptr;        // be_ops: no ops table here
  struct event evReadUnused {};       // ev_read / ev_write: libevent's internal events, kept zero (ours run on engine events)
  struct event evWriteUnused {};
  struct evbuffer* input = nullptr;   // -> the bufferevent's own evbuffer handles
  struct evbuffer* output = nullptr;
  size_t readLowWatermark = 0;        // wm_read, wm_write: as the engine holds them
  size_t readHighWatermark = 0;
  size_t writeLowWatermark = 0;
  size_t writeHighWatermark = 0;
  bufferevent_data_cb readcb = nullptr;
  bufferevent_data_cb writecb = nullptr;
  bufferevent_event_cb eventcb = nullptr;  // libevent's errorcb
  void* cbarg = nullptr;
  struct timeval timeoutRead {};      // as last set; zero = none
  struct timeval timeoutWrite {};
  short enabled = 0;                  // mirrors bufferevent_get_enabled (see mirrorEnabled)
};
static_assert(offsetof(BufferEventPublicFields, input) == 2 * sizeof(void*) + 2 * sizeof(struct event),
              "bev->input follows ev_base, be_ops and two whole struct events, as in libevent");
static_assert(offsetof(BufferEventPublicFields, readcb) ==
                  offsetof(BufferEventPublicFields, input) + 2 * sizeof(void*) + 4 * sizeof(size_t),
              "callbacks follow input, output and two struct event_watermark");

// C handle on an rs::BufferEvent; its first bytes are libevent's public fields.
// Its last reference deletes it: bufferevent_free, or the bufferevent_decref
// after it when one was taken (see CallbackLifetime); the native object lives
// on until its own callbacks have returned.
struct bufferevent : BufferEventPublicFields {
  bufferevent(rs::BufferEvent* b, struct event_base* eb)
      : impl(b), inputHandle(&b->input()), outputHandle(&b->output()) {
    base = eb;
    input = &inputHandle;
    output = &outputHandle;
    mirrorWatermarks();
  }

  // The public `enabled` is the engine's EV_READ/EV_WRITE plus the other bits
  // the program enabled; refreshed on every enable/disable/get_enabled and
  // before each user callback (the engine disables reading at EOF itself).
  void mirrorEnabled() { enabled = static_cast<short>(impl->enabled() | extraEnabled); }
  void mirrorWatermarks() {
    impl->getWatermark(EV_READ, &readLowWatermark, &readHighWatermark);
    impl->getWatermark(EV_WRITE, &writeLowWatermark, &writeHighWatermark);
  }

  rs::BufferEvent* impl;
  evbuffer inputHandle;
  evbuffer outputHandle;
  // libevent keeps every bit passed to bufferevent_enable (EV_PERSIST from the
  // tutorial's client included) in bufferevent_get_enabled; the native object
  // keeps only EV_READ/EV_WRITE.
  short extraEnabled = 0;
  // libevent's max_single_read/_write as reported by the getters. A socket
  // read is further capped at 4096 bytes (libevent's EVBUFFER_MAX_READ), so
  // read callbacks see the same chunks as with libevent.
  size_t maxSingleRead = kDefaultMaxSingle;
  size_t maxSingleWrite = kDefaultMaxSingle;
  static constexpr size_t kDefaultMaxSingle = 16384;
  static constexpr size_t kMaxReadPerCall = 4096;
  // Set while bufferevent_socket_connect runs: libevent 2.1 reports an
  // immediate connect failure only through the return value.
  bool muteEvents = false;
  // libevent's reference count beyond the program's own reference:
  // bufferevent_incref's not yet dropped; with one held, bufferevent_free only
  // clears the callbacks (freeCalled) and the last decref frees.
  int extraRefs = 0;
  bool freeCalled = false;
  CallbackLifetime lifetime;
};

// C handle on an rs::Listener.
struct evconnlistener {
  rs::Listener* impl = nullptr;
  struct event_base* base = nullptr;
  evconnlistener_cb cb = nullptr;
  evconnlistener_errorcb errorcb = nullptr;
  void* arg = nullptr;
  CallbackLifetime lifetime;  // evconnlistener_free inside its own callback
};
